#!/usr/bin/env bash
# One carrier's conformance run (ctest conformance_<carrier>): starts the real
# cgw-sim with that carrier alone on an ephemeral port, runs cgw-conformance
# on the carrier's plugin with its demo settings, stops the simulator, and
# exits with cgw-conformance's code. With an <expected lines> file, the run
# must also print each of its lines (e.g. "N/A kyc.id_not_found").
#
#   run_conformance.sh <cgw-conformance> <cgw-sim> <conformance_fixture> <plugin.so> <carrier> <config dir> [<expected lines>]
set -euo pipefail
if [[ $# -ne 6 && $# -ne 7 ]]; then
  echo "usage: $0 <cgw-conformance> <cgw-sim> <conformance_fixture> <plugin.so> <carrier> <config dir> [<expected lines>]" >&2
  exit 2
fi
CONFORMANCE=$1 SIM=$2 FIXTURE=$3 PLUGIN=$4 CARRIER=$5 CONFIG_DIR=$6 EXPECTED=${7:-}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cgw_conformance_${CARRIER}.XXXXXX")
SIM_PID=
# shellcheck disable=SC2317  # called from the EXIT trap
stop_sim() {
  [[ -n $SIM_PID ]] || return 0
  kill -TERM "$SIM_PID" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SIM_PID" 2>/dev/null || true
  wait "$SIM_PID" 2>/dev/null || true
  SIM_PID=
}
trap 'stop_sim; rm -rf "$WORK"' EXIT
trap 'exit 143' TERM INT

# The carrier's entry of config/simulators.yaml (port 0, small pool, short
# activation delay) and its settings block of config/gateway.yaml.
"$FIXTURE" "$CARRIER" "$CONFIG_DIR" "$WORK"

"$SIM" --config "$WORK/simulators.yaml" --ports-file "$WORK/sim.ports" --log-level warn \
  >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 150); do
  [[ -s $WORK/sim.ports ]] && break
  if ! kill -0 "$SIM_PID" 2>/dev/null; then
    echo "cgw-sim exited before listening:" >&2
    cat "$WORK/sim.log" >&2
    exit 1
  fi
  sleep 0.1
done
PORT=$(sed -n "s/.*\"$CARRIER\": *\([0-9][0-9]*\).*/\1/p" "$WORK/sim.ports")
if [[ -z $PORT ]]; then
  echo "cgw-sim wrote no port for $CARRIER within 15 s:" >&2
  cat "$WORK/sim.log" >&2
  exit 1
fi
URL="http://127.0.0.1:$PORT"

set +e
"$CONFORMANCE" --plugin "$PLUGIN" --settings "$WORK/settings.yaml" --base-url "$URL" \
  --sim-admin "$URL" | tee "$WORK/report.txt"
RC=${PIPESTATUS[0]}
set -e
if [[ -n $EXPECTED ]]; then
  while IFS= read -r want; do
    [[ -z $want || $want == \#* ]] && continue
    if ! grep -qF -- "$want" "$WORK/report.txt"; then
      echo "FAIL the report lacks the line: $want" >&2
      RC=1
    fi
  done <"$EXPECTED"
fi
if [[ $RC -ne 0 ]]; then
  echo "--- cgw-sim log ---"
  cat "$WORK/sim.log"
fi
exit "$RC"
