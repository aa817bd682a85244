// GET/POST /v1/test/clock: the test clock of a test deployment
// (docs/test-clock.md). The routes exist only while the clock is movable
// (http_api.cpp hides them otherwise), and only a key that lists the scope
// test:clock, which only a test deployment accepts, may call them.
#include "api/support.hpp"

namespace cgw::gw::api {

namespace {

json::object clock_view(const HostClock& clock) {
  return {{"now_ms", clock.now_ms()},
          {"real_ms", HostClock::real_now_ms()},
          {"offset_ms", clock.offset_ms()}};
}

// The move a body asks for: exactly one of advance_ms (>= 0) or set_ms,
// integers.
Result<HostClock::Move> apply_move(Ctx& c) {
  auto body = parse_body(c, {"advance_ms", "set_ms"});
  if (!body) return body.error();
  const json::value* advance = body->if_contains("advance_ms");
  const json::value* set = body->if_contains("set_ms");
  if ((advance != nullptr) == (set != nullptr))
    return bad_argument(
        "give exactly one of advance_ms (milliseconds forward) or set_ms (Unix ms)");
  const json::value& v = advance ? *advance : *set;
  if (!v.is_int64() && !v.is_uint64())
    return bad_argument(std::string(advance ? "advance_ms" : "set_ms") + " must be an integer");
  const int64_t n = v.is_int64() ? v.get_int64() : INT64_MAX;
  return advance ? c.svc.clock.advance(n) : c.svc.clock.set(n);
}

}  // namespace

Awaitable get_test_clock(Ctx& c) {
  co_return json_response(c, 200, clock_view(c.svc.clock));
}

// The move is applied when the answer comes: every time read after it sees
// the new time, and the waiting background loops (polls, webhook retries,
// the release queue, housekeeping) were woken to work what came due.
Awaitable move_test_clock(Ctx& c) {
  auto moved = apply_move(c);
  if (!moved) co_return error_response(c, moved.error());
  json::object out = clock_view(c.svc.clock);
  out["previous_offset_ms"] = moved->old_offset_ms;
  Reply reply = json_response(c, 200, out);
  reply.outcome = "moved:" + std::to_string(moved->new_offset_ms - moved->old_offset_ms);
  co_return reply;
}

}  // namespace cgw::gw::api
