// The simulated clock: the system time plus an offset that only moves
// forward (POST /admin/clock). Business logic (lock TTLs, activation delays,
// ages, callback backoff) reads time from here so tests can fast-forward
// instead of sleeping.
//
// A clock can also be frozen: it then stands still until it is advanced,
// set or unfrozen, so a test sees exactly the times it sets. Unfreezing
// resumes from the frozen time (not from the wall clock), so time never
// jumps backwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
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
  // now_ms() minus the base (the wall clock, or the fixed base).
  int64_t offset_ms() const;
  // Moves simulated time forward; negative amounts are ignored so that
  // simulated time never runs backwards (expiries would then "un-expire").
  void advance(int64_t ms);

  // Moves simulated time forward to `unix_ms`; false (and no change) when
  // that is in the simulated past.
  bool set_ms(int64_t unix_ms);
  void freeze();    // stands still at the current simulated time
  void unfreeze();  // runs on from the frozen time at the real rate
  bool frozen() const;

  // For a saved namespace: the offset from the wall clock while running, or
  // the simulated time it stands at while frozen. Restored after a restart,
  // a running clock keeps its offset, so simulated time went on meanwhile.
  struct Saved {
    int64_t offset_ms = 0;
    std::optional<int64_t> frozen_at_ms;
  };
  Saved save() const;
  void restore(const Saved& saved);

 private:
  int64_t base_ms() const;     // the wall clock or the fixed base
  int64_t now_locked() const;  // mu_ held
  std::optional<int64_t> fixed_base_;
  mutable std::mutex mu_;
  int64_t offset_ = 0;                // used while running
  std::optional<int64_t> frozen_at_;  // set while frozen
};

}  // namespace cgw::sim
