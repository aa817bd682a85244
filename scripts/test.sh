#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test; then
# the same suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# with a short libFuzzer run of each fuzz target (scripts/test_sanitized.sh,
# a clang build in build-san/). CGW_SKIP_SANITIZED=1 skips that second stage.
# CGW_TSAN=1 adds a third: the suite under ThreadSanitizer
# (scripts/test_tsan.sh, build-tsan/). It is not in CI: with it CI would not
# fit its 35 minutes on 2 cores (docs/security.md, "ThreadSanitizer").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# The seeded-driver fuzz runs (label fuzz-driver) only when the second stage
# is skipped: it runs the same targets from the same corpus under libFuzzer.
skip=()
if [ "${CGW_SKIP_SANITIZED:-0}" != 1 ]; then skip=(-LE fuzz-driver); fi
(cd "${CGW_BUILD_DIR:-build}" &&
  ctest --output-on-failure --timeout 300 -j "${CGW_TEST_JOBS:-2}" "${skip[@]}")
# The .debs of cgw-sim and cgw-gateway: built, installed, smoke-tested, removed.
scripts/test_packages.sh
if [ "${CGW_SKIP_SANITIZED:-0}" != 1 ]; then
  scripts/test_sanitized.sh
fi
if [ "${CGW_TSAN:-0}" = 1 ]; then
  scripts/test_tsan.sh
fi
