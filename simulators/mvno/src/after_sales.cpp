// After-sales endpoints of the mvno protocol (docs/carriers/mvno.md,
// "Order lifecycle" and "Subscriber services"): order cancellation, the
// line's status and balance, top-ups and their query, suspension and
// resumption at the holder's request. The state is the shared ledger's
// (cgw/sim/ledger.hpp); what is mvno's own is the wording.
#include "cgw/sim/mvno/mvno_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <algorithm>

namespace cgw::sim::mvno {

namespace json = boost::json;

namespace {

// The carrier's limit for one top-up, in fen (5000 yuan).
constexpr int64_t kMaxRechargeFen = 500'000;
// A top-up of exactly this amount (4.44 yuan) is refused by the payment
// channel: the simulator's magic amount for a FAILED top-up.
constexpr int64_t kMagicFailedRechargeFen = 444;
constexpr size_t kMaxReasonCode = 32;

// An upper-case reason code of the protocol: [A-Z0-9_]{1,32}.
bool is_reason_code(std::string_view s) {
  return !s.empty() && s.size() <= kMaxReasonCode && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// An optional reason code field: absent -> `fallback`; false when malformed.
bool read_reason(const json::object& body, std::string_view key, std::string_view fallback,
                 std::string& out) {
  const Field f = read_string(body, key, out, kMaxReasonCode);
  if (f == Field::kMissing) out = fallback;
  return f != Field::kBad && is_reason_code(out);
}

std::string_view suspend_by_name(SuspendedBy by) {
  switch (by) {
    case SuspendedBy::kCarrier:
      return "CARRIER";
    case SuspendedBy::kHolder:
      return "PARTNER";
    case SuspendedBy::kNone:
      break;
  }
  return "";
}

json::object recharge_data(const Recharge& r) {
  return json::object{{"partnerRechargeNo", r.partner_recharge_id},
                      {"rechargeNo", r.recharge_id},
                      {"rechargeStatus", r.succeeded ? "SUCCESS" : "FAILED"},
                      {"failCode", protocol_code(r.fail_reason)},
                      {"balance", r.balance_after_fen}};
}

}  // namespace

std::string protocol_code(std::string_view word) {
  std::string out;
  for (char c : word) {
    if (out.size() == kMaxReasonCode) break;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    out.push_back((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
  }
  return out;
}

json::object line_data(const Line& l) {
  const bool suspended = l.status == LineStatus::kSuspended;
  return json::object{
      {"msisdn", l.msisdn},
      {"lineStatus", line_status_name(l.status)},
      {"suspendBy", suspended ? suspend_by_name(l.suspended_by) : ""},
      {"reasonCode", l.status == LineStatus::kActive ? "" : protocol_code(l.reason)},
      {"productCode", l.plan_code},
      {"balance", l.balance_fen},
      {"dataLeftMb", l.data_left_mb},
      {"voiceLeftMin", l.voice_left_minutes}};
}

MvnoSimulator::Reply MvnoSimulator::cancel_order(const json::object& body) {
  std::string order_id, partner_order_id, reason;
  if (read_string(body, "orderNo", order_id, 64) == Field::kBad ||
      read_string(body, "partnerOrderNo", partner_order_id, 64) == Field::kBad ||
      (order_id.empty() && partner_order_id.empty()) ||
      !read_reason(body, "cancelReason", "CUSTOMER_REQUEST", reason))
    return error("1101");
  // Both ids given must name the same order.
  const auto order = ctx_.ledger.find_order(order_id, partner_order_id);
  if (!order) return error("4001");
  {
    // Recorded before the cancellation so that its callback, sent by the
    // next tick, already finds it; the first cancellation's reason stays.
    std::lock_guard lock(cancel_mu_);
    cancel_reasons_.emplace(order->order_id, reason);
  }
  const auto out = ctx_.ledger.cancel(order->order_id, "", ctx_.clock.now_ms());
  if (out.result == CancelResult::kNotFound) return error("4001");
  Reply r;
  r.data["orderNo"] = out.order.order_id;
  r.data["partnerOrderNo"] = out.order.partner_order_id;
  if (out.result == CancelResult::kCancelled) {
    r.data["cancelResult"] = "CANCELLED";
    r.data["refuseReason"] = "";
  } else {
    r.data["cancelResult"] = "REFUSED";
    r.data["refuseReason"] = protocol_code(out.reason);
  }
  spdlog::info("mvno: cancel of order {} ({}) -> {} {}", out.order.order_id,
               out.order.partner_order_id, r.data["cancelResult"].as_string().c_str(), out.reason);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::query_subscriber(const json::object& body) {
  std::string msisdn;
  if (!required_string(body, "msisdn", msisdn) || !is_number_format(msisdn)) return error("1101");
  const auto line = ctx_.ledger.find_line(msisdn);
  if (!line) return error("5001");
  Reply r;
  r.data = line_data(*line);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::create_recharge(const json::object& body) {
  RechargeDraft d;
  if (!required_string(body, "partnerRechargeNo", d.partner_recharge_id, 64) ||
      !required_string(body, "msisdn", d.msisdn) || !is_number_format(d.msisdn) ||
      read_int(body, "amount", d.amount_fen) != Field::kOk || d.amount_fen < 1 ||
      d.amount_fen > kMaxRechargeFen)
    return error("1101");
  if (d.amount_fen == kMagicFailedRechargeFen) d.fail_reason = "channel_error";
  d.recharge_id = ctx_.ids.digits("RC", 18);
  const auto out = ctx_.ledger.recharge(d, ctx_.clock.now_ms());
  if (out.result == RechargeResult::kLineNotFound) return error("5001");
  // The same partner number for another top-up is a partner bug, never a retry.
  if (out.result == RechargeResult::kDuplicate &&
      (out.recharge.msisdn != d.msisdn || out.recharge.amount_fen != d.amount_fen))
    return error("5102");
  spdlog::info("mvno: recharge {} ({}) of {} fen for {} -> {}{}", out.recharge.recharge_id,
               out.recharge.partner_recharge_id, out.recharge.amount_fen, out.recharge.msisdn,
               out.recharge.succeeded ? "SUCCESS" : "FAILED",
               out.result == RechargeResult::kDuplicate ? " (repeated)" : "");
  Reply r;
  r.data = recharge_data(out.recharge);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::query_recharge(const json::object& body) {
  std::string partner_id, msisdn;
  if (!required_string(body, "partnerRechargeNo", partner_id, 64) ||
      !required_string(body, "msisdn", msisdn) || !is_number_format(msisdn))
    return error("1101");
  const auto found = ctx_.ledger.find_recharge(partner_id);
  if (found && found->msisdn != msisdn) return error("5102");
  Reply r;
  if (found) {
    r.data = recharge_data(*found);
  } else {
    // Never received: the one answer that lets the partner send it again.
    r.data = json::object{{"partnerRechargeNo", partner_id},
                          {"rechargeNo", ""},
                          {"rechargeStatus", "NOT_FOUND"},
                          {"failCode", ""},
                          {"balance", 0}};
  }
  return r;
}

MvnoSimulator::Reply MvnoSimulator::suspend_subscriber(const json::object& body) {
  return change_subscriber(body, true);
}

MvnoSimulator::Reply MvnoSimulator::resume_subscriber(const json::object& body) {
  return change_subscriber(body, false);
}

MvnoSimulator::Reply MvnoSimulator::change_subscriber(const json::object& body, bool suspend) {
  std::string request_no, msisdn, reason;
  if (!required_string(body, "partnerRequestNo", request_no, 64) ||
      !required_string(body, "msisdn", msisdn) || !is_number_format(msisdn) ||
      !read_reason(body, "reasonCode", "HOLDER_REQUEST", reason))
    return error("1101");
  std::string word = reason;  // the ledger keeps the carrier-neutral lower-case word
  std::transform(word.begin(), word.end(), word.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  const int64_t now = ctx_.clock.now_ms();
  const auto out = suspend ? ctx_.ledger.suspend_line(msisdn, SuspendedBy::kHolder, word, now)
                           : ctx_.ledger.resume_line(msisdn, SuspendedBy::kHolder, now);
  switch (out.result) {
    case LineChangeResult::kNotFound:
      return error("5001");
    case LineChangeResult::kCancelled:
      return error("5002");
    case LineChangeResult::kCarrierSuspended:
      // Suspending a line the carrier holds suspended changes nothing;
      // lifting the carrier's suspension is the carrier's alone.
      if (!suspend) return error("5301");
      break;
    case LineChangeResult::kOk:
      break;
  }
  spdlog::info("mvno: {} {} ({}) -> {}{}", suspend ? "suspend" : "resume", msisdn, request_no,
               line_status_name(out.line.status), out.changed ? "" : " (unchanged)");
  Reply r;
  r.data = line_data(out.line);
  return r;
}

}  // namespace cgw::sim::mvno
