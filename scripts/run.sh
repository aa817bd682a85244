#!/usr/bin/env bash
# Runs the demo: the simulators (config/simulators.yaml) and the gateway
# (config/gateway.yaml, store under var/) in the foreground.
# Ctrl-C or SIGTERM stops both.
#
#   scripts/run.sh              one gateway on SQLite (var/cgw.db), port 8080
#   scripts/run.sh --fleet N    a local PostgreSQL in var/pg (scripts/pg_local.sh)
#                               and N gateway instances (1-8) on it, on ports
#                               8080 .. 8080+N-1, configured as config/gateway.yaml
#                               but for the store (docs/reliability.md "PostgreSQL")
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

FLEET=0
case "${1:-}" in
  "") ;;
  --fleet)
    FLEET=${2:-}
    if ! [[ "$FLEET" =~ ^[1-8]$ ]]; then
      echo "run: --fleet takes the number of gateway instances, 1 to 8" >&2
      exit 2
    fi
    ;;
  *)
    echo "usage: $0 [--fleet N]" >&2
    exit 2
    ;;
esac
if [ "$FLEET" -gt 0 ]; then
  exec scripts/run_fleet.sh "$FLEET"
fi

scripts/setup.sh
scripts/build.sh

mkdir -p var
if [ ! -s var/pii.key ]; then
  # A fresh random key encrypts ID numbers and names at rest in var/cgw.db.
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/pii.key
  chmod 600 var/pii.key
  echo "run: created var/pii.key"
fi

# The simulators keep their state in memory and start afresh on every run,
# so the demo store starts afresh too (the previous one is kept as
# var/cgw.db.prev). CGW_KEEP_STORE=1 keeps the store across runs.
if [ "${CGW_KEEP_STORE:-0}" != 1 ] && [ -e var/cgw.db ]; then
  for f in cgw.db cgw.db-wal cgw.db-shm audit.log; do
    [ -e "var/$f" ] && mv -f "var/$f" "var/$f.prev"
  done
  echo "run: previous demo store moved to var/cgw.db.prev (CGW_KEEP_STORE=1 keeps it)"
fi

SIM_PID=""
GW_PID=""
stop() {
  trap - INT TERM EXIT
  [ -n "$GW_PID" ] && kill -TERM "$GW_PID" 2>/dev/null || true
  [ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "run: stopped"
}
trap stop INT TERM EXIT

rm -f var/sim.ports var/gateway.port
build/bin/cgw-sim --config config/simulators.yaml --ports-file var/sim.ports &
SIM_PID=$!
for _ in $(seq 100); do [ -s var/sim.ports ] && break; sleep 0.1; done
[ -s var/sim.ports ] || { echo "run: cgw-sim did not start" >&2; exit 1; }

build/bin/cgw-gateway --config config/gateway.yaml --port-file var/gateway.port &
GW_PID=$!
for _ in $(seq 100); do [ -s var/gateway.port ] && break; sleep 0.1; done
[ -s var/gateway.port ] || { echo "run: cgw-gateway did not start" >&2; exit 1; }

cat <<MSG

  cgw is running.
    base URL:  http://127.0.0.1:8080
    API key:   cgw-demo-key   (demo only)
    try:       curl -s -H 'Authorization: Bearer cgw-demo-key' 'http://127.0.0.1:8080/v1/numbers?carrier=mobile&suffix=8&limit=5'

  The README has the full walkthrough. Ctrl-C stops everything.

MSG
# Wait until either process exits; then stop the other.
wait -n "$SIM_PID" "$GW_PID" || true
