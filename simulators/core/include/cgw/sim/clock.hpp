// The simulated clock: the system time plus an offset that only moves
// forward (POST /admin/clock). Business logic (lock TTLs, activation delays,
// ages, callback backoff) reads time from here so tests can fast-forward
// instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

namespace cgw::sim {

class SimClock {
 public:
  // With a fixed base the clock stands still except for advance(): unit
  // tests use it so that results do not depend on when they run.
  explicit SimClock(std::optional<int64_t> fixed_base_ms = std::nullopt)
      : fixed_base_(fixed_base_ms) {}

  int64_t now_ms() const;   // simulated time, Unix ms
  int64_t wall_ms() const;  // real time, Unix ms (see SimContext: signatures)
  int64_t offset_ms() const { return offset_.load(); }
  // Moves simulated time forward; negative amounts are ignored so that
  // simulated time never runs backwards (expiries would then "un-expire").
  void advance(int64_t ms);

 private:
  std::optional<int64_t> fixed_base_;
  std::atomic<int64_t> offset_{0};
};

}  // namespace cgw::sim
