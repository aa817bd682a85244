// How much longer a test may wait under a slow build: start-up timeouts and
// the harness's wait deadlines are multiplied by CGW_TEST_TIME_SCALE, which
// tests/CMakeLists.txt sets (4 under ThreadSanitizer, which makes every
// process several times slower; 1 otherwise, so the normal and ASan builds
// keep their deadlines).
#pragma once

#include <chrono>

#ifndef CGW_TEST_TIME_SCALE
#define CGW_TEST_TIME_SCALE 1
#endif

namespace cgw::test {

inline constexpr int kTimeScale = CGW_TEST_TIME_SCALE;

template <class Rep, class Period>
constexpr std::chrono::duration<Rep, Period> scaled(std::chrono::duration<Rep, Period> d) {
  return d * kTimeScale;
}

}  // namespace cgw::test
