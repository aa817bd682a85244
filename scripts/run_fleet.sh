#!/usr/bin/env bash
# `scripts/run.sh --fleet N`: the demo as a fleet, for trying scale-out on
# one machine (docs/reliability.md "PostgreSQL"). A private PostgreSQL in var/pg
# (scripts/pg_local.sh: Unix socket only, no system service), the
# simulators, and N gateway instances on ports 8080 .. 8080+N-1, each
# configured as config/gateway.yaml but for the store (PostgreSQL) and the
# port. Ctrl-C or SIGTERM stops everything, PostgreSQL last.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:?usage: scripts/run_fleet.sh N}
BASE_PORT=8080
# Seconds before an instance that exited is started again.
RESTART_S=${CGW_FLEET_RESTART_S:-10}

scripts/setup.sh
scripts/build.sh

mkdir -p var/fleet
if [ ! -s var/pii.key ]; then
  # One key for the fleet: every instance opens what another sealed.
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/pii.key
  chmod 600 var/pii.key
  echo "run: created var/pii.key"
fi

PIDS=()
PG_STARTED=0
stop() {
  trap - INT TERM EXIT
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$PG_STARTED" = 1 ] && scripts/pg_local.sh stop var/pg || true
  echo "run: stopped"
}
trap stop INT TERM EXIT

scripts/pg_local.sh start var/pg
PG_STARTED=1
DSN=$(scripts/pg_local.sh dsn var/pg)
echo "$DSN" > var/fleet/pg.dsn
# The simulators start afresh on every run, so the store does too.
# CGW_KEEP_STORE=1 keeps it across runs.
if [ "${CGW_KEEP_STORE:-0}" != 1 ]; then
  psql "$DSN" -qc 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public' >/dev/null
  echo "run: PostgreSQL store emptied (CGW_KEEP_STORE=1 keeps it)"
fi

# Instance i: config/gateway.yaml with its port and the shared PostgreSQL.
# The copies live in var/fleet/, so the paths relative to config/ are
# rewritten relative to there.
write_config() {
  local i=$1
  sed -e "s|^  port: 8080|  port: $((BASE_PORT + i))|" \
    -e 's|^  kind: sqlite .*|  kind: postgres|' \
    -e 's|^  path: \.\./var/cgw\.db.*|  dsn: {file: pg.dsn}|' \
    -e 's|\.\./var/|../|g' \
    -e 's|\.\./build/|../../build/|g' \
    -e 's|{file: secrets/|{file: ../../config/secrets/|g' \
    config/gateway.yaml > "var/fleet/gateway$i.yaml"
  # Each instance appends to an audit log of its own.
  printf '\naudit: {path: audit%d.log}\n' "$i" >> "var/fleet/gateway$i.yaml"
}

rm -f var/sim.ports
build/bin/cgw-sim --config config/simulators.yaml --ports-file var/sim.ports &
SIM_PID=$!
PIDS+=($!)
for _ in $(seq 100); do [ -s var/sim.ports ] && break; sleep 0.1; done
[ -s var/sim.ports ] || { echo "run: cgw-sim did not start" >&2; exit 1; }

# Instance i's process; GW[i] is its pid (also in PIDS, for stop()).
GW=()
start_instance() {
  local i=$1
  rm -f "var/fleet/gateway$i.port"
  build/bin/cgw-gateway --config "var/fleet/gateway$i.yaml" --port-file "var/fleet/gateway$i.port" \
    >> "var/fleet/gateway$i.log" 2>&1 &
  GW[i]=$!
  PIDS+=($!)
  for _ in $(seq 300); do [ -s "var/fleet/gateway$i.port" ] && return 0; sleep 0.1; done
  echo "run: gateway instance $i did not start (var/fleet/gateway$i.log)" >&2
  tail -5 "var/fleet/gateway$i.log" >&2
  return 1
}
for ((i = 0; i < N; i++)); do
  write_config "$i"
  : > "var/fleet/gateway$i.log"
  start_instance "$i" || exit 1
done

echo
echo "  cgw is running as a fleet of $N instances on one PostgreSQL (var/pg)."
for ((i = 0; i < N; i++)); do
  echo "    instance $i:  http://127.0.0.1:$((BASE_PORT + i))   log var/fleet/gateway$i.log"
done
cat <<MSG
    API key:     cgw-demo-key   (demo only)
    PostgreSQL:  psql '$DSN'
    try:         curl -s -H 'Authorization: Bearer cgw-demo-key' 'http://127.0.0.1:$((BASE_PORT + N - 1))/v1/numbers?carrier=mobile&suffix=8&limit=5'

  Any instance serves any request; the README walkthrough works through each.
  Kill one (kill -9 <pid>, pids: ${GW[*]}): the others take over its work
  within about 6 s (docs/scale-out.md), and this script starts it again
  after ${RESTART_S} s under a new instance id. Ctrl-C stops everything.

MSG
# Like a service manager: an instance that exits is reported and started
# again after RESTART_S seconds (longer than the lease ttl, so the takeover
# by the others shows first); the simulators exiting stop everything.
while kill -0 "$SIM_PID" 2>/dev/null; do
  wait -n "$SIM_PID" "${GW[@]}" 2>/dev/null || true
  kill -0 "$SIM_PID" 2>/dev/null || break
  for ((i = 0; i < N; i++)); do
    kill -0 "${GW[i]}" 2>/dev/null && continue
    echo "run: instance $i (pid ${GW[i]}) exited; the others carry on; starting it again in ${RESTART_S} s"
    sleep "$RESTART_S"
    start_instance "$i" && echo "run: instance $i started again (pid ${GW[i]})"
  done
done
