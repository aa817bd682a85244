// Real-name check, orders and order query.
#include "cgw/common/id_number.hpp"
#include "cgw/sim/kyc_rules.hpp"
#include "cgw/sim/mvno/catalog.hpp"
#include "cgw/sim/mvno/mvno_simulator.hpp"
#include "json_fields.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::mvno {

namespace json = boost::json;

namespace {

constexpr size_t kMaxEncryptedIdLength = 256;
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxPortraitBytes = 3 * 1024 * 1024;

enum class Verdict { kPass, kReject, kReview, kUnavailable };

struct Assessment {
  Verdict verdict = Verdict::kReject;
  std::string code;  // 3xxx for kReject
  std::string normalized_id;
};

// The carrier-neutral rules (cgw/sim/kyc_rules.hpp) in this carrier's codes.
Assessment assess(std::string_view id_number, int64_t now_ms) {
  const auto core = sim::assess_identity(id_number, id::beijing_date(now_ms));
  Assessment a;
  a.normalized_id = core.normalized_id;
  switch (core.outcome) {
    case KycOutcome::kPass:
      a.verdict = Verdict::kPass;
      break;
    case KycOutcome::kReview:
      a.verdict = Verdict::kReview;
      break;
    case KycOutcome::kUpstreamTimeout:
      a.verdict = Verdict::kUnavailable;
      break;
    case KycOutcome::kInvalidId:
      a.code = "3001";
      break;
    case KycOutcome::kNameMismatch:
      a.code = "3002";
      break;
    case KycOutcome::kIdNotFound:
      a.code = "3003";
      break;
    case KycOutcome::kUnderage:
      a.code = "3004";
      break;
    case KycOutcome::kQuotaExceeded:
      a.code = "3005";
      break;
    case KycOutcome::kFaceMismatch:
      a.code = "3006";
      break;
    case KycOutcome::kLivenessFailed:
      a.code = "3007";
      break;
    case KycOutcome::kBlacklisted:
      a.code = "3008";
      break;
    case KycOutcome::kInvalidated:
      a.code = "3009";
      break;
  }
  return a;
}

bool receiver_ok(const json::object& body) {
  const auto* receiver = body.if_contains("receiver");
  if (!receiver || !receiver->is_object()) return false;
  // Present as strings; empty ones are accepted (the doc does not require them filled).
  for (const char* key : {"name", "phone", "address"}) {
    const auto* v = receiver->as_object().if_contains(key);
    if (!v || !v->is_string() || v->as_string().size() > 512) return false;
  }
  return true;
}

}  // namespace

MvnoSimulator::Reply MvnoSimulator::check_real_name(const json::object& body) {
  std::string name, sealed, portrait;
  if (!required_string(body, "certName", name, kMaxNameBytes) ||
      !required_string(body, "certNoEnc", sealed, kMaxEncryptedIdLength))
    return error("1101");
  if (auto f = read_string(body, "portrait", portrait, kMaxPortraitBytes);
      f == Field::kBad || (f == Field::kOk && !decode_base64_strict(portrait)))
    return error("1101");
  const auto id_number = open_id_number(sealed);
  if (!id_number) return error("1102");
  const int64_t now = ctx_.clock.now_ms();
  const auto a = assess(*id_number, now);
  if (a.verdict == Verdict::kUnavailable) return error("3101");
  std::string result = "PASS", code;
  if (a.verdict == Verdict::kReject) {
    result = "REJECT";
    code = a.code;
  } else if (a.verdict == Verdict::kReview) {
    result = "REVIEW";  // no 3xxx code means "manual review": rejectCode stays ""
  } else if (ctx_.ledger.active_lines(applicant_key(a.normalized_id)) >= kMaxLinesPerId) {
    result = "REJECT";
    code = "3005";
  }
  Reply r;
  r.data["checkNo"] = ctx_.ids.token("RN", 16);
  r.data["checkResult"] = result;
  r.data["rejectCode"] = code;
  spdlog::info("mvno: real-name check {} {} -> {} {}", id::mask_name(name),
               id::mask_id_number(*id_number), result, code);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::create_order(const json::object& body) {
  OrderDraft d;
  std::string name, sealed;
  if (!required_string(body, "partnerOrderNo", d.partner_order_id, 64) ||
      !required_string(body, "msisdn", d.number) || !is_number_format(d.number) ||
      !required_string(body, "occupyNo", d.lock_id) ||
      !required_string(body, "productCode", d.plan_code) ||
      !required_string(body, "certName", name, kMaxNameBytes) ||
      !required_string(body, "certNoEnc", sealed, kMaxEncryptedIdLength) ||
      !required_string(body, "notifyUrl", d.notify_url, 2048) || url_target(d.notify_url).empty() ||
      !receiver_ok(body))
    return error("1101");
  const auto id_number = open_id_number(sealed);
  if (!id_number) return error("1102");

  const int64_t now = ctx_.clock.now_ms();
  const auto kyc = assess(*id_number, now);
  d.applicant_key = kyc.normalized_id.empty() ? "" : applicant_key(kyc.normalized_id);
  d.order_id = ctx_.ids.digits("MV", 18);
  const int64_t delay = settings_.activation_delay_ms;

  // Runs under the ledger's lock, after dedupe and the occupation checks, in
  // the order of the doc: product (2101), then the applicant (3xxx / 3101).
  auto gate = [&](int active_lines) {
    GateDecision g;
    if (!product_exists(d.plan_code)) return g.code = "2101", g;
    if (kyc.verdict == Verdict::kReject) return g.code = kyc.code, g;
    if (kyc.verdict == Verdict::kUnavailable) return g.code = "3101", g;
    // In-flight orders count too, so concurrent orders cannot pass 5.
    if (active_lines >= kMaxLinesPerId) return g.code = "3005", g;
    // kPass, and kReview which an order treats as approved after the delay.
    g.plan.due_ms = now + delay;
    if (d.plan_code == kProductReject) {
      g.plan.final_state = OrderState::kFailed;
      g.plan.fail_reason = "3008";
    } else if (d.plan_code == kProductStuck) {
      g.plan.due_ms = -1;
    } else if (d.plan_code == kProductNoCallback) {
      g.plan.notify = false;
    } else if (d.plan_code == kProductReturn) {
      g.plan.returned = true;  // shipped, then back undelivered at the due time
    } else if (d.plan_code == kProductEvents) {
      g.plan.script = EventScript::kAllStages;
    } else if (d.plan_code == kProductEventsOutOfOrder) {
      g.plan.script = EventScript::kOutOfOrder;
    }
    return g;
  };
  auto out = ctx_.ledger.submit(d, gate, now);
  switch (out.result) {
    case SubmitResult::kLockNotFound:
      return error("2003");
    case SubmitResult::kWrongNumber:
      return error("2004");
    case SubmitResult::kRejected:
      spdlog::info("mvno: order {} refused {} (applicant {})", d.partner_order_id, out.code,
                   id::mask_id_number(*id_number));
      return error(out.code);
    case SubmitResult::kCreated:
      spdlog::info("mvno: order {} ({}) accepted: number {}, product {}, applicant {} {}",
                   out.order.order_id, out.order.partner_order_id, out.order.number,
                   out.order.plan_code, id::mask_name(name), id::mask_id_number(*id_number));
      break;
    case SubmitResult::kDuplicate:
      // The same partner order no. for another number is a partner bug,
      // never a resubmission.
      if (out.order.number != d.number) return error("4002");
      spdlog::info("mvno: order {} resubmitted ({} times)", out.order.order_id,
                   out.order.submit_count);
      break;
  }
  Reply r;
  r.data["orderNo"] = out.order.order_id;
  r.data["orderStatus"] = order_status_name(out.order.stage);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::query_order(const json::object& body) {
  std::string order_id, partner_order_id;
  if (read_string(body, "orderNo", order_id, 64) == Field::kBad ||
      read_string(body, "partnerOrderNo", partner_order_id, 64) == Field::kBad ||
      (order_id.empty() && partner_order_id.empty()))
    return error("1101");
  auto order = ctx_.ledger.find_order(order_id, partner_order_id);
  if (!order) return error("4001");
  Reply r;
  r.data["orderNo"] = order->order_id;
  r.data["partnerOrderNo"] = order->partner_order_id;
  put_order_fields(*order, order->stage, r.data);
  return r;
}

MvnoSimulator::Reply MvnoSimulator::replace_sim(const json::object& body) {
  ReplacementDraft d;
  std::string name, sealed, reason;
  if (!required_string(body, "partnerOrderNo", d.partner_replacement_id, 64) ||
      !required_string(body, "msisdn", d.msisdn) || !is_number_format(d.msisdn) ||
      !required_string(body, "certName", name, kMaxNameBytes) ||
      !required_string(body, "certNoEnc", sealed, kMaxEncryptedIdLength) ||
      !required_string(body, "replaceReason", reason) ||
      (reason != "LOST" && reason != "DAMAGED") ||
      !required_string(body, "notifyUrl", d.notify_url, 2048) || url_target(d.notify_url).empty() ||
      !receiver_ok(body))
    return error("1101");
  const auto id_number = open_id_number(sealed);
  if (!id_number) return error("1102");
  // The holder is checked as at order time, then against the line's owner.
  const auto kyc = assess(*id_number, ctx_.clock.now_ms());
  if (kyc.verdict == Verdict::kReject) return error(kyc.code);
  if (kyc.verdict == Verdict::kUnavailable) return error("3101");
  d.holder_key = applicant_key(kyc.normalized_id);
  d.order_id = ctx_.ids.digits("MV", 18);
  const auto out = ctx_.ledger.replace_sim(d, ctx_.clock.now_ms());
  switch (out.result) {
    case ReplaceResult::kLineNotFound:
      return error("5001");
    case ReplaceResult::kIdentityMismatch:
      spdlog::info("mvno: SIM replacement {} for {} refused: holder {} is not the owner",
                   d.partner_replacement_id, d.msisdn, id::mask_id_number(*id_number));
      return error("5201");
    case ReplaceResult::kLineCancelled:
      return error("5002");
    case ReplaceResult::kIdConflict:
      return error("4002");
    case ReplaceResult::kCreated:
    case ReplaceResult::kDuplicate:
      break;
  }
  spdlog::info("mvno: SIM replacement {} ({}) for {} ({}): holder {} {}", out.order.order_id,
               out.order.partner_order_id, d.msisdn, reason, id::mask_name(name),
               id::mask_id_number(*id_number));
  Reply r;
  r.data["orderNo"] = out.order.order_id;
  r.data["orderStatus"] = order_status_name(out.order.stage);
  return r;
}

}  // namespace cgw::sim::mvno
