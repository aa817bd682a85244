// Real-name check, the three-call activation (create, photos, confirm),
// order query and the final-state callback (docs/carriers/telecom.md).
#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/sim/telecom/catalog.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "kyc.hpp"
#include "xml_io.hpp"

#include <spdlog/spdlog.h>

#include <set>

namespace cgw::sim::telecom {

namespace {
constexpr size_t kMaxIdLength = 64, kMaxNameBytes = 128, kMaxOrderIdBytes = 64;
constexpr size_t kMaxPhotoB64Bytes = 3 * 1024 * 1024, kMaxPhotoBytes = 2 * 1024 * 1024;

// Empty text allowed (delivery fields need not be filled), at most 512 bytes.
bool text_or_empty(pugi::xml_node parent, const char* name, std::string& out) {
  bool duplicate = false;
  pugi::xml_node n = single_child(parent, name, duplicate);
  if (!n || duplicate) return false;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element) return false;
  out = n.text().get();
  return out.size() <= 512;
}

// The declared format must match the image's signature bytes.
bool image_matches(std::string_view format, std::string_view bytes) {
  if (format == "PNG") return bytes.starts_with("\x89PNG\r\n\x1a\n");
  if (format == "JPEG") return bytes.starts_with("\xFF\xD8\xFF");
  return false;
}

}  // namespace

std::string TelecomSimulator::status_of(const Draft& d, std::string* fail_code) const {
  if (d.status == DraftStatus::kCreated) return "CREATED";
  if (d.status == DraftStatus::kPhotosUploaded) return "PHOTOS_UPLOADED";
  if (d.status == DraftStatus::kCancelled) return "CANCELLED";
  auto order = ctx_.ledger.find_order(d.order_id, "");
  if (!order) return "PROCESSING";
  if (fail_code && order->stage == OrderStage::kFailed) *fail_code = order->fail_reason;
  return order_stage_name(order->stage);
}

TelecomSimulator::Draft* TelecomSimulator::find_draft_locked(const std::string& order_id,
                                                             const std::string& partner_id) {
  std::string id = order_id;
  if (id.empty()) {
    auto p = by_partner_id_.find(partner_id);
    if (p == by_partner_id_.end()) return nullptr;
    id = p->second;
  }
  auto it = drafts_.find(id);
  if (it == drafts_.end() || (!partner_id.empty() && it->second.partner_order_id != partner_id))
    return nullptr;
  return &it->second;
}

TelecomSimulator::Code TelecomSimulator::check_realname(pugi::xml_node request,
                                                        pugi::xml_node data) {
  std::string type, name, cert_no, portrait;
  if (!required_text(request, "CertType", type) || type != "ID_CARD" ||
      !required_text(request, "CertName", name, kMaxNameBytes) ||
      !required_text(request, "CertNo", cert_no, kMaxIdLength))
    return "20002";
  if (auto f = read_text(request, "Portrait", portrait, kMaxPhotoB64Bytes);
      f == Field::kBad || (f == Field::kOk && !crypto::base64_decode(portrait)))
    return "20002";
  const auto a = assess_applicant(cert_no, ctx_.clock.now_ms());
  if (a.verdict == KycVerdict::kUnavailable) return std::string(kUpstreamTimeoutCode);
  std::string result = "PASS", reason;
  if (a.verdict == KycVerdict::kReject) {
    result = "REJECT";
    reason = a.reason;
  } else if (a.verdict == KycVerdict::kReview) {
    result = "REVIEW";  // no code: manual review
  } else if (ctx_.ledger.active_lines(applicant_key(a.normalized_id)) >= kMaxLinesPerId) {
    result = "REJECT";
    reason = kQuotaCode;
  }
  add_text(data, "CheckId", ctx_.ids.token("CK", 16));
  add_text(data, "Result", result);
  add_text(data, "ReasonCode", reason);
  spdlog::info("telecom: realname {} {} -> {} {}", id::mask_name(name), id::mask_id_number(cert_no),
               result, reason);
  return "0";
}

TelecomSimulator::Code TelecomSimulator::create_order(pugi::xml_node request, pugi::xml_node data) {
  Draft d;
  std::string type, name, cert_no, dname, dphone, daddress;
  bool dup_customer = false, dup_delivery = false;
  const pugi::xml_node customer = single_child(request, "Customer", dup_customer);
  const pugi::xml_node delivery = single_child(request, "Delivery", dup_delivery);
  if (!required_text(request, "PartnerOrderId", d.partner_order_id, kMaxOrderIdBytes) ||
      !required_text(request, "Msisdn", d.number) || !is_number_format(d.number) ||
      !required_text(request, "ReserveId", d.reserve_id) ||
      !required_text(request, "PlanCode", d.plan_code, 64) ||
      !required_text(request, "NotifyUrl", d.notify_url, 2048) ||
      url_target(d.notify_url).empty() || !customer || dup_customer || !delivery || dup_delivery ||
      !required_text(customer, "CertType", type) || type != "ID_CARD" ||
      !required_text(customer, "CertName", name, kMaxNameBytes) ||
      !required_text(customer, "CertNo", cert_no, kMaxIdLength) ||
      !text_or_empty(delivery, "Name", dname) || !text_or_empty(delivery, "Phone", dphone) ||
      !text_or_empty(delivery, "Address", daddress))
    return "20002";

  const int64_t now = ctx_.clock.now_ms();
  const auto kyc = assess_applicant(cert_no, now);
  d.applicant_key = kyc.normalized_id.empty() ? "" : applicant_key(kyc.normalized_id);
  d.review = kyc.verdict == KycVerdict::kReview;
  std::lock_guard lock(drafts_mu_);
  // Dedupe first: a resubmission finds its order whatever happened since.
  if (auto it = by_partner_id_.find(d.partner_order_id); it != by_partner_id_.end()) {
    Draft& existing = drafts_.at(it->second);
    if (existing.number != d.number || existing.reserve_id != d.reserve_id ||
        existing.plan_code != d.plan_code || existing.applicant_key != d.applicant_key)
      return "50004";
    ++existing.create_count;
    spdlog::info("telecom: order {} created again ({} times)", existing.order_id,
                 existing.create_count);
    add_text(data, "OrderId", existing.order_id);
    add_text(data, "PartnerOrderId", existing.partner_order_id);
    add_text(data, "Status", status_of(existing, nullptr));
    return "0";
  }
  if (!plan_exists(d.plan_code)) return "30005";
  if (kyc.verdict == KycVerdict::kReject) return kyc.reason;
  if (kyc.verdict == KycVerdict::kUnavailable) return std::string(kUpstreamTimeoutCode);
  // Early refusals; confirm checks the quota and the reservation again,
  // atomically, in the ledger.
  if (ctx_.ledger.active_lines(d.applicant_key) >= kMaxLinesPerId) return std::string(kQuotaCode);
  bool reserved = false;
  for (const auto& r : ctx_.ledger.reservations()) {
    if (r.lock_id != d.reserve_id) continue;
    if (r.state != LockState::kActive || r.expire_ms <= now) return "30003";
    if (r.number != d.number) return "30004";
    reserved = true;
  }
  if (!reserved) return "30003";

  d.order_id = ctx_.ids.digits("TO", 18);
  spdlog::info("telecom: order {} ({}) created: number {}, plan {}, applicant {} {}", d.order_id,
               d.partner_order_id, d.number, d.plan_code, id::mask_name(name),
               id::mask_id_number(cert_no));
  add_text(data, "OrderId", d.order_id);
  add_text(data, "PartnerOrderId", d.partner_order_id);
  add_text(data, "Status", "CREATED");
  by_partner_id_.emplace(d.partner_order_id, d.order_id);
  draft_seq_.push_back(d.order_id);
  drafts_.emplace(d.order_id, std::move(d));
  return "0";
}

TelecomSimulator::Code TelecomSimulator::upload_photos(pugi::xml_node request,
                                                       pugi::xml_node data) {
  std::string order_id;
  bool duplicate = false;
  const pugi::xml_node photos = single_child(request, "Photos", duplicate);
  if (!required_text(request, "OrderId", order_id, kMaxOrderIdBytes) || !photos || duplicate)
    return "20002";
  std::set<std::string> types;
  bool photo_ok = true;
  for (pugi::xml_node p : photos.children()) {
    if (p.type() != pugi::node_element) continue;
    std::string type, format, content;
    if (std::string_view(p.name()) != "Photo" || !required_text(p, "Type", type) ||
        !required_text(p, "Format", format) ||
        !required_text(p, "Content", content, kMaxPhotoB64Bytes) ||
        (type != "ID_FRONT" && type != "ID_BACK" && type != "PORTRAIT") ||
        !types.insert(type).second)
      return "20002";
    auto bytes = crypto::base64_decode(content);
    if (!bytes || bytes->size() > kMaxPhotoBytes || !image_matches(format, *bytes))
      photo_ok = false;
  }
  if (types.size() != 3) return "20002";  // ID_FRONT, ID_BACK and PORTRAIT, once each
  std::lock_guard lock(drafts_mu_);
  auto it = drafts_.find(order_id);
  if (it == drafts_.end()) return "50001";
  if (it->second.status == DraftStatus::kConfirmed || it->second.status == DraftStatus::kCancelled)
    return "50002";
  if (!photo_ok) return "50005";
  it->second.status = DraftStatus::kPhotosUploaded;
  ++it->second.photo_uploads;
  add_text(data, "OrderId", order_id);
  add_text(data, "Status", "PHOTOS_UPLOADED");
  return "0";
}

TelecomSimulator::Code TelecomSimulator::confirm_order(pugi::xml_node request,
                                                       pugi::xml_node data) {
  std::string order_id;
  if (!required_text(request, "OrderId", order_id, kMaxOrderIdBytes)) return "20002";
  std::lock_guard lock(drafts_mu_);
  auto it = drafts_.find(order_id);
  if (it == drafts_.end()) return "50001";
  Draft& d = it->second;
  if (d.status == DraftStatus::kCancelled) return "50002";
  if (d.status == DraftStatus::kCreated) return "50003";
  if (d.status == DraftStatus::kPhotosUploaded) {
    const int64_t now = ctx_.clock.now_ms();
    const auto plan_code = d.plan_code;
    const int64_t delay = settings_.activation_delay_ms;
    // Runs under the ledger's lock, after the reservation checks: the plan,
    // then the applicant's line quota (orders in progress count, so
    // concurrent orders cannot pass 5). The identity itself was checked at
    // orders/create.
    auto gate = [&](int active_lines) {
      GateDecision g;
      if (!plan_exists(plan_code)) return g.code = "30005", g;
      if (active_lines >= kMaxLinesPerId) return g.code = std::string(kQuotaCode), g;
      g.plan.due_ms = now + delay;
      g.plan.review = d.review;  // REVIEWING until the delay ends
      if (plan_code == kPlanReturn) {
        g.plan.returned = true;  // SHIPPED, then RETURNED at the delay
      } else if (plan_code == kPlanReject) {
        g.plan.final_state = OrderState::kFailed;
        g.plan.fail_reason = "40008";
      } else if (plan_code == kPlanStuck) {
        g.plan.due_ms = -1;
      } else if (plan_code == kPlanNoCallback) {
        g.plan.notify = false;
      } else if (plan_code == kPlanEvents) {
        g.plan.script = EventScript::kAllStages;
      } else if (plan_code == kPlanEventsOutOfOrder) {
        g.plan.script = EventScript::kOutOfOrder;
      }
      return g;
    };
    OrderDraft od{d.order_id,  d.partner_order_id, d.number,       d.reserve_id,
                  d.plan_code, d.notify_url,       d.applicant_key};
    auto out = ctx_.ledger.submit(od, gate, now);
    switch (out.result) {
      case SubmitResult::kLockNotFound:
        return "30003";
      case SubmitResult::kWrongNumber:
        return "30004";
      case SubmitResult::kRejected:
        spdlog::info("telecom: order {} confirm refused {}", d.order_id, out.code);
        return out.code;
      case SubmitResult::kCreated:
      case SubmitResult::kDuplicate:
        break;
    }
    d.status = DraftStatus::kConfirmed;
    spdlog::info("telecom: order {} confirmed, processing", d.order_id);
  }
  // A confirmed order confirmed again answers its current status.
  std::string fail_code;
  add_text(data, "OrderId", d.order_id);
  add_text(data, "PartnerOrderId", d.partner_order_id);
  add_text(data, "Status", status_of(d, &fail_code));
  add_text(data, "FailCode", fail_code);
  return "0";
}

TelecomSimulator::Code TelecomSimulator::query_order(pugi::xml_node request, pugi::xml_node data) {
  std::string order_id, partner_id;
  const Field f1 = read_text(request, "OrderId", order_id, kMaxOrderIdBytes);
  const Field f2 = read_text(request, "PartnerOrderId", partner_id, kMaxOrderIdBytes);
  if (f1 == Field::kBad || f2 == Field::kBad || (f1 != Field::kOk && f2 != Field::kOk))
    return "20002";
  std::lock_guard lock(drafts_mu_);
  const Draft* d = find_draft_locked(order_id, partner_id);
  if (!d) {
    // A SIM replacement is an order of the ledger only, filed under the
    // partner's replacement id.
    auto o = ctx_.ledger.find_order(order_id, partner_id);
    if (!o || o->kind != OrderKind::kSimReplacement ||
        (!partner_id.empty() && o->partner_order_id != partner_id))
      return "50001";
    put_order(data, *o);
    return "0";
  }
  auto o =
      d->status == DraftStatus::kConfirmed ? ctx_.ledger.find_order(d->order_id, "") : std::nullopt;
  if (o) {
    put_order(data, *o);
    return "0";
  }
  std::string fail_code;
  add_text(data, "OrderId", d->order_id);
  add_text(data, "PartnerOrderId", d->partner_order_id);
  add_text(data, "Status", status_of(*d, &fail_code));
  add_text(data, "FailCode", fail_code);
  return "0";
}

void TelecomSimulator::on_order_final(const Order& order) {
  // The callbacks go out per stage (on_stage, aftersales.cpp).
  spdlog::info("telecom: order {} is {}{}{}", order.order_id, order_stage_name(order.stage),
               order.fail_reason.empty() ? "" : " ", order.fail_reason);
}

}  // namespace cgw::sim::telecom
