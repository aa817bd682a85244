// Test-only crash points (docs/reliability.md "Top-ups"): a process whose
// environment variable CGW_TEST_CRASH_AT names a point kills itself with
// SIGKILL when it reaches that point, so that a test can stop the real
// process between two precise steps (e.g. a carrier's answer and the store
// write that records it). Unset, as in any deployment, nothing happens.
#pragma once

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace cgw {

inline void crash_point(const char* point) {
  // Read once: a test sets it in the process's environment at its start.
  static const char* const armed = std::getenv("CGW_TEST_CRASH_AT");
  if (armed && std::strcmp(armed, point) == 0) {
    spdlog::warn("crash point {}: SIGKILL (CGW_TEST_CRASH_AT)", point);
    spdlog::default_logger()->flush();
    std::raise(SIGKILL);
  }
}

}  // namespace cgw
