#include "cgw/sim/schedule.hpp"

#include <boost/json.hpp>

#include <limits>

namespace cgw::sim {

namespace json = boost::json;

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

bool schedule_fires(const Schedule& s, uint64_t n, int64_t now_ms, DrawStream& draws) {
  const double draw = s.probability ? draws.next() : 0.0;
  if (s.first && n > s.first) return false;
  if (s.every && n % s.every != 0) return false;
  if (s.from_ms && now_ms < *s.from_ms) return false;
  if (s.to_ms && now_ms >= *s.to_ms) return false;
  if (s.probability && !(draw < *s.probability)) return false;
  return true;
}

std::string json_int(const json::value& v, const char* key, int64_t lo, int64_t hi, int64_t& out) {
  const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  if (v.is_int64())
    out = v.as_int64();
  else if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(hi))
    out = static_cast<int64_t>(v.as_uint64());
  else
    return std::string(key) + " must be an integer from " + range;
  if (out < lo || out > hi) return std::string(key) + " must be an integer from " + range;
  return {};
}

std::string json_string(const json::value& v, const char* key, size_t max_len, std::string& out) {
  if (!v.is_string() || v.as_string().empty() || v.as_string().size() > max_len)
    return std::string(key) + " must be a non-empty string of at most " + std::to_string(max_len) +
           " bytes";
  out = v.as_string();
  return {};
}

std::string schedule_from_json(const json::object& o, Schedule& out) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t n = 0;
  std::string err;
  if (const auto* v = o.if_contains("first")) {
    if (!(err = json_int(*v, "first", 1, 1'000'000'000, n)).empty()) return err;
    out.first = static_cast<uint64_t>(n);
  }
  if (const auto* v = o.if_contains("every")) {
    if (!(err = json_int(*v, "every", 1, 1'000'000'000, n)).empty()) return err;
    out.every = static_cast<uint64_t>(n);
  }
  if (const auto* v = o.if_contains("probability")) {
    if (!v->is_number()) return "probability must be a number from 0 to 1";
    const double p = v->to_number<double>();
    if (!(p >= 0.0 && p <= 1.0)) return "probability must be a number from 0 to 1";
    out.probability = p;
  }
  if (const auto* v = o.if_contains("from_ms")) {
    if (!(err = json_int(*v, "from_ms", 0, kMax, n)).empty()) return err;
    out.from_ms = n;
  }
  if (const auto* v = o.if_contains("to_ms")) {
    if (!(err = json_int(*v, "to_ms", 0, kMax, n)).empty()) return err;
    out.to_ms = n;
  }
  if (out.from_ms && out.to_ms && *out.to_ms <= *out.from_ms)
    return "to_ms must be greater than from_ms";
  return {};
}

void schedule_to_json(const Schedule& s, json::object& out) {
  if (s.first) out["first"] = s.first;
  if (s.every) out["every"] = s.every;
  if (s.probability) out["probability"] = *s.probability;
  if (s.from_ms) out["from_ms"] = *s.from_ms;
  if (s.to_ms) out["to_ms"] = *s.to_ms;
}

}  // namespace cgw::sim
