// Real-name checks, orders and the order query. Final states are only ever
// learned by polling order.query: this carrier sends no callbacks.
#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/sim/unicom/catalog.hpp"
#include "cgw/sim/unicom/kyc.hpp"
#include "cgw/sim/unicom/unicom_simulator.hpp"
#include "form_fields.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

namespace cgw::sim::unicom {

namespace json = boost::json;

namespace {
constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxContactBytes = 512;
constexpr size_t kMaxPortraitBytes = 3 * 1024 * 1024;

// The carrier's word for an order's stage (docs/carriers/unicom.md): it
// reports no manual review (IN_PROCESS) and plans no returns.
const char* order_state_name(const Order& o) {
  switch (o.stage) {
    case OrderStage::kAccepted:
    case OrderStage::kReviewing:
      return "IN_PROCESS";
    case OrderStage::kShipped:
      return "SHIPPED";
    case OrderStage::kDelivered:
      return "DELIVERED";
    case OrderStage::kActivated:
      return "ACTIVATED";
    case OrderStage::kFirstTopup:
      return "FIRST_RECHARGED";
    case OrderStage::kCancelled:
      return "CANCELLED";
    case OrderStage::kFailed:
    case OrderStage::kReturned:
      return "FAILED";
  }
  return "IN_PROCESS";
}
}  // namespace

UnicomSimulator::Reply UnicomSimulator::check_cert(const FormParams& params) {
  std::string name, cert_no, portrait;
  if (auto f = read_string(params, "cert_name", name, kMaxNameBytes); f != Field::kOk)
    return error(field_code(f));
  if (auto f = read_string(params, "cert_no", cert_no, kMaxIdLength); f != Field::kOk)
    return error(field_code(f));
  if (auto f = read_string(params, "portrait", portrait, kMaxPortraitBytes);
      f == Field::kBad || (f == Field::kOk && !crypto::base64_decode(portrait)))
    return error(std::string(kMalformed));
  const auto a = assess_identity(cert_no, id::beijing_date(ctx_.clock.now_ms()));
  if (a.verdict == KycVerdict::kUnavailable) return error(std::string(kCodeRealNameUnavailable));
  std::string result = "PASS", reason;
  if (a.verdict == KycVerdict::kReject) {
    result = "NOT_PASS";
    reason = a.reason;
  } else if (a.verdict == KycVerdict::kReview) {
    result = "MANUAL_REVIEW";  // no reason code: a person looks at it
  } else if (ctx_.ledger.active_lines(applicant_key(a.normalized_id)) >= kMaxLinesPerId) {
    result = "NOT_PASS";
    reason = std::string(kCodeQuotaExceeded);
  }
  Reply r;
  r.data["check_id"] = ctx_.ids.token("RC", 16);
  r.data["result"] = result;
  r.data["reason_code"] = reason;
  spdlog::info("unicom: cert.check {} {} -> {} {}", id::mask_name(name),
               id::mask_id_number(cert_no), result, reason);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::create_order(const FormParams& params) {
  OrderDraft d;
  std::string name, cert_no, contact;
  const std::pair<const char*, std::pair<std::string*, size_t>> required[] = {
      {"out_order_id", {&d.partner_order_id, 64}},
      {"number", {&d.number, 11}},
      {"lock_id", {&d.lock_id, 64}},
      {"product_code", {&d.plan_code, 64}},
      {"cert_name", {&name, kMaxNameBytes}},
      {"cert_no", {&cert_no, kMaxIdLength}}};
  for (const auto& [field, target] : required)
    if (auto f = read_string(params, field, *target.first, target.second); f != Field::kOk)
      return error(field_code(f));
  if (!is_number_format(d.number)) return error(std::string(kMalformed));
  // Contact (delivery) fields are optional; when present they are bounded.
  for (const char* field : {"contact_name", "contact_phone", "contact_address"})
    if (read_string(params, field, contact, kMaxContactBytes) == Field::kBad)
      return error(std::string(kMalformed));

  const int64_t now = ctx_.clock.now_ms();
  const auto kyc = assess_identity(cert_no, id::beijing_date(now));
  d.applicant_key = kyc.normalized_id.empty() ? "" : applicant_key(kyc.normalized_id);
  d.order_id = ctx_.ids.digits("UO", 20);
  const int64_t delay = settings_.activation_delay_ms;

  // Runs under the ledger's lock, after dedupe on out_order_id and the lock
  // checks, in the order of the doc: product (3005), then the applicant.
  auto gate = [&](int active_lines) {
    GateDecision g;
    if (!product_exists(d.plan_code)) return g.code = "3005", g;
    if (kyc.verdict == KycVerdict::kReject) return g.code = kyc.reason, g;
    if (kyc.verdict == KycVerdict::kUnavailable)
      return g.code = std::string(kCodeRealNameUnavailable), g;
    // In-flight orders count too, so concurrent orders cannot pass 5.
    if (active_lines >= kMaxLinesPerId) return g.code = std::string(kCodeQuotaExceeded), g;
    // kPass, and kReview which an order treats as approved after the delay
    // (reviewing meanwhile, which this carrier reports as IN_PROCESS).
    g.plan.due_ms = now + delay;
    g.plan.review = kyc.verdict == KycVerdict::kReview;
    g.plan.notify = false;  // nobody to notify: partners poll
    if (d.plan_code == kProductReject) {
      g.plan.final_state = OrderState::kFailed;
      g.plan.fail_reason = std::string(kCodeBlacklisted);
    } else if (d.plan_code == kProductStuck) {
      g.plan.due_ms = -1;
    }
    return g;
  };
  auto out = ctx_.ledger.submit(d, gate, now);
  switch (out.result) {
    case SubmitResult::kLockNotFound:
      return error("3003");
    case SubmitResult::kWrongNumber:
      return error("3004");
    case SubmitResult::kRejected:
      spdlog::info("unicom: order {} refused {} (applicant {})", d.partner_order_id, out.code,
                   id::mask_id_number(cert_no));
      return error(out.code);
    case SubmitResult::kCreated:
      spdlog::info("unicom: order {} ({}) accepted: number {}, product {}, applicant {} {}",
                   out.order.order_id, out.order.partner_order_id, out.order.number,
                   out.order.plan_code, id::mask_name(name), id::mask_id_number(cert_no));
      break;
    case SubmitResult::kDuplicate:
      spdlog::info("unicom: order {} resubmitted ({} times)", out.order.order_id,
                   out.order.submit_count);
      break;
  }
  Reply r;
  r.data["order_id"] = out.order.order_id;
  r.data["out_order_id"] = out.order.partner_order_id;
  put_order_state(r.data, out.order);
  return r;
}

UnicomSimulator::Reply UnicomSimulator::query_order(const FormParams& params) {
  std::string order_id, out_order_id;
  if (read_string(params, "order_id", order_id, 64) == Field::kBad ||
      read_string(params, "out_order_id", out_order_id, 64) == Field::kBad)
    return error(std::string(kMalformed));
  if (order_id.empty() && out_order_id.empty()) return error(std::string(kMissing));
  auto order = ctx_.ledger.find_order(order_id, out_order_id);
  if (!order) return error("5001");
  Reply r;
  r.data["order_id"] = order->order_id;
  r.data["out_order_id"] = order->partner_order_id;
  put_order_state(r.data, *order);
  r.data["fail_code"] = order->stage == OrderStage::kFailed || order->stage == OrderStage::kReturned
                            ? order->fail_reason
                            : std::string();
  r.data["update_time"] = beijing_time(std::max(order->stage_ms, order->created_ms));
  return r;
}

void UnicomSimulator::put_order_state(json::object& data, const Order& o) const {
  data["order_state"] = order_state_name(o);
  // What comes with the states past IN_PROCESS.
  if (!o.courier.empty()) {
    data["express_company"] = o.courier;
    data["express_no"] = o.waybill;
  }
  if (o.stage == OrderStage::kFirstTopup) data["first_recharge_amount"] = o.first_topup_fen;
  if (o.stage == OrderStage::kCancelled) data["cancel_reason"] = cancel_reason(o.order_id);
}

void UnicomSimulator::on_order_final(const Order& order) {
  spdlog::info("unicom: order {} is {}{}{}", order.order_id, order_state_name(order),
               order.fail_reason.empty() ? "" : " ", order.fail_reason);
}

}  // namespace cgw::sim::unicom
