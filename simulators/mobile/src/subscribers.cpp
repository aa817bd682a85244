// Subscriber endpoints of the mobile simulator (docs/carriers/mobile.md):
// query, recharge and its query, suspend and resume, and the callback of
// a carrier-initiated suspension.
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::mobile {

namespace json = boost::json;

namespace {

constexpr int64_t kMinRechargeFen = 100;         // 1 yuan
constexpr int64_t kMaxRechargeFen = 500'000;     // 5000 yuan
constexpr int64_t kRefusedRechargeFen = 44'400;  // magic: the billing system refuses it
constexpr std::string_view kRefusedRechargeCode = "6005";

std::string_view status_word(LineStatus s) {
  switch (s) {
    case LineStatus::kActive:
      return "ACTIVE";
    case LineStatus::kSuspended:
      return "SUSPENDED";
    case LineStatus::kCancelled:
      return "CANCELLED";
  }
  return "ACTIVE";
}

std::string_view suspend_type(SuspendedBy by) {
  return by == SuspendedBy::kCarrier ? "CARRIER" : by == SuspendedBy::kHolder ? "HOLDER" : "";
}

json::object subscriber_json(const Line& l) {
  return json::object{{"msisdn", l.msisdn},
                      {"status", status_word(l.status)},
                      {"suspendType", suspend_type(l.suspended_by)},
                      {"reason", l.reason},
                      {"planCode", l.plan_code},
                      {"balance", l.balance_fen},
                      {"dataLeftMb", l.data_left_mb},
                      {"voiceLeftMin", l.voice_left_minutes}};
}

json::object recharge_json(const Recharge& r) {
  return json::object{{"rechargeId", r.recharge_id},
                      {"partnerRechargeId", r.partner_recharge_id},
                      {"msisdn", r.msisdn},
                      {"amount", r.amount_fen},
                      {"rechargeState", r.succeeded ? "SUCCESS" : "FAILED"},
                      {"failReason", r.fail_reason},
                      {"balance", r.balance_after_fen},
                      {"rechargeTime", r.at_ms}};
}

std::string param(boost::urls::url_view url, std::string_view key) {
  for (auto p : url.params())
    if (p.key == key) return p.value;
  return {};
}

}  // namespace

MobileSimulator::Reply MobileSimulator::query_subscriber(boost::urls::url_view url) {
  const std::string msisdn = param(url, "msisdn");
  if (!is_number_format(msisdn)) return error("2001");
  auto line = ctx_.ledger.find_line(msisdn);
  if (!line) return error("6001");
  Reply r;
  r.data = subscriber_json(*line);
  return r;
}

MobileSimulator::Reply MobileSimulator::recharge(const json::object& body) {
  RechargeDraft d;
  if (!required_string(body, "partnerRechargeId", d.partner_recharge_id, 64) ||
      !required_string(body, "msisdn", d.msisdn) || !is_number_format(d.msisdn) ||
      read_int(body, "amount", d.amount_fen) != Field::kOk)
    return error("2001");
  // A retry with the same id answers the first top-up before any check.
  if (auto first = ctx_.ledger.find_recharge(d.partner_recharge_id); !first) {
    if (d.amount_fen < kMinRechargeFen || d.amount_fen > kMaxRechargeFen) return error("6004");
    if (d.amount_fen == kRefusedRechargeFen) d.fail_reason = kRefusedRechargeCode;
  }
  d.recharge_id = ctx_.ids.digits("RC", 18);
  const auto out = ctx_.ledger.recharge(d, ctx_.clock.now_ms());
  if (out.result == RechargeResult::kLineNotFound) return error("6001");
  if (out.result == RechargeResult::kDone)
    spdlog::info("mobile: recharge {} ({}) of {} fen for {}: {}", out.recharge.recharge_id,
                 d.partner_recharge_id, d.amount_fen, d.msisdn,
                 out.recharge.succeeded ? "SUCCESS" : "FAILED " + out.recharge.fail_reason);
  Reply r;
  r.data = recharge_json(out.recharge);
  return r;
}

MobileSimulator::Reply MobileSimulator::query_recharge(boost::urls::url_view url) {
  const std::string id = param(url, "partnerRechargeId");
  if (id.empty() || id.size() > 64) return error("2001");
  auto found = ctx_.ledger.find_recharge(id);
  if (!found) return error("6002");
  Reply r;
  r.data = recharge_json(*found);
  return r;
}

MobileSimulator::Reply MobileSimulator::change_line(const json::object& body, bool suspend) {
  std::string request_id, msisdn, reason;
  if (!required_string(body, "partnerRequestId", request_id, 64) ||
      !required_string(body, "msisdn", msisdn) || !is_number_format(msisdn) ||
      read_string(body, "reason", reason, 64) == Field::kBad)
    return error("2001");
  const int64_t now = ctx_.clock.now_ms();
  const auto out = suspend ? ctx_.ledger.suspend_line(msisdn, SuspendedBy::kHolder, reason, now)
                           : ctx_.ledger.resume_line(msisdn, SuspendedBy::kHolder, now);
  switch (out.result) {
    case LineChangeResult::kNotFound:
      return error("6001");
    case LineChangeResult::kCancelled:
      return error("6006");
    case LineChangeResult::kCarrierSuspended:
      return error("6007");
    case LineChangeResult::kOk:
      break;
  }
  if (out.changed)
    spdlog::info("mobile: line {} {} at the holder's request ({})", msisdn,
                 suspend ? "suspended" : "resumed", request_id);
  Reply r;
  r.data = subscriber_json(out.line);
  return r;
}

void MobileSimulator::on_line_change(const Line& line) {
  spdlog::info("mobile: line {} {} by the carrier", line.msisdn, to_string(line.status));
  // The event goes where the line's activation order sent its callbacks.
  const auto order = ctx_.ledger.find_order(line.order_id, "");
  if (!order || order->notify_url.empty() || !order->plan.notify) return;
  CallbackJob job;
  job.event_id = ctx_.ids.token("E", 20);
  job.order_id = line.order_id;
  job.url = order->notify_url;
  json::object body = subscriber_json(line);
  body["eventId"] = job.event_id;
  body["eventType"] = "SUBSCRIBER";
  body["eventTime"] = line.changed_ms;
  job.body = json::serialize(body);
  ctx_.callbacks.enqueue(std::move(job));
}

}  // namespace cgw::sim::mobile
