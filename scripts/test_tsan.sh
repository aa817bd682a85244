#!/usr/bin/env bash
# The ThreadSanitizer stage of the test command (docs/security.md,
# "Sanitizers"): builds the whole tree with clang and -fsanitize=thread into
# build-tsan/, then runs every test under it: the gateway, the simulators,
# the plugins they load and the test programs are all instrumented, so a data
# race or a lock-order inversion in any of them stops that process and fails
# its test. No libFuzzer targets: the fuzz_* targets are single-threaded and
# their runs belong to the ASan stage (scripts/test_sanitized.sh).
# Not part of CI, which would then exceed its 35 minutes on 2 cores
# (docs/security.md, "ThreadSanitizer"): run it by hand, or as a third stage
# with `CGW_TSAN=1 scripts/test.sh`. Arguments go to ctest (e.g. -R e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${CGW_TSAN_BUILD_DIR:-build-tsan}
JOBS=${CGW_JOBS:-$(nproc)}
# -O0, as in the ASan stage: the coroutine-heavy code compiles about three
# times faster than at -O1. Line tables are enough for TSan to name files
# and lines in both stacks. CGW_TSAN_FLAGS overrides (a new build dir).
FLAGS=${CGW_TSAN_FLAGS:-"-O0 -gline-tables-only"}
start=$SECONDS
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="$FLAGS" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$FLAGS" \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_SHARED_LINKER_FLAGS=-fuse-ld=lld \
    -DCMAKE_MODULE_LINKER_FLAGS=-fuse-ld=lld \
    -DCGW_SANITIZE=thread -DCGW_BENCH=OFF
else
  cmake "$BUILD_DIR" -DCGW_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
echo "tsan: build took $((SECONDS - start)) s"

# halt_on_error: the first report stops the process, so its test fails (a
# race in a child cgw-gateway or cgw-sim makes it exit 66, which the test
# sees). second_deadlock_stack: lock-order reports show where both locks
# were taken. The suppressions cover third-party code only; each entry says
# why. Child processes inherit TSAN_OPTIONS.
export TSAN_OPTIONS=${TSAN_OPTIONS:-"halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/tests/sanitizers/tsan.supp"}
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export TSAN_OPTIONS="$TSAN_OPTIONS:external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer"
fi
cd "$BUILD_DIR"
start=$SECONDS
# Without the api-contract tests (tests/contract): the OpenAPI lint does not
# depend on the build, and the Prism contract test ran in the first stage.
# Without the perf label (bench_smoke, a benchmark): its saturating loads on
# instrumented processes measure TSan, not cgw, and its KYC calls time out.
ctest --output-on-failure --timeout 600 -j "${CGW_TEST_JOBS:-2}" \
  -LE 'api-contract|perf|same-in-every-build' "$@"
echo "tsan: tests took $((SECONDS - start)) s"
