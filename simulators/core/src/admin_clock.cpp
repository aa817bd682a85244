// The clock part of the admin API (GET/POST /admin/clock).
#include "admin_internal.hpp"

#include <algorithm>
#include <cstdint>

namespace cgw::sim::admin {

namespace json = boost::json;

std::string parse_clock_command(const net::Request& req, const SimClock& clock, ClockCommand& out) {
  std::string err;
  auto body = parse_body(req, err);
  if (!body) return err;
  const char* kUsage =
      "body must be an object with \"freeze\": true|false and/or one of \"set_ms\": UNIX_MS, "
      "\"advance_ms\": N (N >= 0)";
  if (!body->is_object() || body->as_object().empty()) return kUsage;
  for (const auto& [key, v] : body->as_object()) {
    int64_t n = 0;
    if (key == "freeze") {
      if (!v.is_bool()) return "freeze must be true or false";
      out.freeze = v.as_bool();
    } else if (key == "set_ms") {
      if (!(err = json_int(v, "set_ms", 0, INT64_MAX / 2, n)).empty()) return err;
      out.set_ms = n;
    } else if (key == "advance_ms") {
      if (!(err = json_int(v, "advance_ms", 0, INT64_MAX / 4, n)).empty()) return err;
      out.advance_ms = n;
    } else {
      return kUsage;
    }
  }
  if (out.set_ms && out.advance_ms) return "give set_ms or advance_ms, not both";
  if (out.set_ms && *out.set_ms < clock.now_ms())
    return "set_ms is in the simulated past (now " + std::to_string(clock.now_ms()) +
           "): the clock only moves forward";
  return {};
}

json::object clock_json(const SimClock& clock) {
  return json::object{{"nowMs", clock.now_ms()},
                      {"wallMs", clock.wall_ms()},
                      {"clockOffsetMs", clock.offset_ms()},
                      {"frozen", clock.frozen()}};
}

json::object clock_move_json(SimContext& ctx, int64_t from_ms, std::vector<FiredTimer> fired,
                             size_t steps) {
  const int64_t to_ms = ctx.clock.now_ms();
  for (const auto& rec : ctx.callbacks.journal())
    for (const auto& a : rec.attempts)
      if (a.at_ms > from_ms && a.at_ms <= to_ms)
        fired.push_back(FiredTimer{a.at_ms, "callback_attempt", rec.event_id,
                                   a.error.empty()
                                       ? std::to_string(a.http_status)
                                       : std::to_string(a.http_status) + " " + a.error});
  std::stable_sort(fired.begin(), fired.end(),
                   [](const FiredTimer& a, const FiredTimer& b) { return a.at_ms < b.at_ms; });
  json::array out;
  for (const auto& f : fired)
    out.push_back(
        json::object{{"at_ms", f.at_ms}, {"kind", f.kind}, {"id", f.id}, {"detail", f.detail}});
  json::object reply = clock_json(ctx.clock);
  reply["steps"] = steps;
  reply["fired"] = std::move(out);
  return reply;
}

// The synchronous form, for a carrier served without the kit's wrapper:
// callback attempts started by a step are not awaited (SimInstance awaits
// them, so their retries land at the right simulated time).
net::Response handle_clock_sync(SimContext& ctx, const net::Request& req) {
  using net::http::status;
  if (req.method() == net::http::verb::get)
    return json_response(req, status::ok, clock_json(ctx.clock));
  if (req.method() != net::http::verb::post)
    return error(req, status::method_not_allowed, "use GET or POST");
  ClockCommand cmd;
  if (auto err = parse_clock_command(req, ctx.clock, cmd); !err.empty())
    return error(req, status::bad_request, err);
  if (cmd.freeze && *cmd.freeze) ctx.clock.freeze();
  const int64_t from = ctx.clock.now_ms();
  std::vector<FiredTimer> fired;
  size_t steps = 0;
  if (cmd.set_ms || cmd.advance_ms) {
    const int64_t target = cmd.set_ms ? *cmd.set_ms : from + *cmd.advance_ms;
    while (steps < kMaxClockSteps && ctx.step_toward(target, fired)) ++steps;
    if (ctx.clock.now_ms() < target) ctx.clock.set_ms(target);
    ++steps;
    ctx.tick();
  }
  if (cmd.freeze && !*cmd.freeze) ctx.clock.unfreeze();
  return json_response(req, status::ok, clock_move_json(ctx, from, std::move(fired), steps));
}

}  // namespace cgw::sim::admin
