#!/usr/bin/env bash
# A long libFuzzer run of each fuzz target (docs/security.md, "Fuzzing"), two
# at a time, in the sanitized clang build that scripts/test_sanitized.sh
# makes. Each target starts from its checked-in corpus; what it adds goes to
# <build>/fuzz/long/<target>/, a finding to <build>/fuzz/long/<target>-crash-*.
# Prints one line of figures per target at the end.
#
#   tests/fuzz/long_run.sh [seconds per target, default 300] [target...]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-300}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(api plugins xml_signing config id_number)
BUILD_DIR=${CGW_SAN_BUILD_DIR:-build-san}
SEED=${CGW_FUZZ_SEED:-20261130}
[ -x "$BUILD_DIR/fuzz/fuzz_${TARGETS[0]}" ] || {
  echo "no $BUILD_DIR/fuzz/fuzz_${TARGETS[0]}: run scripts/test_sanitized.sh first" >&2
  exit 2
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
OUT=$BUILD_DIR/fuzz/long
mkdir -p "$OUT"

run() {
  local t=$1
  mkdir -p "$OUT/$t"
  "$BUILD_DIR/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -seed="$SEED" -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$OUT/$t-" "$OUT/$t" "tests/fuzz/corpus/$t" \
    >"$OUT/$t.log" 2>&1 || true
}

for ((i = 0; i < ${#TARGETS[@]}; i += 2)); do
  run "${TARGETS[i]}" &
  if [ $((i + 1)) -lt ${#TARGETS[@]} ]; then run "${TARGETS[i + 1]}" & fi
  wait
done

printf '%-12s %12s %8s %8s %8s %8s %s\n' target executions exec/s cov ft corpus crashes
for t in "${TARGETS[@]}"; do
  log=$OUT/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  crashes=$(find "$OUT" -maxdepth 1 -name "$t-*" | wc -l)
  printf '%-12s %12s %8s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$crashes"
done
