// The lines (subscribers) of the ledger: queries, top-ups, suspensions.
#include "cgw/sim/ledger.hpp"

namespace cgw::sim {

const char* to_string(LineStatus s) {
  switch (s) {
    case LineStatus::kActive:
      return "active";
    case LineStatus::kSuspended:
      return "suspended";
    case LineStatus::kCancelled:
      return "cancelled";
  }
  return "active";
}

const char* to_string(SuspendedBy s) {
  switch (s) {
    case SuspendedBy::kNone:
      return "";
    case SuspendedBy::kCarrier:
      return "carrier";
    case SuspendedBy::kHolder:
      return "holder";
  }
  return "";
}

std::optional<Line> Ledger::find_line(std::string_view msisdn) const {
  std::lock_guard lock(mu_);
  auto it = subscribers_.find(std::string(msisdn));
  if (it == subscribers_.end()) return std::nullopt;
  return it->second;
}

RechargeOutcome Ledger::recharge(const RechargeDraft& draft, int64_t now_ms) {
  std::lock_guard lock(mu_);
  RechargeOutcome out;
  // Dedupe first: a retry answers the first top-up, whatever it carries.
  if (auto it = by_partner_recharge_.find(draft.partner_recharge_id);
      it != by_partner_recharge_.end()) {
    Recharge& first = recharges_.at(it->second);
    ++first.request_count;
    out.result = RechargeResult::kDuplicate;
    out.recharge = first;
    return out;
  }
  auto line = subscribers_.find(draft.msisdn);
  if (line == subscribers_.end()) return out;  // kLineNotFound: nothing recorded
  Recharge r;
  r.recharge_id = draft.recharge_id;
  r.partner_recharge_id = draft.partner_recharge_id;
  r.msisdn = draft.msisdn;
  r.amount_fen = draft.amount_fen;
  r.at_ms = now_ms;
  r.fail_reason = draft.fail_reason;
  if (r.fail_reason.empty() && line->second.status == LineStatus::kCancelled)
    r.fail_reason = "line_cancelled";
  r.succeeded = r.fail_reason.empty();
  if (r.succeeded) {
    line->second.balance_fen += r.amount_fen;
    line->second.changed_ms = now_ms;
  }
  r.balance_after_fen = line->second.balance_fen;
  if (!r.partner_recharge_id.empty())
    by_partner_recharge_.emplace(r.partner_recharge_id, recharges_.size());
  recharges_.push_back(r);
  out.result = RechargeResult::kDone;
  out.recharge = std::move(r);
  return out;
}

std::optional<Recharge> Ledger::find_recharge(std::string_view partner_recharge_id) const {
  std::lock_guard lock(mu_);
  auto it = by_partner_recharge_.find(std::string(partner_recharge_id));
  if (partner_recharge_id.empty() || it == by_partner_recharge_.end()) return std::nullopt;
  return recharges_.at(it->second);
}

LineOutcome Ledger::suspend_line(std::string_view msisdn, SuspendedBy by, std::string_view reason,
                                 int64_t now_ms) {
  std::lock_guard lock(mu_);
  LineOutcome out;
  auto it = subscribers_.find(std::string(msisdn));
  if (it == subscribers_.end()) return out;
  Line& line = it->second;
  out.result = LineChangeResult::kOk;
  if (line.status == LineStatus::kCancelled) {
    out.result = LineChangeResult::kCancelled;
  } else if (line.status == LineStatus::kActive ||
             (by == SuspendedBy::kCarrier && line.suspended_by != SuspendedBy::kCarrier)) {
    // The carrier's suspension takes over a holder's: only the carrier can
    // lift it then.
    line.status = LineStatus::kSuspended;
    line.suspended_by = by;
    line.reason = std::string(reason);
    line.changed_ms = now_ms;
    out.changed = true;
  }
  out.line = line;
  return out;
}

LineOutcome Ledger::resume_line(std::string_view msisdn, SuspendedBy by, int64_t now_ms) {
  std::lock_guard lock(mu_);
  LineOutcome out;
  auto it = subscribers_.find(std::string(msisdn));
  if (it == subscribers_.end()) return out;
  Line& line = it->second;
  out.result = LineChangeResult::kOk;
  if (line.status == LineStatus::kCancelled) {
    out.result = LineChangeResult::kCancelled;
  } else if (line.status == LineStatus::kSuspended) {
    if (line.suspended_by == SuspendedBy::kCarrier && by != SuspendedBy::kCarrier) {
      out.result = LineChangeResult::kCarrierSuspended;
    } else {
      line.status = LineStatus::kActive;
      line.suspended_by = SuspendedBy::kNone;
      line.reason.clear();
      line.changed_ms = now_ms;
      out.changed = true;
    }
  }
  out.line = line;
  return out;
}

std::vector<Line> Ledger::lines() const {
  std::lock_guard lock(mu_);
  std::vector<Line> out;
  out.reserve(subscriber_seq_.size());
  for (const auto& m : subscriber_seq_) out.push_back(subscribers_.at(m));
  return out;
}

std::vector<Recharge> Ledger::recharges() const {
  std::lock_guard lock(mu_);
  return recharges_;
}

}  // namespace cgw::sim
