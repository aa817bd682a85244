// Callback chaos: deliberate misbehaviour of a simulator's callback sender,
// so tests can check that a partner's callback endpoint copes with what real
// carriers do. Each kind has its own Schedule (schedule.hpp) over the
// callbacks enqueued since the chaos was set (1, 2, 3 ...):
//   duplicate      the first attempt is sent twice (same body, each copy
//                  signed afresh)
//   reorder        held back until the next callback's first attempt is
//                  done (or kReorderMaxHoldMs of simulated time), then sent
//   delay          the first attempt waits delay_ms (simulated time)
//   drop           never sent: not acknowledged, and no retries
//   bad_signature  the first attempt carries a corrupted signature, so the
//                  partner refuses it; retries are signed correctly
// Configured by POST /admin/callback-chaos or `callback_chaos:` in the sim
// YAML; see docs/simulators-reference.md.
#pragma once

#include "cgw/sim/schedule.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cgw::sim {

inline constexpr int64_t kReorderMaxHoldMs = 30'000;
inline constexpr int64_t kMaxChaosDelayMs = 3'600'000;

struct CallbackChaos {
  std::optional<uint64_t> seed;  // default: the simulator's seed
  std::optional<Schedule> duplicate, reorder, delay, drop, bad_signature;
  int64_t delay_ms = 0;  // for `delay`
  bool any() const { return duplicate || reorder || delay || drop || bad_signature; }
};

struct ChaosParse {
  CallbackChaos chaos;
  std::string error;  // "" when valid
  bool ok() const { return error.empty(); }
};

// {"seed":7,"duplicate":{"first":1},"delay":{"ms":2000,"probability":0.5},...}
ChaosParse callback_chaos_from_json(const boost::json::value& v);
boost::json::object to_json(const CallbackChaos& chaos);

}  // namespace cgw::sim
