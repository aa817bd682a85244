// After-sales endpoints of the mobile simulator (docs/carriers/mobile.md):
// order cancellation, SIM replacement, and the order fields shared by the
// order query and the callbacks.
#include "cgw/common/id_number.hpp"
#include "cgw/sim/mobile/kyc.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::mobile {

namespace json = boost::json;

std::string_view order_state_word(OrderStage stage) {
  switch (stage) {
    case OrderStage::kAccepted:
      return "PROCESSING";
    case OrderStage::kReviewing:
      return "REVIEWING";
    case OrderStage::kShipped:
      return "SHIPPED";
    case OrderStage::kDelivered:
      return "DELIVERED";
    case OrderStage::kActivated:
      return "SUCCESS";
    case OrderStage::kFirstTopup:
      return "FIRST_TOPUP";
    case OrderStage::kFailed:
      return "FAILED";
    case OrderStage::kCancelled:
      return "CANCELLED";
    case OrderStage::kReturned:
      return "RETURNED";
  }
  return "PROCESSING";
}

json::object order_fields(const Order& order) {
  return json::object{
      {"orderId", order.order_id},
      {"partnerOrderId", order.partner_order_id},
      {"orderType", order.kind == OrderKind::kSimReplacement ? "SIM_REPLACE" : "NEW"},
      {"orderState", order_state_word(order.stage)},
      {"failReason", order.fail_reason},
      {"courier", order.courier},
      {"waybillNo", order.waybill},
      {"topupAmount", order.first_topup_fen}};
}

MobileSimulator::Reply MobileSimulator::cancel_order(const json::object& body) {
  std::string order_id, partner_order_id, reason;
  if (read_string(body, "orderId", order_id, 64) == Field::kBad ||
      read_string(body, "partnerOrderId", partner_order_id, 64) == Field::kBad ||
      read_string(body, "reason", reason, 64) == Field::kBad ||
      (order_id.empty() && partner_order_id.empty()))
    return error("2001");
  const auto out = ctx_.ledger.cancel(order_id, partner_order_id, ctx_.clock.now_ms());
  switch (out.result) {
    case CancelResult::kNotFound:
      return error("5001");
    case CancelResult::kRefused:
      spdlog::info("mobile: cancel of {} refused: {}", out.order.order_id, out.reason);
      return error(out.reason == CancelReasons::kAlreadyShipped     ? "5003"
                   : out.reason == CancelReasons::kAlreadyActivated ? "5004"
                                                                    : "5005");
    case CancelResult::kCancelled:
      break;
  }
  spdlog::info("mobile: order {} cancelled ({})", out.order.order_id,
               reason.empty() ? "no reason" : reason);
  Reply r;
  r.data["orderId"] = out.order.order_id;
  r.data["partnerOrderId"] = out.order.partner_order_id;
  r.data["orderState"] = order_state_word(out.order.stage);
  return r;
}

MobileSimulator::Reply MobileSimulator::replace_sim(const json::object& body) {
  ReplacementDraft d;
  std::string name, cert_no, reason;
  const auto* contact = body.if_contains("contact");
  if (!required_string(body, "partnerReplaceId", d.partner_replacement_id, 64) ||
      !required_string(body, "msisdn", d.msisdn) || !is_number_format(d.msisdn) ||
      !required_string(body, "certName", name, 128) ||
      !required_string(body, "certNo", cert_no, 64) ||
      !required_string(body, "reason", reason, 16) || (reason != "LOST" && reason != "DAMAGED") ||
      !required_string(body, "notifyUrl", d.notify_url, 2048) || url_target(d.notify_url).empty())
    return error("2001");
  if (!contact || !contact->is_object()) return error("2001");
  for (const char* key : {"name", "phone", "address"}) {
    const auto* v = contact->as_object().if_contains(key);
    if (!v || !v->is_string() || v->as_string().size() > 512) return error("2001");
  }
  const int64_t now = ctx_.clock.now_ms();
  // The holder passes the same real-name check as an applicant, then must
  // be the line's registered owner. A retry of a replacement whose answer
  // was lost finds it first (the dedupe runs before the checks).
  if (auto existing = ctx_.ledger.find_order("", d.partner_replacement_id);
      !existing || existing->kind != OrderKind::kSimReplacement) {
    const auto kyc = assess_identity(cert_no, id::beijing_date(now));
    if (kyc.verdict == KycVerdict::kReject) return error(kyc.reason);
    if (kyc.verdict == KycVerdict::kUnavailable) return error("9999");
    d.holder_key = applicant_key(kyc.normalized_id);
  }
  d.order_id = ctx_.ids.digits("MR", 18);
  const auto out = ctx_.ledger.replace_sim(d, now);
  switch (out.result) {
    case ReplaceResult::kLineNotFound:
      return error("6001");
    case ReplaceResult::kIdentityMismatch:
      spdlog::info("mobile: SIM replacement of {} refused: holder {} is not the owner", d.msisdn,
                   id::mask_id_number(cert_no));
      return error("6003");
    case ReplaceResult::kLineCancelled:
      return error("6006");
    case ReplaceResult::kIdConflict:
      return error("2001");
    case ReplaceResult::kCreated:
      spdlog::info("mobile: SIM replacement {} ({}) for {} accepted ({})", out.order.order_id,
                   d.partner_replacement_id, d.msisdn, reason);
      break;
    case ReplaceResult::kDuplicate:
      break;
  }
  Reply r;
  r.data["orderId"] = out.order.order_id;
  r.data["orderState"] = order_state_word(out.order.stage);
  return r;
}

}  // namespace cgw::sim::mobile
