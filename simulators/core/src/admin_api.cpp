// The admin API shared by every carrier simulator (unsigned; for tests).
// docs/simulators-admin.yaml is the full description:
//   GET  /admin/state                       orders, reservations, callbacks, clock
//   GET  /admin/clock, POST /admin/clock    read, freeze, set or advance the clock
//   GET|DELETE /admin/requests, /count, /verify  the request journal (admin_requests.cpp)
//   GET  /admin/callbacks?limit=            every callback and every attempt
//   GET|POST|DELETE /admin/callback-chaos   callback chaos settings
//   POST /admin/numbers/{number}/sell       an idle number sold elsewhere (churn)
//   GET  /admin/lines                       lines (subscribers) and top-ups
//   POST /admin/lines/{msisdn}/suspend|resume  the carrier suspends / resumes a line
// /admin/faults and /admin/namespaces belong to the kit's wrappers
// (sim_instance.cpp, namespace_router.cpp).
#include "admin_console.hpp"
#include "admin_internal.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>

namespace cgw::sim {

namespace json = boost::json;
using net::http::status;

namespace admin {

net::Response error(const net::Request& req, status st, std::string_view message) {
  return json_response(req, st, json::object{{"error", message}});
}

std::string path_of(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  return url ? std::string(url->path()) : std::string();
}

std::optional<json::value> parse_body(const net::Request& req, std::string& err) {
  boost::system::error_code ec;
  json::value v = json::parse(req.body(), ec);
  if (ec) {
    err = "body must be JSON";
    return std::nullopt;
  }
  return v;
}

json::object state_json(SimContext& ctx) {
  json::array orders, reservations, callbacks;
  for (const auto& o : ctx.ledger.orders())
    orders.push_back(json::object{{"orderId", o.order_id},
                                  {"partnerOrderId", o.partner_order_id},
                                  {"number", o.number},
                                  {"planCode", o.plan_code},
                                  {"state", to_string(o.state)},
                                  {"kind", to_string(o.kind)},
                                  {"stage", to_string(o.stage)},
                                  {"stageMs", o.stage_ms},
                                  {"courier", o.courier},
                                  {"waybill", o.waybill},
                                  {"firstTopupFen", o.first_topup_fen},
                                  {"submitCount", o.submit_count},
                                  {"failReason", o.fail_reason},
                                  {"finishedMs", o.finished_ms}});
  for (const auto& r : ctx.ledger.reservations())
    reservations.push_back(json::object{{"lockId", r.lock_id},
                                        {"number", r.number},
                                        {"expireTime", r.expire_ms},
                                        {"state", to_string(r.state)}});
  for (const auto& c : ctx.callbacks.journal()) {
    json::array chaos;
    for (const auto& k : c.chaos) chaos.push_back(json::string(k));
    callbacks.push_back(
        json::object{{"eventId", c.event_id},
                     {"orderId", c.order_id},
                     {"attempts", c.attempts.size()},
                     {"acknowledged", c.acknowledged},
                     {"gaveUp", c.gave_up},
                     {"dropped", c.dropped},
                     {"chaos", std::move(chaos)},
                     {"lastHttpStatus", c.attempts.empty() ? 0 : c.attempts.back().http_status}});
  }
  return json::object{{"nowMs", ctx.clock.now_ms()},
                      {"clockOffsetMs", ctx.clock.offset_ms()},
                      {"frozen", ctx.clock.frozen()},
                      {"orders", std::move(orders)},
                      {"reservations", std::move(reservations)},
                      {"callbacks", std::move(callbacks)}};
}

json::object callbacks_json(const SimContext& ctx, size_t limit) {
  auto records = ctx.callbacks.journal();
  const size_t skip = records.size() > limit ? records.size() - limit : 0;
  json::array out;
  for (size_t i = skip; i < records.size(); ++i) {
    const auto& c = records[i];
    json::array attempts, chaos;
    for (const auto& a : c.attempts)
      attempts.push_back(json::object{{"at_ms", a.at_ms},
                                      {"transport", a.transport},
                                      {"http_status", a.http_status},
                                      {"acknowledged", a.acknowledged},
                                      {"error", a.error},
                                      {"chaos", a.chaos}});
    for (const auto& k : c.chaos) chaos.push_back(json::string(k));
    out.push_back(json::object{{"eventId", c.event_id},
                               {"orderId", c.order_id},
                               {"url", c.url},
                               {"acknowledged", c.acknowledged},
                               {"gaveUp", c.gave_up},
                               {"dropped", c.dropped},
                               {"held", c.held},
                               {"inFlight", c.in_flight},
                               {"nextAttemptMs", c.next_attempt_ms},
                               {"chaos", std::move(chaos)},
                               {"attempts", std::move(attempts)}});
  }
  return json::object{{"total", records.size()}, {"callbacks", std::move(out)}};
}

}  // namespace admin

namespace {

// ?limit= (1-5000, default 100); false when malformed.
bool read_limit(boost::urls::url_view url, size_t& limit) {
  for (auto p : url.params()) {
    if (p.key != "limit") continue;
    auto [ptr, ec] = std::from_chars(p.value.data(), p.value.data() + p.value.size(), limit);
    if (ec != std::errc() || ptr != p.value.data() + p.value.size() || limit < 1 || limit > 5000)
      return false;
  }
  return true;
}

net::Response callback_chaos(SimContext& ctx, const net::Request& req) {
  using net::http::verb;
  if (req.method() == verb::get)
    return json_response(req, status::ok, to_json(ctx.callbacks.chaos()));
  if (req.method() == verb::delete_) {
    ctx.callbacks.set_chaos({}, ctx.seed());
    return json_response(req, status::ok, json::object{});
  }
  if (req.method() != verb::post)
    return admin::error(req, status::method_not_allowed, "use GET, POST or DELETE");
  std::string err;
  auto body = admin::parse_body(req, err);
  if (!body) return admin::error(req, status::bad_request, err);
  auto parsed = callback_chaos_from_json(*body);
  if (!parsed.ok()) return admin::error(req, status::bad_request, parsed.error);
  ctx.callbacks.set_chaos(parsed.chaos, ctx.seed());
  return json_response(req, status::ok, to_json(parsed.chaos));
}

// POST /admin/numbers/{number}/sell: the number is sold through another
// channel, so it shows as sold in the listing and in the change feed.
net::Response sell_number(SimContext& ctx, const net::Request& req, std::string_view path) {
  constexpr std::string_view kPrefix = "/admin/numbers/", kSuffix = "/sell";
  // "/admin/numbers/sell" has both ends overlapping: no number at all.
  const std::string_view number =
      path.size() > kPrefix.size() + kSuffix.size()
          ? path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size())
          : std::string_view();
  if (req.method() != net::http::verb::post)
    return admin::error(req, status::method_not_allowed, "use POST");
  if (number.size() != 11 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return admin::error(req, status::bad_request, "the number must be 11 digits");
  const int64_t now = ctx.clock.now_ms();
  if (!ctx.ledger.sell_elsewhere(number, now)) {
    const auto found = ctx.ledger.find_number(number, now);
    if (!found) return admin::error(req, status::not_found, "no such number");
    return admin::error(req, status::conflict,
                        std::string("the number is ") + to_string(found->state) + ", not idle");
  }
  return json_response(req, status::ok, json::object{{"number", number}, {"state", "sold"}});
}

}  // namespace

net::Response SimContext::handle_admin(const net::Request& req) {
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return admin::error(req, status::bad_request, "malformed target");
  const std::string path = url->path();
  const bool get = req.method() == net::http::verb::get;
  if (path == "/admin/state") {
    if (!get) return admin::error(req, status::method_not_allowed, "use GET");
    tick();  // show locks that expired by now as expired
    return json_response(req, status::ok, admin::state_json(*this));
  }
  if (path == "/admin/clock") return admin::handle_clock_sync(*this, req);
  if (path == "/admin/requests" || path.starts_with("/admin/requests/"))
    return admin::handle_requests(*this, req, *url);
  if (path == "/admin/callbacks") {
    if (!get) return admin::error(req, status::method_not_allowed, "use GET");
    size_t limit = 100;
    if (!read_limit(*url, limit))
      return admin::error(req, status::bad_request, "limit must be 1-5000");
    return json_response(req, status::ok, admin::callbacks_json(*this, limit));
  }
  if (path == "/admin/callback-chaos") return callback_chaos(*this, req);
  if (path.starts_with("/admin/numbers/") && path.ends_with("/sell"))
    return sell_number(*this, req, path);
  if (path == "/admin/lines" || path.starts_with("/admin/lines/"))
    return admin::handle_lines(*this, req, path);
  if (auto res = admin::handle_console(*this, req, path)) return std::move(*res);
  return admin::error(req, status::not_found, "unknown admin endpoint");
}

}  // namespace cgw::sim
