// The admin API shared by every carrier simulator (unsigned; for tests):
//   GET  /admin/state             orders, reservations, callbacks
//   POST /admin/clock             {"advance_ms": N} moves the simulated clock
//   GET  /admin/requests?limit=N  the journal of received carrier requests
#include "cgw/sim/sim_context.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>

namespace cgw::sim {

namespace json = boost::json;
using net::http::status;

namespace {

net::Response admin_error(const net::Request& req, status st, std::string_view message) {
  return json_response(req, st, json::object{{"error", message}});
}

json::object state_json(SimContext& ctx) {
  json::array orders, reservations, callbacks;
  for (const auto& o : ctx.ledger.orders())
    orders.push_back(json::object{{"orderId", o.order_id},
                                  {"partnerOrderId", o.partner_order_id},
                                  {"number", o.number},
                                  {"planCode", o.plan_code},
                                  {"state", to_string(o.state)},
                                  {"submitCount", o.submit_count},
                                  {"failReason", o.fail_reason}});
  for (const auto& r : ctx.ledger.reservations())
    reservations.push_back(json::object{{"lockId", r.lock_id},
                                        {"number", r.number},
                                        {"expireTime", r.expire_ms},
                                        {"state", to_string(r.state)}});
  for (const auto& c : ctx.callbacks.journal())
    callbacks.push_back(
        json::object{{"eventId", c.event_id},
                     {"orderId", c.order_id},
                     {"attempts", c.attempts.size()},
                     {"acknowledged", c.acknowledged},
                     {"gaveUp", c.gave_up},
                     {"lastHttpStatus", c.attempts.empty() ? 0 : c.attempts.back().http_status}});
  return json::object{{"nowMs", ctx.clock.now_ms()},
                      {"clockOffsetMs", ctx.clock.offset_ms()},
                      {"orders", std::move(orders)},
                      {"reservations", std::move(reservations)},
                      {"callbacks", std::move(callbacks)}};
}

net::Response advance_clock(SimContext& ctx, const net::Request& req) {
  boost::system::error_code ec;
  json::value body = json::parse(req.body(), ec);
  const json::value* v =
      !ec && body.is_object() ? body.as_object().if_contains("advance_ms") : nullptr;
  if (!v || !(v->is_int64() || v->is_uint64()) || (v->is_int64() && v->as_int64() < 0))
    return admin_error(req, status::bad_request,
                       "body must be {\"advance_ms\": N} with an integer N >= 0");
  ctx.clock.advance(v->is_int64() ? v->as_int64() : static_cast<int64_t>(v->as_uint64()));
  ctx.tick();  // what became due happens now, before the reply
  return json_response(
      req, status::ok,
      json::object{{"nowMs", ctx.clock.now_ms()}, {"clockOffsetMs", ctx.clock.offset_ms()}});
}

net::Response requests(SimContext& ctx, const net::Request& req, boost::urls::url_view url) {
  size_t limit = 100;
  for (auto p : url.params()) {
    if (p.key != "limit") continue;
    auto [ptr, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), limit);
    if (ec != std::errc() || ptr != p.value.data() + p.value.size() || limit < 1 || limit > 5000)
      return admin_error(req, status::bad_request, "limit must be 1-5000");
  }
  json::array out;
  for (const auto& e : ctx.journal.last(limit))
    out.push_back(json::object{{"at_ms", e.at_ms},
                               {"method", e.method},
                               {"target", e.target},
                               {"signature_ok", e.signature_ok},
                               {"code", e.code},
                               {"http_status", e.http_status}});
  return json_response(req, status::ok,
                       json::object{{"total", ctx.journal.total()}, {"requests", std::move(out)}});
}

}  // namespace

net::Response SimContext::handle_admin(const net::Request& req) {
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return admin_error(req, status::bad_request, "malformed target");
  const std::string path = url->path();
  const bool get = req.method() == net::http::verb::get;
  const bool post = req.method() == net::http::verb::post;
  if (path == "/admin/state") {
    if (!get) return admin_error(req, status::method_not_allowed, "use GET");
    tick();  // show locks that expired by now as expired
    return json_response(req, status::ok, state_json(*this));
  }
  if (path == "/admin/clock") {
    if (!post) return admin_error(req, status::method_not_allowed, "use POST");
    return advance_clock(*this, req);
  }
  if (path == "/admin/requests") {
    if (!get) return admin_error(req, status::method_not_allowed, "use GET");
    return requests(*this, req, *url);
  }
  return admin_error(req, status::not_found, "unknown admin endpoint");
}

}  // namespace cgw::sim
