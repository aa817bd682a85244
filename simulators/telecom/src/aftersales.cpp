// After-sales calls of the telecom protocol (docs/carriers/telecom.md,
// "After-sales"): orders/cancel, subscribers/query, recharges/create,
// recharges/query and sim/replace over the shared ledger's lifecycle and
// lines (cgw/sim/ledger.hpp), and the ORDER_STATUS callback of each stage
// this carrier reports.
#include "cgw/common/id_number.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "kyc.hpp"
#include "xml_io.hpp"

#include <spdlog/spdlog.h>

namespace cgw::sim::telecom {

namespace {

constexpr size_t kMaxIdBytes = 64;
constexpr int64_t kMaxRechargeFen = 1'000'000;

bool plain_code(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

const char* line_status_name(LineStatus s) {
  switch (s) {
    case LineStatus::kActive:
      return "ACTIVE";
    case LineStatus::kSuspended:
      return "SUSPENDED";
    case LineStatus::kCancelled:
      return "TERMINATED";
  }
  return "ACTIVE";
}

void put_recharge(pugi::xml_node data, const Recharge& rc) {
  add_text(data, "RechargeId", rc.recharge_id);
  add_text(data, "PartnerRechargeId", rc.partner_recharge_id);
  add_text(data, "Msisdn", rc.msisdn);
  add_text(data, "Amount", std::to_string(rc.amount_fen));
  add_text(data, "Status", rc.succeeded ? "SUCCESS" : "FAILED");
  add_text(data, "FailCode",
           rc.succeeded
               ? std::string()
               : (rc.fail_reason == "line_cancelled" ? std::string("60002") : rc.fail_reason));
  if (rc.succeeded) add_text(data, "Balance", std::to_string(rc.balance_after_fen));
  add_text(data, "RechargeTime", std::to_string(rc.at_ms));
}

}  // namespace

const char* order_stage_name(OrderStage s) {
  switch (s) {
    case OrderStage::kAccepted:
      return "PROCESSING";
    case OrderStage::kReviewing:
      return "REVIEWING";
    case OrderStage::kShipped:
    case OrderStage::kDelivered:  // not reported: still SHIPPED
      return "SHIPPED";
    case OrderStage::kActivated:
    case OrderStage::kFirstTopup:  // not reported: still ACTIVATED
      return "ACTIVATED";
    case OrderStage::kFailed:
      return "FAILED";
    case OrderStage::kCancelled:
      return "CANCELLED";
    case OrderStage::kReturned:
      return "RETURNED";
  }
  return "PROCESSING";
}

void put_order(pugi::xml_node data, const Order& o) {
  add_text(data, "OrderId", o.order_id);
  add_text(data, "PartnerOrderId", o.partner_order_id);
  add_text(data, "Status", order_stage_name(o.stage));
  add_text(data, "FailCode", o.stage == OrderStage::kFailed ? o.fail_reason : std::string());
  if (o.stage == OrderStage::kCancelled || o.stage == OrderStage::kReturned)
    add_text(data, "Reason",
             o.stage == OrderStage::kReturned ? "UNDELIVERABLE" : "PARTNER_REQUEST");
  if (!o.courier.empty()) {
    add_text(data, "LogisticsCompany", o.courier);
    add_text(data, "WaybillNo", o.waybill);
  }
}

void TelecomSimulator::on_stage(const StageChange& change) {
  const Order& order = change.order;
  // Stages this carrier does not report send nothing.
  if (change.stage == OrderStage::kAccepted || change.stage == OrderStage::kDelivered ||
      change.stage == OrderStage::kFirstTopup)
    return;
  if (!order.plan.notify) return;  // SIM-NOCALLBACK: found only by query
  Order at = order;
  at.stage = change.stage;
  CallbackJob job;
  job.event_id = ctx_.ids.token("EV", 20);
  job.order_id = order.order_id;
  job.url = order.notify_url;
  pugi::xml_document doc;
  pugi::xml_node n = start_document(doc, "Notify");
  add_text(n, "EventId", job.event_id);
  add_text(n, "EventType", "ORDER_STATUS");
  put_order(n, at);
  add_text(n, "EventTime", std::to_string(change.at_ms));
  job.body = serialize(doc);
  ctx_.callbacks.enqueue(std::move(job));
}

TelecomSimulator::Code TelecomSimulator::cancel_order(pugi::xml_node request, pugi::xml_node data) {
  std::string order_id, partner_id, reason;
  const Field f1 = read_text(request, "OrderId", order_id, kMaxIdBytes);
  const Field f2 = read_text(request, "PartnerOrderId", partner_id, kMaxIdBytes);
  const Field f3 = read_text(request, "Reason", reason, 32);
  if (f1 == Field::kBad || f2 == Field::kBad || (f1 != Field::kOk && f2 != Field::kOk) ||
      f3 == Field::kBad || (f3 == Field::kOk && !plain_code(reason)))
    return "20002";
  {
    // A draft never confirmed is only ours: cancelled here, nothing reached
    // the ledger.
    std::lock_guard lock(drafts_mu_);
    Draft* d = find_draft_locked(order_id, partner_id);
    if (d && d->status != DraftStatus::kConfirmed) {
      d->status = DraftStatus::kCancelled;
      add_text(data, "OrderId", d->order_id);
      add_text(data, "PartnerOrderId", d->partner_order_id);
      add_text(data, "Status", "CANCELLED");
      add_text(data, "Reason", "PARTNER_REQUEST");
      return "0";
    }
    if (d) order_id = d->order_id;  // the confirmed order, in the ledger
  }
  const auto out = ctx_.ledger.cancel(order_id, partner_id, ctx_.clock.now_ms());
  if (out.result == CancelResult::kNotFound) return "50001";
  if (out.result == CancelResult::kRefused)
    return out.reason == CancelReasons::kAlreadyShipped ? "50006" : "50002";
  spdlog::info("telecom: order {} cancelled", out.order.order_id);
  put_order(data, out.order);
  return "0";
}

TelecomSimulator::Code TelecomSimulator::query_subscriber(pugi::xml_node request,
                                                          pugi::xml_node data) {
  std::string msisdn;
  if (!required_text(request, "Msisdn", msisdn) || !is_number_format(msisdn)) return "20002";
  const auto line = ctx_.ledger.find_line(msisdn);
  if (!line) return "60001";
  add_text(data, "Msisdn", line->msisdn);
  add_text(data, "Status", line_status_name(line->status));
  add_text(data, "StatusReason", line->status == LineStatus::kActive ? "" : line->reason);
  add_text(data, "PlanCode", line->plan_code);
  add_text(data, "Balance", std::to_string(line->balance_fen));
  add_text(data, "DataLeftMB", std::to_string(line->data_left_mb));
  add_text(data, "VoiceLeftMinutes", std::to_string(line->voice_left_minutes));
  return "0";
}

TelecomSimulator::Code TelecomSimulator::create_recharge(pugi::xml_node request,
                                                         pugi::xml_node data) {
  RechargeDraft d;
  if (!required_text(request, "PartnerRechargeId", d.partner_recharge_id, kMaxIdBytes) ||
      !required_text(request, "Msisdn", d.msisdn) || !is_number_format(d.msisdn) ||
      read_int(request, "Amount", d.amount_fen) != Field::kOk || d.amount_fen < 1 ||
      d.amount_fen > kMaxRechargeFen)
    return "20002";
  if (d.amount_fen == kRechargeRefusedFen) d.fail_reason = std::string(kRechargeRefusedCode);
  d.recharge_id = ctx_.ids.digits("TR", 18);
  const auto out = ctx_.ledger.recharge(d, ctx_.clock.now_ms());
  if (out.result == RechargeResult::kLineNotFound) return "60001";
  if (out.result == RechargeResult::kDuplicate &&
      (out.recharge.msisdn != d.msisdn || out.recharge.amount_fen != d.amount_fen))
    return "60102";
  spdlog::info("telecom: recharge {} ({}) {} fen to {}{}", out.recharge.recharge_id,
               d.partner_recharge_id, d.amount_fen, d.msisdn,
               out.result == RechargeResult::kDuplicate ? ": again, same answer" : "");
  put_recharge(data, out.recharge);
  return "0";
}

TelecomSimulator::Code TelecomSimulator::query_recharge(pugi::xml_node request,
                                                        pugi::xml_node data) {
  std::string partner_id;
  if (!required_text(request, "PartnerRechargeId", partner_id, kMaxIdBytes)) return "20002";
  const auto rc = ctx_.ledger.find_recharge(partner_id);
  if (!rc) return "60101";
  put_recharge(data, *rc);
  return "0";
}

TelecomSimulator::Code TelecomSimulator::replace_sim(pugi::xml_node request, pugi::xml_node data) {
  ReplacementDraft d;
  std::string type, name, cert_no, reason, dname, dphone, daddress;
  bool dup_customer = false, dup_delivery = false;
  const pugi::xml_node customer = single_child(request, "Customer", dup_customer);
  const pugi::xml_node delivery = single_child(request, "Delivery", dup_delivery);
  if (!required_text(request, "PartnerReplaceId", d.partner_replacement_id, kMaxIdBytes) ||
      !required_text(request, "Msisdn", d.msisdn) || !is_number_format(d.msisdn) ||
      !required_text(request, "Reason", reason) || (reason != "LOST" && reason != "DAMAGED") ||
      !required_text(request, "NotifyUrl", d.notify_url, 2048) ||
      url_target(d.notify_url).empty() || !customer || dup_customer || !delivery || dup_delivery ||
      !required_text(customer, "CertType", type) || type != "ID_CARD" ||
      !required_text(customer, "CertName", name, 128) ||
      !required_text(customer, "CertNo", cert_no, kMaxIdBytes) ||
      read_text(delivery, "Address", daddress, 512) != Field::kOk)
    return "20002";
  const auto kyc = assess_applicant(cert_no, ctx_.clock.now_ms());
  // The same keyed hash as the order's applicant: the owner check needs no
  // ID number in the ledger.
  d.holder_key = kyc.normalized_id.empty() ? "" : applicant_key(kyc.normalized_id);
  d.order_id = ctx_.ids.digits("TO", 18);
  const auto out = ctx_.ledger.replace_sim(d, ctx_.clock.now_ms());
  switch (out.result) {
    case ReplaceResult::kLineNotFound:
      return "60001";
    case ReplaceResult::kIdentityMismatch:
      spdlog::info("telecom: replacement for {} refused: holder {} is not the owner", d.msisdn,
                   id::mask_id_number(cert_no));
      return "60003";
    case ReplaceResult::kLineCancelled:
      return "60002";
    case ReplaceResult::kIdConflict:
      return "50004";
    case ReplaceResult::kCreated:
    case ReplaceResult::kDuplicate:
      break;
  }
  spdlog::info("telecom: replacement {} ({}) for {}: {}", out.order.order_id,
               d.partner_replacement_id, d.msisdn, reason);
  put_order(data, out.order);
  return "0";
}

}  // namespace cgw::sim::telecom
