# The PostgreSQL column of the benchmark suite (docs/benchmarks.md), sourced
# by run.sh --postgres after the SQLite steps, with run.sh's variables and
# helpers. A private PostgreSQL (scripts/pg_local.sh: Unix socket only, in
# the run's temporary directory, stopped by run.sh's cleanup) holds the
# store of 1, then 2 gateway instances, configured as a fleet is
# (scripts/run_fleet.sh: store kind postgres, the DSN in a file, one PII key
# for all). Measured, each against the SQLite single instance of this run:
#   - reserve saturation: cgw-loadgen closed loop, $CONNS connections in
#     all; on 2 instances two cgw-loadgen processes, one per instance, with
#     half the connections and one thread each, run side by side and summed;
#   - the activation day ($ACT activations; on 2 instances the workers
#     alternate between the instances).
# Each step uses numbers run.sh set aside for it (pg-*.nums), which no
# SQLite step touched.

# As root, pg_local.sh runs the server as `postgres`, which must be able to
# reach its directory inside ours (the files in it stay private: 0600).
if [ "$(id -u)" = 0 ]; then chmod 711 "$WORK"; fi
log "PostgreSQL: starting a private server in $WORK/pg"
"$ROOT/scripts/pg_local.sh" start "$WORK/pg" >&2 || die "PostgreSQL did not start (scripts/pg_local.sh)"
PG_STARTED=1
"$ROOT/scripts/pg_local.sh" dsn "$WORK/pg" >"$WORK/pg.dsn"
PG_DSN=$(cat "$WORK/pg.dsn")

PG_PORTS=() PG_PIDS=()
# start_pg_instance I: gateway instance I on the shared store. The first one
# takes the sync lease and makes the first full sync (waited for); the next
# ones build their index from the store before they listen.
start_pg_instance() {
  local i=$1 line="" k
  write_gateway_config "gateway-pg$i.yaml" "store: {kind: postgres, dsn: {file: pg.dsn}}" \
    "audit: {path: audit-pg$i.log}"
  rm -f "$WORK/gw-pg$i.port"
  "$BIN/cgw-gateway" --config "$WORK/gateway-pg$i.yaml" --port-file "$WORK/gw-pg$i.port" \
    >"$WORK/gateway-pg$i.log" 2>&1 &
  PG_PIDS+=("$!")
  PIDS+=("$!")
  wait_file "$WORK/gw-pg$i.port" 600 ||
    die "cgw-gateway on PostgreSQL (instance $i) did not start: $(tail -5 "$WORK/gateway-pg$i.log")"
  PG_PORTS+=("$(json_get "$WORK/gw-pg$i.port" port)")
  [ "$i" = 1 ] || return 0
  for k in $(seq 6000); do  # at most 600 s
    line=$(grep -o 'sync carrier=mobile done numbers=[0-9]* seconds=[0-9.]*' \
      "$WORK/gateway-pg1.log" | head -1 || true)
    [ -n "$line" ] && break
    kill -0 "${PG_PIDS[0]}" 2>/dev/null || die "cgw-gateway exited: $(tail -5 "$WORK/gateway-pg1.log")"
    sleep 0.1
  done
  [ -n "$line" ] || die "the first sync on PostgreSQL did not finish in 600 s"
  log "PostgreSQL: instance 1 synced: ${line#sync carrier=mobile done }"
}

# pg_reserve NAME PORT CONNECTIONS THREADS: reserve saturation through one instance.
pg_reserve() {
  loadgen "$1" --port "$2" --method POST --path /v1/reservations --header "$AUTH" \
    --header "Idempotency-Key: bench-$1-{n}-{num}" --body '{"carrier":"mobile","msisdn":"{num}"}' \
    --rate 0 --connections "$3" --threads "$4" --numbers-file "$WORK/$1.nums"
}

start_pg_instance 1
for r in $(seq "$LOAD_RUNS"); do
  log "run $r/$RUNS: reserve on PostgreSQL, 1 instance"
  pg_reserve "pg-sat-i1-r$r" "${PG_PORTS[0]}" "$CONNS" 2
done
log "activation day on PostgreSQL, 1 instance: $ACT activations"
activation_day pg-act-i1 --pg-dsn "$PG_DSN" "$WORK/pg-act-i1.nums" "${PG_PORTS[0]}" "${PG_PIDS[0]}"

start_pg_instance 2
for r in $(seq "$LOAD_RUNS"); do
  log "run $r/$RUNS: reserve on PostgreSQL, 2 instances"
  pg_reserve "pg-sat-i2a-r$r" "${PG_PORTS[0]}" $((CONNS / 2)) 1 &
  a=$!
  pg_reserve "pg-sat-i2b-r$r" "${PG_PORTS[1]}" $((CONNS - CONNS / 2)) 1 &
  b=$!
  wait "$a" || die "reserve on PostgreSQL, instance 1 of 2"
  wait "$b" || die "reserve on PostgreSQL, instance 2 of 2"
done
log "activation day on PostgreSQL, 2 instances: $ACT activations"
activation_day pg-act-i2 --pg-dsn "$PG_DSN" "$WORK/pg-act-i2.nums" \
  "${PG_PORTS[0]},${PG_PORTS[1]}" "${PG_PIDS[0]},${PG_PIDS[1]}"

for p in "${PG_PIDS[@]}"; do stop_pid "$p"; done
"$ROOT/scripts/pg_local.sh" stop "$WORK/pg" >&2 || log "PostgreSQL did not stop cleanly"
PG_STARTED=0
