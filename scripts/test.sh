#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test; then
# the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# with a short libFuzzer run of each fuzz target (scripts/test_sanitized.sh,
# a clang build in build-san/). CGW_SKIP_SANITIZED=1 skips that second stage.
# CGW_TSAN=1 adds a third: the suite under ThreadSanitizer
# (scripts/test_tsan.sh, build-tsan/). It is not in CI: with it CI would not
# fit its 35 minutes on 2 cores (docs/security.md, "ThreadSanitizer").
#
# With the sanitizer stage (the default, and CI), work is not done twice:
# - the in-process unit tests are built and run only there, under the
#   sanitizers (CGW_UNIT_TESTS=OFF in build/); the first stage runs what
#   the second does not (the plugin unit tests, the API contract, the load
#   runs, the packages) and every end-to-end test on the g++ Release
#   binaries that ship;
# - the sanitized build runs at the lowest CPU priority while the first
#   stage's tests run: those mostly wait on sockets and timers, so the
#   build takes the idle CPU and the tests keep theirs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
sanitized=1
if [ "${CGW_SKIP_SANITIZED:-0}" = 1 ]; then sanitized=0; fi
if [ $sanitized = 1 ]; then
  scripts/build.sh -DCGW_UNIT_TESTS=OFF
else
  scripts/build.sh -DCGW_UNIT_TESTS=ON
fi

san_pid=""
san_log="${CGW_SAN_BUILD_DIR:-build-san}.build.log"
stop_san_build() {
  if [ -n "$san_pid" ]; then kill -- "-$san_pid" 2>/dev/null || true; fi
}
if [ $sanitized = 1 ]; then
  echo "test.sh: building the sanitized tree in the background (log: $san_log)"
  # Its own session (setsid), so that a failure here stops all of it.
  setsid nice -n 19 scripts/test_sanitized.sh --build-only >"$san_log" 2>&1 &
  san_pid=$!
  trap stop_san_build EXIT
fi

# The seeded-driver fuzz runs (label fuzz-driver) only when the second stage
# is skipped: it runs the same targets from the same corpus under libFuzzer.
skip=()
if [ $sanitized = 1 ]; then skip=(-LE fuzz-driver); fi
(cd "${CGW_BUILD_DIR:-build}" &&
  ctest --output-on-failure --timeout 300 -j "${CGW_TEST_JOBS:-2}" "${skip[@]}")
# The .debs of cgw-sim and cgw-gateway: built, installed, smoke-tested, removed.
scripts/test_packages.sh

if [ $sanitized = 1 ]; then
  if ! wait "$san_pid"; then
    san_pid=""
    echo "test.sh: the sanitized build failed; the end of its log ($san_log):" >&2
    grep -E "error|FAILED" "$san_log" | head -40 >&2 || true
    tail -n 40 "$san_log" >&2
    exit 1
  fi
  san_pid=""
  echo "test.sh: sanitized build done ($(grep -c '^\[' "$san_log") steps)"
  scripts/test_sanitized.sh
fi
if [ "${CGW_TSAN:-0}" = 1 ]; then
  scripts/test_tsan.sh
fi
