#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd "${CGW_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 300 -j "${CGW_TEST_JOBS:-2}"
