#!/usr/bin/env bash
# Installs the SDK from the build tree into a temporary prefix, builds a
# plugin out of tree with find_package(cgw_sdk), and checks that the module
# exports the entry point.
set -euo pipefail
BUILD_DIR=$1
SOURCE_DIR=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" >/dev/null
test -f "$WORK/prefix/include/cgw/abi.h"
cmake -S "$SOURCE_DIR/tests/sdk_consumer" -B "$WORK/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/build" >/dev/null
if ! nm -D --defined-only "$WORK/build/consumer_plugin.so" | awk '{print $3}' | grep -qx cgw_plugin_entry_v1; then
  echo "consumer_plugin.so does not export cgw_plugin_entry_v1" >&2
  exit 1
fi
echo "1 passed, 0 failed"
