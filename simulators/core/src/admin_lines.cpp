// The admin API of lines (docs/simulators-admin.yaml):
//   GET  /admin/lines                       every line and every top-up
//   POST /admin/lines/{msisdn}/suspend      the carrier suspends a line
//                                           ({"reason": ...}, optional body)
//   POST /admin/lines/{msisdn}/resume       the carrier lifts a suspension
// A carrier-initiated change goes to the carrier's line hook, so a carrier
// with such events sends its callback.
#include "admin_internal.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace cgw::sim::admin {

namespace json = boost::json;
using net::http::status;

json::object line_json(const Line& l) {
  return json::object{{"msisdn", l.msisdn},
                      {"planCode", l.plan_code},
                      {"orderId", l.order_id},
                      {"status", to_string(l.status)},
                      {"suspendedBy", to_string(l.suspended_by)},
                      {"reason", l.reason},
                      {"balanceFen", l.balance_fen},
                      {"dataLeftMb", l.data_left_mb},
                      {"voiceLeftMinutes", l.voice_left_minutes},
                      {"activatedMs", l.activated_ms},
                      {"changedMs", l.changed_ms},
                      {"replacements", l.replacements}};
}

namespace {

json::object recharge_json(const Recharge& r) {
  return json::object{{"rechargeId", r.recharge_id},
                      {"partnerRechargeId", r.partner_recharge_id},
                      {"msisdn", r.msisdn},
                      {"amountFen", r.amount_fen},
                      {"balanceAfterFen", r.balance_after_fen},
                      {"succeeded", r.succeeded},
                      {"failReason", r.fail_reason},
                      {"firstTopup", r.first_topup},
                      {"requestCount", r.request_count},
                      {"atMs", r.at_ms}};
}

net::Response list(SimContext& ctx, const net::Request& req) {
  ctx.tick();  // show stages (and first top-ups) due by now
  json::array lines, recharges;
  for (const auto& l : ctx.ledger.lines()) lines.push_back(line_json(l));
  for (const auto& r : ctx.ledger.recharges()) recharges.push_back(recharge_json(r));
  return json_response(
      req, status::ok,
      json::object{{"lines", std::move(lines)}, {"recharges", std::move(recharges)}});
}

// The reason of a carrier suspension: the body's "reason", else
// "reverification" (the anti-fraud re-check that motivates it).
bool read_reason(const net::Request& req, std::string& reason, std::string& err) {
  reason = "reverification";
  if (req.body().empty()) return true;
  auto body = parse_body(req, err);
  if (!body) return false;
  const auto* obj = body->if_object();
  const auto* r = obj ? obj->if_contains("reason") : nullptr;
  if (!obj || (r && (!r->is_string() || r->as_string().empty() || r->as_string().size() > 64))) {
    err = "body must be {\"reason\": non-empty string of at most 64 bytes}";
    return false;
  }
  if (r) reason = r->as_string();
  return true;
}

net::Response change(SimContext& ctx, const net::Request& req, std::string_view msisdn,
                     bool suspend) {
  if (req.method() != net::http::verb::post)
    return error(req, status::method_not_allowed, "use POST");
  if (msisdn.size() != 11 ||
      !std::all_of(msisdn.begin(), msisdn.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return error(req, status::bad_request, "the msisdn must be 11 digits");
  std::string reason, err;
  if (suspend && !read_reason(req, reason, err)) return error(req, status::bad_request, err);
  const int64_t now = ctx.clock.now_ms();
  const LineOutcome out = suspend
                              ? ctx.ledger.suspend_line(msisdn, SuspendedBy::kCarrier, reason, now)
                              : ctx.ledger.resume_line(msisdn, SuspendedBy::kCarrier, now);
  if (out.result == LineChangeResult::kNotFound)
    return error(req, status::not_found, "no such line");
  if (out.result == LineChangeResult::kCancelled)
    return error(req, status::conflict, "the line is cancelled");
  if (out.changed) ctx.notify_line_change(out.line);
  json::object body = line_json(out.line);
  body["changed"] = out.changed;
  return json_response(req, status::ok, body);
}

}  // namespace

net::Response handle_lines(SimContext& ctx, const net::Request& req, std::string_view path) {
  if (path == "/admin/lines") {
    if (req.method() != net::http::verb::get)
      return error(req, status::method_not_allowed, "use GET");
    return list(ctx, req);
  }
  constexpr std::string_view kPrefix = "/admin/lines/";
  const std::string_view rest = path.substr(kPrefix.size());
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view action = rest.substr(slash + 1);
    if (action == "suspend" || action == "resume")
      return change(ctx, req, rest.substr(0, slash), action == "suspend");
  }
  return error(req, status::not_found, "unknown admin endpoint");
}

}  // namespace cgw::sim::admin
