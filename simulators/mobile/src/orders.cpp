// Real-name verification, orders, order query and the final-state callback.
#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/sim/mobile/catalog.hpp"
#include "cgw/sim/mobile/kyc.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::mobile {

namespace json = boost::json;

namespace {
constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxPortraitBytes = 3 * 1024 * 1024;
}  // namespace

MobileSimulator::Reply MobileSimulator::verify_identity(const json::object& body) {
  std::string name, cert_no, portrait;
  if (!required_string(body, "certName", name, kMaxNameBytes) ||
      !required_string(body, "certNo", cert_no, kMaxIdLength))
    return error("2001");
  if (auto f = read_string(body, "portrait", portrait, kMaxPortraitBytes);
      f == Field::kBad || (f == Field::kOk && !crypto::base64_decode(portrait)))
    return error("2001");
  const int64_t now = ctx_.clock.now_ms();
  auto a = assess_identity(cert_no, id::beijing_date(now));
  if (a.verdict == KycVerdict::kUnavailable) return error("9999");
  std::string result = "PASS", reason;
  if (a.verdict == KycVerdict::kReject) {
    result = "REJECT";
    reason = a.reason;
  } else if (a.verdict == KycVerdict::kReview) {
    result = "REVIEW";  // no 4xxx code means "manual review": reasonCode stays ""
  } else if (ctx_.ledger.active_lines(applicant_key(a.normalized_id)) >= kMaxLinesPerId) {
    result = "REJECT";
    reason = "4005";
  }
  Reply r;
  r.data["verifyId"] = ctx_.ids.token("VF", 16);
  r.data["verifyResult"] = result;
  r.data["reasonCode"] = reason;
  spdlog::info("mobile: verify {} {} -> {} {}", id::mask_name(name), id::mask_id_number(cert_no),
               result, reason);
  return r;
}

MobileSimulator::Reply MobileSimulator::submit_order(const json::object& body) {
  OrderDraft d;
  std::string name, cert_no;
  const auto* contact = body.if_contains("contact");
  if (!required_string(body, "partnerOrderId", d.partner_order_id, 64) ||
      !required_string(body, "number", d.number) || !is_number_format(d.number) ||
      !required_string(body, "lockId", d.lock_id) ||
      !required_string(body, "planCode", d.plan_code) ||
      !required_string(body, "certName", name, kMaxNameBytes) ||
      !required_string(body, "certNo", cert_no, kMaxIdLength) ||
      !required_string(body, "notifyUrl", d.notify_url, 2048) || url_target(d.notify_url).empty())
    return error("2001");
  // The contact (delivery) fields must be present as strings; empty ones
  // are accepted, since the doc does not require them to be filled.
  if (!contact || !contact->is_object()) return error("2001");
  for (const char* key : {"name", "phone", "address"}) {
    const auto* v = contact->as_object().if_contains(key);
    if (!v || !v->is_string() || v->as_string().size() > 512) return error("2001");
  }

  const int64_t now = ctx_.clock.now_ms();
  const auto kyc = assess_identity(cert_no, id::beijing_date(now));
  d.applicant_key = kyc.normalized_id.empty() ? "" : applicant_key(kyc.normalized_id);
  d.order_id = ctx_.ids.digits("MO", 18);
  const int64_t delay = settings_.activation_delay_ms;

  // Runs under the ledger's lock, after dedupe and the lock checks, in the
  // order of the doc: plan (3004), then the applicant (4xxx / 9999).
  auto gate = [&](int active_lines) {
    GateDecision g;
    if (!plan_exists(d.plan_code)) return g.code = "3004", g;
    if (kyc.verdict == KycVerdict::kReject) return g.code = kyc.reason, g;
    if (kyc.verdict == KycVerdict::kUnavailable) return g.code = "9999", g;
    // In-flight orders count too, so concurrent orders cannot pass 5.
    if (active_lines >= kMaxLinesPerId) return g.code = "4005", g;
    // kPass, and kReview which an order treats as approved after the delay.
    g.plan.due_ms = now + delay;
    if (d.plan_code == kPlanReject) {
      g.plan.final_state = OrderState::kFailed;
      g.plan.fail_reason = "4008";
    } else if (d.plan_code == kPlanStuck) {
      g.plan.due_ms = -1;
    } else if (d.plan_code == kPlanNoCallback) {
      g.plan.notify = false;
    } else if (d.plan_code == kPlanReturned) {
      g.plan.returned = true;
    } else if (d.plan_code == kPlanEvents) {
      g.plan.script = EventScript::kAllStages;
    } else if (d.plan_code == kPlanEventsOutOfOrder) {
      g.plan.script = EventScript::kOutOfOrder;
    }
    g.plan.review = kyc.verdict == KycVerdict::kReview;
    return g;
  };
  auto out = ctx_.ledger.submit(d, gate, now);
  switch (out.result) {
    case SubmitResult::kLockNotFound:
      return error("3003");
    case SubmitResult::kWrongNumber:
      return error("5002");
    case SubmitResult::kRejected:
      spdlog::info("mobile: order {} refused {} (applicant {})", d.partner_order_id, out.code,
                   id::mask_id_number(cert_no));
      return error(out.code);
    case SubmitResult::kCreated:
      spdlog::info("mobile: order {} ({}) accepted: number {}, plan {}, applicant {} {}",
                   out.order.order_id, out.order.partner_order_id, out.order.number,
                   out.order.plan_code, id::mask_name(name), id::mask_id_number(cert_no));
      break;
    case SubmitResult::kDuplicate:
      spdlog::info("mobile: order {} resubmitted ({} times)", out.order.order_id,
                   out.order.submit_count);
      break;
  }
  Reply r;
  r.data["orderId"] = out.order.order_id;
  r.data["orderState"] = order_state_word(out.order.stage);
  return r;
}

MobileSimulator::Reply MobileSimulator::query_order(boost::urls::url_view url) {
  std::string order_id, partner_order_id;
  for (auto p : url.params()) {
    if (p.key == "orderId") order_id = p.value;
    if (p.key == "partnerOrderId") partner_order_id = p.value;
  }
  if (order_id.empty() && partner_order_id.empty()) return error("2001");
  auto order = ctx_.ledger.find_order(order_id, partner_order_id);
  if (!order) return error("5001");
  Reply r;
  r.data = order_fields(*order);
  return r;
}

void MobileSimulator::on_stage(const StageChange& change) {
  const Order& order = change.order;
  spdlog::info("mobile: order {} is {}{}{}", order.order_id, to_string(change.stage),
               order.fail_reason.empty() ? "" : " ", order.fail_reason);
  if (!order.plan.notify) return;  // SIM-NOCALLBACK: found only by query
  CallbackJob job;
  job.event_id = ctx_.ids.token("E", 20);
  job.order_id = order.order_id;
  job.url = order.notify_url;
  json::object body = order_fields(order);
  body["eventId"] = job.event_id;
  body["eventType"] = "ORDER";
  body["eventTime"] = change.at_ms;
  job.body = json::serialize(body);
  ctx_.callbacks.enqueue(std::move(job));
}

}  // namespace cgw::sim::mobile
