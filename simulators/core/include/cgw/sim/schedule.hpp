// When an injected fault or a callback chaos fires: on the first N events,
// every k-th event, with a seeded probability, inside a window of simulated
// time, or any combination (all given conditions must hold; none given:
// always). Events are counted from 1 per rule, from the moment it is set.
//
// Probabilities draw from a per-rule stream seeded from the simulator's
// seed, so the same seed and the same sequence of requests inject the same
// faults in every run.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace cgw::sim {

struct Schedule {
  uint64_t first = 0;                 // only events 1..first (0: no limit)
  uint64_t every = 0;                 // only events every, 2*every, ... (0: each)
  std::optional<double> probability;  // in [0, 1]
  std::optional<int64_t> from_ms;     // simulated time, inclusive
  std::optional<int64_t> to_ms;       // simulated time, exclusive
};

// A deterministic stream of draws in [0, 1). Not thread-safe: the owner of
// a rule guards it with the rule's lock.
class DrawStream {
 public:
  explicit DrawStream(uint64_t seed) : gen_(seed) {}
  // 53 random bits, so the result is the same with every standard library.
  double next() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  void skip(uint64_t n) { gen_.discard(n); }  // as if next() had been called n times

 private:
  std::mt19937_64 gen_;
};

// A seed for stream `stream` of a simulator seeded with `seed` (SplitMix64),
// so rules get unrelated streams from one seed.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

// Whether event `n` (1-based) at simulated time `now_ms` fires. Draws from
// `draws` whenever a probability is set, whether or not the other
// conditions hold, so that the k-th event always gets the k-th draw.
bool schedule_fires(const Schedule& s, uint64_t n, int64_t now_ms, DrawStream& draws);

// Reads the schedule keys (first, every, probability, from_ms, to_ms) of
// `o`; returns "" or what is wrong. Other keys are left to the caller.
std::string schedule_from_json(const boost::json::object& o, Schedule& out);
void schedule_to_json(const Schedule& s, boost::json::object& out);
inline constexpr const char* kScheduleKeys[] = {"first", "every", "probability", "from_ms",
                                                "to_ms"};

// JSON field helpers shared by the admin API parsers: each returns "" or
// what is wrong, naming `key`.
std::string json_int(const boost::json::value& v, const char* key, int64_t lo, int64_t hi,
                     int64_t& out);
std::string json_string(const boost::json::value& v, const char* key, size_t max_len,
                        std::string& out);

}  // namespace cgw::sim
