#!/usr/bin/env bash
# The sanitizer stage of the test command (docs/security.md, "Sanitizers"):
# builds the whole tree with clang, AddressSanitizer + UndefinedBehaviorSanitizer
# and libFuzzer instrumentation into build-san/, then runs every test under
# it. The fuzz_* tests are then libFuzzer runs: each target for at most
# CGW_FUZZ_SECONDS seconds (default 10) from its checked-in corpus.
# scripts/test.sh runs this after the normal suite; CGW_SKIP_SANITIZED=1
# skips it there. `--build-only` builds and runs nothing (scripts/test.sh
# builds while its first stage's tests run).
set -euo pipefail
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; fi
cd "$(dirname "$0")/.."
BUILD_DIR=${CGW_SAN_BUILD_DIR:-build-san}
JOBS=${CGW_JOBS:-$(nproc)}
# -O0: sanitized code compiles about three times faster than at -O1 (the
# coroutine-heavy HTTP code most of all), and keeps this stage near 12
# minutes on 2 cores. Line tables only, so that reports name files and
# lines without full debug info. lld links about four times faster than
# ld.bfd.
FLAGS="-O0 -gline-tables-only"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$FLAGS" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$FLAGS" \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=lld \
    -DCGW_SANITIZE=ON -DCGW_FUZZ=ON -DCGW_FUZZ_SECONDS="${CGW_FUZZ_SECONDS:-10}" -DCGW_BENCH=OFF
else
  # An existing build folder follows the options of this script too.
  cmake "$BUILD_DIR" -DCGW_BENCH=OFF ${CGW_FUZZ_SECONDS:+-DCGW_FUZZ_SECONDS="$CGW_FUZZ_SECONDS"} \
    >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
if [ $build_only = 1 ]; then exit 0; fi

# Any finding stops the process that made it, so its test fails. Leak
# checking is on (the default on Linux). The symbolizer turns addresses in
# reports into functions, files and lines.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi
cd "$BUILD_DIR"
# Without the api-contract tests (tests/contract, not built here): the
# OpenAPI lint does not depend on the build, and the Prism contract test ran
# in the first stage.
# Without same-in-every-build (the out-of-tree SDK build, compiled by the
# system compiler): it would repeat stage 1. The benchmark tools are not
# built here (CGW_BENCH=OFF): a benchmark under ASan measures ASan. Without
# the load runs (label load-run: cgw-reliability's crash, chaos and fleet
# runs): their ledger checks ran in the first stage, and the recovery code
# they drive runs here in the e2e crash tests.
ctest --output-on-failure --timeout 600 -j "${CGW_TEST_JOBS:-2}" \
  -LE 'api-contract|same-in-every-build|load-run'
