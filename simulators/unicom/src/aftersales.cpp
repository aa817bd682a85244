// After-sales methods of the unicom router (docs/carriers/unicom.md,
// "After-sales"): order.cancel, user.query, recharge.create, recharge.query,
// user.stop and user.restart, over the shared ledger's lifecycle and lines
// (cgw/sim/ledger.hpp). This carrier reports no carrier-initiated stops: a
// partner finds them by user.query.
#include "cgw/sim/unicom/unicom_simulator.hpp"
#include "form_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::unicom {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxRechargeFen = 1'000'000;  // 10 000 yuan a top-up

// A partner's reason code: short and plain, as the protocol says.
bool plain_code(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

const char* user_state_name(LineStatus s) {
  switch (s) {
    case LineStatus::kActive:
      return "NORMAL";
    case LineStatus::kSuspended:
      return "STOPPED";
    case LineStatus::kCancelled:
      return "CLOSED";
  }
  return "NORMAL";
}

void put_line(json::object& data, const Line& line) {
  data["number"] = line.msisdn;
  data["user_state"] = user_state_name(line.status);
  data["stop_reason"] = line.status == LineStatus::kActive ? std::string() : line.reason;
  data["product_code"] = line.plan_code;
  data["balance"] = line.balance_fen;
  data["flow_left_mb"] = line.data_left_mb;
  data["voice_left_min"] = line.voice_left_minutes;
}

// The ledger's refusal words -> the carrier's codes.
std::string recharge_fail_code(const std::string& reason) {
  if (reason == "line_cancelled") return "6002";
  return reason;  // already a carrier code (kRechargeRefusedCode)
}

}  // namespace

UnicomSimulator::Reply UnicomSimulator::cancel_order(const FormParams& params) {
  std::string order_id, out_order_id, reason;
  if (read_string(params, "order_id", order_id, 64) == Field::kBad ||
      read_string(params, "out_order_id", out_order_id, 64) == Field::kBad ||
      read_string(params, "cancel_reason", reason, 32) == Field::kBad ||
      (!reason.empty() && !plain_code(reason)))
    return error(std::string(kMalformed));
  if (order_id.empty() && out_order_id.empty()) return error(std::string(kMissing));
  if (auto o = ctx_.ledger.find_order(order_id, out_order_id);
      !o || (!order_id.empty() && !out_order_id.empty() && o->partner_order_id != out_order_id))
    return error("5001");
  const auto out = ctx_.ledger.cancel(order_id, out_order_id, ctx_.clock.now_ms());
  switch (out.result) {
    case CancelResult::kNotFound:
      return error("5001");
    case CancelResult::kRefused:
      spdlog::info("unicom: order {} not cancelled: {}", out.order.order_id, out.reason);
      return error(out.reason == CancelReasons::kAlreadyShipped ? "5002" : "5003");
    case CancelResult::kCancelled:
      break;
  }
  {
    // The first reason stays: cancelling again changes nothing.
    std::lock_guard lock(cancel_mu_);
    cancel_reasons_.emplace(out.order.order_id, reason.empty() ? "partner_request" : reason);
  }
  spdlog::info("unicom: order {} cancelled", out.order.order_id);
  Reply r;
  r.data["order_id"] = out.order.order_id;
  r.data["out_order_id"] = out.order.partner_order_id;
  r.data["order_state"] = "CANCELLED";
  r.data["cancel_reason"] = cancel_reason(out.order.order_id);
  return r;
}

std::string UnicomSimulator::cancel_reason(const std::string& order_id) const {
  std::lock_guard lock(cancel_mu_);
  auto it = cancel_reasons_.find(order_id);
  return it == cancel_reasons_.end() ? std::string() : it->second;
}

UnicomSimulator::Reply UnicomSimulator::query_user(const FormParams& params) {
  std::string number;
  if (auto f = read_string(params, "number", number, 11); f != Field::kOk)
    return error(field_code(f));
  if (!is_number_format(number)) return error(std::string(kMalformed));
  const auto line = ctx_.ledger.find_line(number);
  if (!line) return error("6001");
  Reply r;
  put_line(r.data, *line);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::change_user(const FormParams& params, bool stop) {
  std::string request_id, number, reason;
  if (auto f = read_string(params, "out_request_id", request_id, 64); f != Field::kOk)
    return error(field_code(f));
  if (auto f = read_string(params, "number", number, 11); f != Field::kOk)
    return error(field_code(f));
  if (!is_number_format(number) || read_string(params, "stop_reason", reason, 32) == Field::kBad ||
      (!reason.empty() && !plain_code(reason)))
    return error(std::string(kMalformed));
  const int64_t now = ctx_.clock.now_ms();
  const auto out = stop ? ctx_.ledger.suspend_line(number, SuspendedBy::kHolder,
                                                   reason.empty() ? "holder_request" : reason, now)
                        : ctx_.ledger.resume_line(number, SuspendedBy::kHolder, now);
  switch (out.result) {
    case LineChangeResult::kNotFound:
      return error("6001");
    case LineChangeResult::kCancelled:
      return error("6002");
    case LineChangeResult::kCarrierSuspended:
      // Stopping a line the carrier stopped answers its state; only the
      // carrier lifts its own stop.
      if (!stop) return error("6003");
      break;
    case LineChangeResult::kOk:
      break;
  }
  spdlog::info("unicom: {} {} ({}){}", stop ? "user.stop" : "user.restart", number, request_id,
               out.changed ? "" : ", nothing to change");
  Reply r;
  put_line(r.data, out.line);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::create_recharge(const FormParams& params) {
  RechargeDraft d;
  if (auto f = read_string(params, "out_recharge_id", d.partner_recharge_id, 64); f != Field::kOk)
    return error(field_code(f));
  if (auto f = read_string(params, "number", d.msisdn, 11); f != Field::kOk)
    return error(field_code(f));
  if (!is_number_format(d.msisdn)) return error(std::string(kMalformed));
  if (auto f = read_int(params, "amount", d.amount_fen, 1, kMaxRechargeFen); f != Field::kOk)
    return error(field_code(f));
  if (d.amount_fen == kRechargeRefusedFen) d.fail_reason = std::string(kRechargeRefusedCode);
  d.recharge_id = ctx_.ids.digits("UR", 18);
  const auto out = ctx_.ledger.recharge(d, ctx_.clock.now_ms());
  if (out.result == RechargeResult::kLineNotFound) return error("6001");
  if (out.result == RechargeResult::kDuplicate &&
      (out.recharge.msisdn != d.msisdn || out.recharge.amount_fen != d.amount_fen))
    return error("6102");
  spdlog::info("unicom: recharge {} ({}) {} fen to {}: {}", out.recharge.recharge_id,
               d.partner_recharge_id, d.amount_fen, d.msisdn,
               out.result == RechargeResult::kDuplicate
                   ? "again, same answer"
                   : (out.recharge.succeeded ? "ok" : "refused"));
  Reply r;
  put_recharge(r.data, out.recharge);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::query_recharge(const FormParams& params) {
  std::string partner_id, number;
  if (auto f = read_string(params, "out_recharge_id", partner_id, 64); f != Field::kOk)
    return error(field_code(f));
  if (read_string(params, "number", number, 11) == Field::kBad)
    return error(std::string(kMalformed));
  const auto rc = ctx_.ledger.find_recharge(partner_id);
  if (!rc || (!number.empty() && rc->msisdn != number)) return error("6101");
  Reply r;
  put_recharge(r.data, *rc);
  return r;
}

void UnicomSimulator::put_recharge(json::object& data, const Recharge& rc) {
  data["recharge_id"] = rc.recharge_id;
  data["out_recharge_id"] = rc.partner_recharge_id;
  data["number"] = rc.msisdn;
  data["amount"] = rc.amount_fen;
  data["recharge_state"] = rc.succeeded ? "SUCCESS" : "FAIL";
  data["fail_code"] = rc.succeeded ? std::string() : recharge_fail_code(rc.fail_reason);
  if (rc.succeeded) data["balance"] = rc.balance_after_fen;
  data["recharge_time"] = beijing_time(rc.at_ms);
}

}  // namespace cgw::sim::unicom
