#!/usr/bin/env bash
# The long crash test (docs/reliability.md): thousands of activations while
# the gateway is SIGKILLed at random moments, then the vacuity check, then
# a chaos run. Builds first. Options after the script name are passed to
# the crash run, e.g.:  tests/reliability/crash_test.sh --orders 10000 --kills 120
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build.sh >/dev/null
BIN=${CGW_BUILD_DIR:-build}/bin/cgw-reliability
SEED=${CGW_SEED:-$(date +%s)}
echo "== crash run (seed $SEED)"
"$BIN" crash --orders 5000 --kills 60 --min-gap-ms 200 --max-gap-ms 2000 --workers 16 \
  --recovery-s 300 --seed "$SEED" "$@"
echo "== vacuity: the same checker against a store that loses writes"
"$BIN" crash --orders 1000 --kills 10 --min-gap-ms 100 --max-gap-ms 800 --seed "$SEED" --sabotage
echo "== chaos run"
"$BIN" chaos --orders 2000 --workers 16 --seed "$SEED"
echo "crash test: all runs passed"
