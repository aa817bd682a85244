#include "cgw/sim/callback_chaos.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <iterator>
#include <utility>

namespace cgw::sim {

namespace json = boost::json;

namespace {

struct Kind {
  const char* name;
  std::optional<Schedule> CallbackChaos::*member;
};
constexpr Kind kKinds[] = {{"duplicate", &CallbackChaos::duplicate},
                           {"reorder", &CallbackChaos::reorder},
                           {"delay", &CallbackChaos::delay},
                           {"drop", &CallbackChaos::drop},
                           {"bad_signature", &CallbackChaos::bad_signature}};

bool is_schedule_key(std::string_view key) {
  return std::find(std::begin(kScheduleKeys), std::end(kScheduleKeys), key) !=
         std::end(kScheduleKeys);
}

}  // namespace

ChaosParse callback_chaos_from_json(const json::value& v) {
  ChaosParse r;
  auto fail = [&](std::string what) {
    r.error = std::move(what);
    return r;
  };
  if (!v.is_object()) return fail("callback chaos must be an object");
  for (const auto& [key, value] : v.as_object()) {
    if (key == "seed") {
      if (value.is_uint64())
        r.chaos.seed = value.as_uint64();
      else if (value.is_int64() && value.as_int64() >= 0)
        r.chaos.seed = static_cast<uint64_t>(value.as_int64());
      else
        return fail("seed must be an integer >= 0");
      continue;
    }
    const Kind* kind = nullptr;
    for (const auto& k : kKinds)
      if (key == k.name) kind = &k;
    if (!kind)
      return fail("unknown key '" + std::string(key) +
                  "' (known: seed, duplicate, reorder, delay, drop, bad_signature)");
    if (!value.is_object()) return fail(std::string(key) + " must be an object of schedule keys");
    const auto& o = value.as_object();
    for (const auto& [k, unused] : o) {
      (void)unused;
      if (!is_schedule_key(k) && !(kind->member == &CallbackChaos::delay && k == "ms"))
        return fail(std::string(key) + ": unknown key '" + std::string(k) + "'");
    }
    Schedule s;
    if (auto err = schedule_from_json(o, s); !err.empty())
      return fail(std::string(key) + ": " + err);
    if (kind->member == &CallbackChaos::delay) {
      const auto* ms = o.if_contains("ms");
      if (!ms) return fail("delay needs ms (the delay in simulated ms)");
      if (auto err = json_int(*ms, "delay.ms", 1, kMaxChaosDelayMs, r.chaos.delay_ms); !err.empty())
        return fail(err);
    }
    r.chaos.*(kind->member) = s;
  }
  return r;
}

json::object to_json(const CallbackChaos& chaos) {
  json::object out;
  if (chaos.seed) out["seed"] = *chaos.seed;
  for (const auto& k : kKinds) {
    const auto& s = chaos.*(k.member);
    if (!s) continue;
    json::object o;
    schedule_to_json(*s, o);
    if (k.member == &CallbackChaos::delay) o["ms"] = chaos.delay_ms;
    out[k.name] = std::move(o);
  }
  return out;
}

}  // namespace cgw::sim
