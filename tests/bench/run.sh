#!/usr/bin/env bash
# The cgw benchmark suite, one command (docs/benchmarks.md):
#
#   tests/bench/run.sh            # full run: 1M numbers, 280,000 activations, 10,000 idle
#   tests/bench/run.sh --smoke    # every part for a few seconds, tiny counts (CI)
#   tests/bench/run.sh --postgres # and then the PostgreSQL column (1 and 2 instances)
#
# Options: --runs N (repeats of each timed part; median, min, max reported),
# --duration S (seconds per load step), --pool N (numbers in the simulated
# carrier's pool), --activations N, --idle N (idle connections), --conns N
# (connections of the load tools), --out DIR (results; default
# $CGW_BUILD_DIR/bench), --activations-only (one sync, then the activation
# day alone: no load steps), --postgres (after the SQLite steps: reserve
# saturation and the activation day on PostgreSQL with 1 and 2 gateway
# instances, on a private PostgreSQL in the temporary directory), --profile
# (in run 1, one more closed-loop reserve step under `perf record`: a flame
# graph SVG and the top of `perf report` beside the results).
# Environment: CGW_BUILD_DIR (default build/), CGW_BENCH_NO_BUILD=1 (use the
# binaries as they are), CGW_BENCH_KEEP=1 (keep the temporary directory with
# configs and logs), CGW_BENCH_SYNC_PAGE (the gateway's sync_page_size;
# default: the gateway's own default).
#
# Everything runs on 127.0.0.1; every load step is bounded in time and count.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/bench

MODE=full RUNS=3 DUR=10 POOL=1000000 ACT=280000 IDLE=10000 CONNS=64 OUT="" ACT_ONLY=0 PG=0 PROFILE=0
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) MODE=smoke RUNS=1 DUR=2 POOL=20000 ACT=200 IDLE=200 ;;
    --runs) RUNS=$2; shift ;;
    --duration) DUR=$2; shift ;;
    --pool) POOL=$2; shift ;;
    --activations) ACT=$2; shift ;;
    --idle) IDLE=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --activations-only) ACT_ONLY=1 ;;
    --postgres) PG=1 ;;
    --profile) PROFILE=1 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

[ "$ACT_ONLY" = 1 ] && RUNS=1  # one sync, no load steps to repeat
BUILD=${CGW_BUILD_DIR:-$ROOT/build}
BIN=$BUILD/bin
OUT=${OUT:-$BUILD/bench}
SYNC_PAGE=${CGW_BENCH_SYNC_PAGE:-default}
log() { echo "bench $(date +%T): $*" >&2; }
die() { echo "bench: FAILED: $*" >&2; exit 1; }

if [ "${CGW_BENCH_NO_BUILD:-0}" != 1 ]; then
  [ -f "$BUILD/build.ninja" ] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  ninja -C "$BUILD" cgw_bench_tools >&2
fi
command -v wrk >/dev/null || die "wrk is not installed (scripts/setup.sh installs it)"
# The system python: a version manager's shim costs a second per call on a busy machine.
PY=$(command -v /usr/bin/python3 || command -v python3) || die "python3 is needed for the report"
for b in cgw-gateway cgw-sim cgw-loadgen cgw-bench-baseline cgw-idle-conns cgw-bench-activations; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing (build the cgw_bench_tools target)"
done
if [ "$PROFILE" = 1 ]; then
  command -v perf >/dev/null || die "--profile needs perf (Debian's linux-perf)"
  command -v npm >/dev/null || die "--profile needs npm (for the flamegraph package)"
  # The SVG renderer: the npm package flamegraph, pinned in tests/bench/package.json.
  [ -x "$HERE/node_modules/.bin/flamegraph" ] || (cd "$HERE" && npm ci --silent >&2) ||
    die "npm ci in tests/bench failed"
fi
PLUGIN=$BUILD/plugins/cgw_mobile.so
[ -f "$PLUGIN" ] || die "$PLUGIN is missing"

# File descriptors: the idle-connection step holds $IDLE connections, one
# descriptor each in the gateway, which inherits this shell's limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((IDLE + 1000)) ] || log "ulimit -n is $(ulimit -n): too low for $IDLE idle connections"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cgw-bench.XXXXXX")
RES=$WORK/results
mkdir -p "$RES" "$OUT"
PIDS=()
PG_STARTED=0
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  # PostgreSQL last: the gateways above may still be writing to it.
  if [ "$PG_STARTED" = 1 ]; then "$ROOT/scripts/pg_local.sh" stop "$WORK/pg" || true; fi
  if [ "${CGW_BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
T_START=$(date +%s)

# ---------------------------------------------------------------- machine
{
  echo "mode=$MODE runs=$RUNS duration_s=$DUR pool=$POOL activations=$ACT idle=$IDLE conns=$CONNS sync_page_size=$SYNC_PAGE postgres=$PG"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores=$(nproc)"
  echo "mem_gib=$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "compiler=$(c++ --version | head -1)"
  echo "wrk=$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
  if [ "$PG" = 1 ]; then
    echo "postgres=$("$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/postgres" --version)"
  fi
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$RES/machine.txt"
log "machine: $(sed -n 2p "$RES/machine.txt" | cut -d= -f2), $(nproc) cores; work dir $WORK"

# ---------------------------------------------------------------- helpers
json_get() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
wait_file() {  # wait_file FILE SECONDS
  local i
  for i in $(seq $(($2 * 10))); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}
# cpu_ms PID: the process's user + system CPU so far, in milliseconds.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
proc_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

# wrk_sat NAME PORT PATHS_FILE: saturation throughput with wrk (rotating paths).
wrk_sat() {
  CGW_BENCH_PATHS=$3 timeout $((DUR + 30)) wrk -t 2 -c "$CONNS" -d "${DUR}s" --timeout 10s \
    -H "Authorization: Bearer $API_KEY" -s "$HERE/paths.lua" "http://127.0.0.1:$2" \
    >"$RES/$1.wrk.txt" 2>&1 || die "wrk $1: $(tail -3 "$RES/$1.wrk.txt")"
  awk '/^Requests\/sec/ {print $2}' "$RES/$1.wrk.txt"
}
# loadgen NAME ARGS...: one cgw-loadgen run, JSON to $RES/NAME.json.
loadgen() {
  local name=$1
  shift
  timeout $((DUR + 60)) "$BIN/cgw-loadgen" --duration "$DUR" --threads 2 --label "$name" \
    --json-out "$RES/$name.json" "$@" >/dev/null || die "cgw-loadgen $name"
}
# profile_reserve: the gateway under the closed-loop reserve load of the
# pass-through step, sampled by perf (DWARF call graphs: the Release build
# keeps no frame pointers), folded into a flame graph.
profile_reserve() {
  log "run 1: pass-through reserve under perf record"
  local data=$WORK/perf-reserve.data stamp
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  perf record -F 199 --call-graph dwarf,32768 -p "$GW_PID" -o "$data" -- sleep "$DUR" \
    >"$WORK/perf-record.log" 2>&1 &
  local perf_pid=$!
  sleep 0.5
  loadgen "pt-gw-prof-r1" "${gw_args[@]}" --rate 0 --connections "$CONNS" \
    --numbers-file "$WORK/pt-gw-prof-r1.nums"
  wait "$perf_pid" || die "perf record: $(tail -3 "$WORK/perf-record.log")"
  perf script -i "$data" 2>/dev/null >"$WORK/perf-reserve.txt"
  "$HERE/node_modules/.bin/flamegraph" --inputtype perf --minwidth 0.5 \
    --titletext "cgw-gateway under the reserve load ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null))" \
    <"$WORK/perf-reserve.txt" >"$WORK/flame-raw.svg" || die "flamegraph"
  # The renderer writes '&&' raw into its event attributes: escaped, the
  # file is valid XML, which browsers need to show a standalone SVG.
  sed "s/'function' && /'function' \&amp;\&amp; /g" "$WORK/flame-raw.svg" >"$OUT/flame-reserve-$stamp.svg"
  "$PY" -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
    "$OUT/flame-reserve-$stamp.svg" || die "the flame graph is not valid XML"
  perf report -i "$data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
    sed -E '/^$/d; s/[[:space:]-]+$//' | sed -n '1,90p' >"$OUT/perf-reserve-$stamp.txt"
  echo "{\"svg\": \"$OUT/flame-reserve-$stamp.svg\", \"report\": \"$OUT/perf-reserve-$stamp.txt\"}" \
    >"$RES/profile.json"
  log "flame graph: $OUT/flame-reserve-$stamp.svg"
}
half() { "$PY" -c 'import sys; print(max(1, round(float(sys.argv[1]) / 2)))' "$1"; }

# ---------------------------------------------------------------- configs
API_KEY=bench-$(rand_hex 16)
API_SHA=$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)
rand_hex 32 >"$WORK/mobile.secret"
rand_hex 32 >"$WORK/pii.key"
chmod 600 "$WORK/mobile.secret" "$WORK/pii.key"

cat >"$WORK/simulators.yaml" <<EOF
threads: 2
simulators:
  - carrier: mobile
    listen: "127.0.0.1:0"
    seed: 42
    pool_size: $POOL
    app_id: bench-mobile-app
    secret: {file: mobile.secret}
    activation_delay_ms: 1000
    reservation_ttl_s: 7200
EOF

# write_gateway_config FILE [STORE_YAML [MORE_YAML]]: the SQLite store by default.
write_gateway_config() {
  cat >"$WORK/$1" <<EOF
listen: {address: 127.0.0.1, port: 0}
threads: 2
${2:-"store: {path: store/cgw.db}"}
${3:-}
log: {level: info}
limits:
  idle_timeout_ms: 3600000     # the idle-connection step holds connections for minutes
  read_timeout_ms: 15000
security: {pii_key: {file: pii.key}}
tenants:
  - id: bench
    api_keys:
      - sha256: $API_SHA
        label: bench key
    quotas: {requests_per_s: 10000000, request_burst: 10000000, kyc_per_minute: 100000000, kyc_burst: 10000000}
carriers:
  - id: mobile
    plugin: $PLUGIN
    required: true
    base_url: http://127.0.0.1:$SIM_PORT
    sync_interval_s: 86400     # one sync at start, none during the measurements
$([ "$SYNC_PAGE" = default ] || echo "    sync_page_size: $SYNC_PAGE")
    request_timeout_ms: 10000
    max_concurrency: 256
    circuit_breaker: {min_calls: 100000}
    reservation_hold_s: 7200
    activation_poll_interval_s: 300
    settings:
      app_id: bench-mobile-app
      secret: {file: mobile.secret}
      hold_minutes: 120
EOF
}

start_gateway() {  # a fresh store; waits for the first full sync
  rm -rf "$WORK/store" "$WORK/gw.port"
  mkdir -p "$WORK/store"
  "$BIN/cgw-gateway" --config "$WORK/gateway.yaml" --port-file "$WORK/gw.port" \
    >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  wait_file "$WORK/gw.port" 60 || die "cgw-gateway did not start: $(tail -5 "$WORK/gateway.log")"
  GW_PORT=$(json_get "$WORK/gw.port" port)
  local i line=""
  for i in $(seq 6000); do  # at most 600 s
    line=$(grep -o 'sync carrier=mobile done numbers=[0-9]* seconds=[0-9.]*' "$WORK/gateway.log" | head -1 || true)
    [ -n "$line" ] && break
    kill -0 "$GW_PID" 2>/dev/null || die "cgw-gateway exited: $(tail -5 "$WORK/gateway.log")"
    sleep 0.1
  done
  [ -n "$line" ] || die "the first sync did not finish in 600 s"
  SYNC_N=$(sed 's/.*numbers=\([0-9]*\).*/\1/' <<<"$line")
  SYNC_S=$(sed 's/.*seconds=//' <<<"$line")
}

# ---------------------------------------------------------------- simulator
log "starting cgw-sim (pool of $POOL numbers)"
"$BIN/cgw-sim" --config "$WORK/simulators.yaml" --ports-file "$WORK/sim.ports" \
  >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
PIDS+=("$SIM_PID")
wait_file "$WORK/sim.ports" 120 || die "cgw-sim did not start: $(tail -5 "$WORK/sim.log")"
SIM_PORT=$(json_get "$WORK/sim.ports" mobile)
write_gateway_config gateway.yaml

# ---------------------------------------------------------------- sync
for r in $(seq "$RUNS"); do
  [ "$r" -gt 1 ] && stop_pid "$GW_PID"
  start_gateway
  "$PY" - "$WORK/gw.port" "$SYNC_N" "$SYNC_S" "$POOL" >"$RES/sync-r$r.json" <<'PY'
import json, sys
n, s = int(sys.argv[2]), float(sys.argv[3])
print(json.dumps({"numbers": n, "seconds": s, "rows_per_s": n / s if s > 0 else 0,
                  "pool": int(sys.argv[4])}))
PY
  log "sync run $r: $SYNC_N numbers in $SYNC_S s"
done
[ "$SYNC_N" -eq "$POOL" ] || die "synced $SYNC_N numbers, the pool has $POOL"
curl -sf -H "Authorization: Bearer $API_KEY" "http://127.0.0.1:$GW_PORT/v1/carriers" \
  >"$RES/carriers.json" || die "GET /v1/carriers"

# Numbers to reserve: available ones from the store, shuffled (fixed seed),
# split into disjoint lists: the activation day, and one list per
# pass-through step (the gateway and the simulator must never see one
# number twice). With --postgres, also the PostgreSQL steps' lists: two
# activation days (1 and 2 instances) and three reserve lists per run (one
# instance; each of two instances), which the SQLite steps never touch, so
# they are still available at the carrier when the PostgreSQL store syncs.
"$PY" - "$WORK/store/cgw.db" "$WORK" "$ACT" "$RUNS" "$PG" <<'PY'
import random, sqlite3, sys
db, work, act, runs, pg = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
nums = [r[0] for r in con.execute(
    "SELECT msisdn FROM numbers WHERE carrier='mobile' AND carrier_status='available' AND local_hold=0")]
random.Random(7).shuffle(nums)
days = ["act"] + (["pg-act-i1", "pg-act-i2"] if pg else [])
steps = ["pt-gw-sat", "pt-gw-half", "pt-direct-sat", "pt-direct-half", "pt-gw-prof"]
steps += ["pg-sat-i1", "pg-sat-i2a", "pg-sat-i2b"] if pg else []
if len(nums) < len(days) * act + len(steps) * runs * 100:
    sys.exit(f"only {len(nums)} numbers available")
for i, day in enumerate(days):
    open(f"{work}/{day}.nums", "w").write("\n".join(nums[i * act:(i + 1) * act]) + "\n")
rest = nums[len(days) * act:]
each = min(100000, len(rest) // (len(steps) * runs))
k = 0
for r in range(1, runs + 1):
    for step in steps:
        open(f"{work}/{step}-r{r}.nums", "w").write("\n".join(rest[k:k + each]) + "\n")
        k += each
PY

# Search paths: 4-digit suffixes, 4-digit "contains", vanity tags.
"$PY" - "$WORK" <<'PY'
import random, sys
rnd = random.Random(11)
q = "/v1/numbers?carrier=mobile&limit=20&"
w = sys.argv[1]
open(f"{w}/suffix.paths", "w").write("".join(f"{q}suffix={rnd.randrange(10000):04d}\n" for _ in range(500)))
open(f"{w}/contains.paths", "w").write("".join(f"{q}contains={rnd.randrange(10000):04d}\n" for _ in range(500)))
tags = ["AAAA", "AAA", "ABCD", "DCBA", "AABB", "ABAB", "palindrome", "lucky8", "lucky6", "no4", "ABCABC"]
lines = [f"{q}tags={t}\n" for t in tags] + [f"{q}tags={a},{b}\n" for a in tags for b in tags if a < b]
open(f"{w}/tags.paths", "w").write("".join(lines))
PY
echo "/" >"$WORK/root.paths"
# Only the tags this gateway knows (the list grows with the vanity grades).
: >"$WORK/tags.known"
while read -r p; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $API_KEY" \
    "http://127.0.0.1:$GW_PORT$p")
  [ "$code" = 200 ] && echo "$p" >>"$WORK/tags.known"
done < <(grep -v , "$WORK/tags.paths")
grep -q . "$WORK/tags.known" || die "the gateway knows none of the vanity tags"
known=$(sed 's/.*tags=//' "$WORK/tags.known" | tr '\n' ' ')
grep , "$WORK/tags.paths" | while read -r p; do
  pair=${p##*tags=}
  case " $known " in *" ${pair%,*} "*) case " $known " in *" ${pair#*,} "*) echo "$p" ;; esac ;; esac
done >>"$WORK/tags.known"
mv "$WORK/tags.known" "$WORK/tags.paths"
log "search paths: $(wc -l <"$WORK/tags.paths") tag queries over: $known"

# ---------------------------------------------------------------- load steps
"$BIN/cgw-bench-baseline" --threads 2 --port-file "$WORK/baseline.port" >"$WORK/baseline.log" 2>&1 &
BASE_PID=$!
PIDS+=("$BASE_PID")
wait_file "$WORK/baseline.port" 20 || die "cgw-bench-baseline did not start"
BASE_PORT=$(cat "$WORK/baseline.port")
AUTH="Authorization: Bearer $API_KEY"

LOAD_RUNS=$RUNS
[ "$ACT_ONLY" = 1 ] && LOAD_RUNS=0
for r in $(seq "$LOAD_RUNS"); do
  log "run $r/$RUNS: baseline"
  sat=$(wrk_sat "baseline-sat-r$r" "$BASE_PORT" "$WORK/root.paths")
  loadgen "baseline-half-r$r" --port "$BASE_PORT" --rate "$(half "$sat")" --connections "$CONNS" \
    --path / --header "$AUTH"

  for kind in suffix contains tags; do
    log "run $r/$RUNS: search $kind"
    sat=$(wrk_sat "search-$kind-sat-r$r" "$GW_PORT" "$WORK/$kind.paths")
    loadgen "search-$kind-half-r$r" --port "$GW_PORT" --rate "$(half "$sat")" \
      --connections "$CONNS" --paths-file "$WORK/$kind.paths" --header "$AUTH"
  done

  log "run $r/$RUNS: pass-through reserve"
  gw_args=(--port "$GW_PORT" --method POST --path /v1/reservations --header "$AUTH"
    --header "Idempotency-Key: bench-r$r-{n}-{num}" --body '{"carrier":"mobile","msisdn":"{num}"}')
  sim_args=(--port "$SIM_PORT" --method POST --path /open/v1/numbers/lock
    --sign-mobile "bench-mobile-app:$WORK/mobile.secret" --must-contain '"code":"0"'
    --body '{"number":"{num}","holdMinutes":120,"partnerLockId":"bench-r'"$r"'-{num}"}')
  loadgen "pt-direct-sat-r$r" "${sim_args[@]}" --rate 0 --connections "$CONNS" \
    --numbers-file "$WORK/pt-direct-sat-r$r.nums"
  cpu0=$(cpu_ms "$GW_PID")
  loadgen "pt-gw-sat-r$r" "${gw_args[@]}" --rate 0 --connections "$CONNS" \
    --numbers-file "$WORK/pt-gw-sat-r$r.nums"
  echo "{\"cpu_ms\": $(($(cpu_ms "$GW_PID") - cpu0))}" >"$RES/pt-gw-cpu-r$r.json"
  # Latency at one fixed rate for both: half the gateway's saturation rate.
  rate=$(half "$(json_get "$RES/pt-gw-sat-r$r.json" achieved_rps)")
  loadgen "pt-direct-half-r$r" "${sim_args[@]}" --rate "$rate" --connections "$CONNS" \
    --numbers-file "$WORK/pt-direct-half-r$r.nums"
  loadgen "pt-gw-half-r$r" "${gw_args[@]}" --rate "$rate" --connections "$CONNS" \
    --numbers-file "$WORK/pt-gw-half-r$r.nums"
  if [ "$PROFILE" = 1 ] && [ "$r" = 1 ]; then profile_reserve; fi

  log "run $r/$RUNS: $IDLE idle connections"
  # The same fixed-rate search load without, then with the idle connections.
  idle_rate=$(half "$(awk '/^Requests\/sec/ {print $2}' "$RES/search-suffix-sat-r$r.wrk.txt")")
  rss0=$(proc_kb "$GW_PID" VmRSS)
  loadgen "idle-without-r$r" --port "$GW_PORT" --rate "$idle_rate" --connections "$CONNS" \
    --paths-file "$WORK/suffix.paths" --header "$AUTH"
  rm -f "$WORK/idle.ready" "$WORK/idle.stop"
  timeout $((DUR + 300)) "$BIN/cgw-idle-conns" --port "$GW_PORT" --connections "$IDLE" \
    --hold $((DUR + 120)) --path /healthz --json-out "$RES/idle-conns-r$r.json" \
    --ready-file "$WORK/idle.ready" --stop-file "$WORK/idle.stop" >/dev/null 2>"$WORK/idle.log" &
  IDLE_PID=$!
  PIDS+=("$IDLE_PID")
  wait_file "$WORK/idle.ready" 150 || die "cgw-idle-conns: $(cat "$WORK/idle.log")"
  sleep 1
  rss1=$(proc_kb "$GW_PID" VmRSS)
  loadgen "idle-with-r$r" --port "$GW_PORT" --rate "$idle_rate" --connections "$CONNS" \
    --paths-file "$WORK/suffix.paths" --header "$AUTH"
  rss2=$(proc_kb "$GW_PID" VmRSS)
  hwm=$(proc_kb "$GW_PID" VmHWM)
  fds=$(ls "/proc/$GW_PID/fd" | wc -l)
  touch "$WORK/idle.stop"
  wait "$IDLE_PID" || die "cgw-idle-conns failed: $(cat "$WORK/idle.log")"
  forget_pid "$IDLE_PID"
  echo "{\"rss_before_kb\": $rss0, \"rss_held_kb\": $rss1, \"rss_held_loaded_kb\": $rss2, \"vm_hwm_kb\": $hwm, \"gateway_fds\": $fds}" \
    >"$RES/idle-rss-r$r.json"
  sleep 1
done

stop_pid "$BASE_PID"

# ---------------------------------------------------------------- activations
log "activation day: $ACT activations"
act_timeout=$((ACT / 50 + 120 > 3600 ? 3600 : ACT / 50 + 120))
# activation_day NAME STORE_OPTION STORE NUMBERS PORTS GATEWAY_PIDS
activation_day() {
  timeout $((act_timeout + 120)) "$BIN/cgw-bench-activations" --port "$5" --key "$API_KEY" \
    "$2" "$3" --numbers-file "$4" --count "$ACT" --workers "$CONNS" --run "$1" \
    --timeout "$act_timeout" --gateway-pid "$6" --sim-pid "$SIM_PID" \
    --json-out "$RES/$1-r1.json" >/dev/null || die "cgw-bench-activations $1"
}
activation_day activations --store "$WORK/store/cgw.db" "$WORK/act.nums" "$GW_PORT" "$GW_PID"

stop_pid "$GW_PID"
# ---------------------------------------------------------------- PostgreSQL
if [ "$PG" = 1 ]; then . "$HERE/postgres_steps.sh"; fi

# ---------------------------------------------------------------- report
stop_pid "$SIM_PID"
echo "$(( $(date +%s) - T_START ))" >"$RES/elapsed_s.txt"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
"$PY" "$HERE/report.py" "$RES" --mode "$MODE" --json-out "$OUT/bench-$MODE-$STAMP.json" \
  --md-out "$OUT/bench-$MODE-$STAMP.md" $([ "$MODE" = smoke ] && echo --check)
log "results: $OUT/bench-$MODE-$STAMP.md and .json ($(cat "$RES/elapsed_s.txt") s)"
