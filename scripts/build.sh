#!/usr/bin/env bash
# Configures and builds cgw (Release by default) into build/.
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${CGW_BUILD_DIR:-build}
JOBS=${CGW_JOBS:-$(nproc)}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${CGW_BUILD_TYPE:-Release}" "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
