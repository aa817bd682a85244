// The order lifecycle of the ledger: planning an order's stages, moving it
// through them, cancelling it, and SIM replacements (orders of their own).
#include "cgw/sim/ledger.hpp"

#include <array>

namespace cgw::sim {

const char* to_string(OrderStage s) {
  switch (s) {
    case OrderStage::kAccepted:
      return "accepted";
    case OrderStage::kReviewing:
      return "reviewing";
    case OrderStage::kShipped:
      return "shipped";
    case OrderStage::kDelivered:
      return "delivered";
    case OrderStage::kActivated:
      return "activated";
    case OrderStage::kFirstTopup:
      return "first_topup";
    case OrderStage::kFailed:
      return "failed";
    case OrderStage::kCancelled:
      return "cancelled";
    case OrderStage::kReturned:
      return "returned";
  }
  return "accepted";
}

const char* to_string(OrderKind k) {
  return k == OrderKind::kSimReplacement ? "sim_replacement" : "activation";
}

namespace {

// FNV-1a: a stable hash, so a seeded run gives the same waybills every time
// (std::hash may differ between library versions).
uint64_t stable_hash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// The courier and a waybill number derived from the order id.
std::pair<std::string, std::string> courier_for(std::string_view order_id) {
  static constexpr std::array<const char*, 3> kCouriers = {"SF", "EMS", "JD"};
  const uint64_t h = stable_hash(order_id);
  std::string waybill = kCouriers[h % kCouriers.size()];
  std::string digits = std::to_string(h % 1'000'000'000'000ULL);
  waybill.append(12 - digits.size(), '0').append(digits);
  return {kCouriers[h % kCouriers.size()], std::move(waybill)};
}

int64_t at_fraction(int64_t from, int64_t to, double fraction) {
  return from + static_cast<int64_t>(static_cast<double>(to - from) * fraction);
}

// The stages that end the coarse OrderState (first_topup comes after it).
bool is_final(OrderStage s) {
  return s == OrderStage::kActivated || s == OrderStage::kFailed || s == OrderStage::kCancelled ||
         s == OrderStage::kReturned;
}

}  // namespace

void Ledger::set_lifecycle(const LifecycleSettings& settings) {
  std::lock_guard lock(mu_);
  lifecycle_ = settings;
}

LifecycleSettings Ledger::lifecycle() const {
  std::lock_guard lock(mu_);
  return lifecycle_;
}

void Ledger::plan_script(Order& order) {
  const OrderPlan& p = order.plan;
  order.stage = OrderStage::kReviewing;
  auto at = [&](double fraction) { return at_fraction(order.created_ms, p.due_ms, fraction); };
  auto& s = order.schedule;
  if (p.script == EventScript::kAllStages) {
    s.push_back({at(1.0 / 3), OrderStage::kShipped});
    s.push_back({at(2.0 / 3), OrderStage::kDelivered});
    s.push_back({p.due_ms, OrderStage::kActivated});
    return;
  }
  s.push_back({at(0.25), OrderStage::kDelivered});
  s.push_back({at(0.5), OrderStage::kShipped, true});
  s.push_back({at(0.75), OrderStage::kActivated});
  s.push_back({p.due_ms, OrderStage::kShipped, true});
}

void Ledger::plan_lifecycle(Order& order) {
  const OrderPlan& p = order.plan;
  order.stage = p.review ? OrderStage::kReviewing : OrderStage::kAccepted;
  order.schedule.clear();
  order.next_point = 0;
  if (p.due_ms < 0) return;  // stays where it is (a stuck order)
  if (p.script != EventScript::kNone) return plan_script(order);
  const int64_t ship = at_fraction(order.created_ms, p.due_ms, lifecycle_.ship_fraction);
  const int64_t deliver = at_fraction(order.created_ms, p.due_ms, lifecycle_.deliver_fraction);
  auto& s = order.schedule;
  if (p.final_state == OrderState::kFailed && !p.returned) {
    s.push_back({p.due_ms, OrderStage::kFailed});
  } else if (!lifecycle_.fulfilment) {
    s.push_back({p.due_ms, p.returned ? OrderStage::kReturned : OrderStage::kActivated});
  } else if (p.returned) {
    s.push_back({ship, OrderStage::kShipped});
    s.push_back({p.due_ms, OrderStage::kReturned});
  } else {
    s.push_back({ship, OrderStage::kShipped});
    s.push_back({deliver, OrderStage::kDelivered});
    s.push_back({p.due_ms, OrderStage::kActivated});
    if (p.first_topup && order.kind == OrderKind::kActivation &&
        lifecycle_.first_topup_delay_ms >= 0)
      s.push_back({p.due_ms + lifecycle_.first_topup_delay_ms, OrderStage::kFirstTopup});
  }
}

void Ledger::schedule_next(const Order& order) {
  if (order.next_point < order.schedule.size())
    due_.emplace(order.schedule[order.next_point].at_ms, order.order_id);
}

void Ledger::enter_stage(Order& order, OrderStage stage, int64_t now_ms, std::vector<Order>* done) {
  order.stage = stage;
  order.stage_ms = now_ms;
  const bool activation = order.kind == OrderKind::kActivation;
  // A delivery reported before any shipment (EventScript::kOutOfOrder)
  // still has its courier.
  if (stage == OrderStage::kShipped || (stage == OrderStage::kDelivered && order.courier.empty())) {
    std::tie(order.courier, order.waybill) = courier_for(order.order_id);
  } else if (stage == OrderStage::kFirstTopup) {
    first_topup(order, now_ms);
  } else if (is_final(stage)) {
    // activated, failed, cancelled, returned: the coarse state ends.
    const bool success = stage == OrderStage::kActivated;
    order.state = success ? OrderState::kSuccess : OrderState::kFailed;
    order.fail_reason = stage == OrderStage::kFailed      ? order.plan.fail_reason
                        : stage == OrderStage::kCancelled ? "cancelled"
                        : stage == OrderStage::kReturned  ? "returned"
                                                          : "";
    order.finished_ms = now_ms;
    if (activation) {
      if (--pending_[order.applicant_key] <= 0) pending_.erase(order.applicant_key);
      if (Slot* s = slot(order.number)) {
        // A failed order gives the number back.
        set_state(*s, success ? NumberState::kSold : NumberState::kIdle);
        if (success) ++lines_[order.applicant_key];
      }
    }
    if (success) open_line(order, now_ms);
    if (done) done->push_back(order);
  }
  stage_changes_.push_back(StageChange{order, stage, now_ms});
}

void Ledger::open_line(const Order& order, int64_t now_ms) {
  if (order.kind == OrderKind::kSimReplacement) {
    auto it = subscribers_.find(order.number);
    if (it != subscribers_.end()) ++it->second.replacements;
    return;
  }
  Line line;
  line.msisdn = order.number;
  line.owner_key = order.applicant_key;
  line.plan_code = order.plan_code;
  line.order_id = order.order_id;
  line.balance_fen = lifecycle_.initial_balance_fen;
  line.data_left_mb = lifecycle_.initial_data_mb;
  line.voice_left_minutes = lifecycle_.initial_voice_minutes;
  line.activated_ms = line.changed_ms = now_ms;
  if (subscribers_.emplace(line.msisdn, line).second) subscriber_seq_.push_back(line.msisdn);
}

void Ledger::first_topup(Order& order, int64_t now_ms) {
  auto it = subscribers_.find(order.number);
  if (it == subscribers_.end()) return;
  Line& line = it->second;
  order.first_topup_fen = lifecycle_.first_topup_fen;
  line.balance_fen += order.first_topup_fen;
  Recharge r;
  r.recharge_id = std::string("FT").append(std::to_string(++first_topups_));
  r.msisdn = line.msisdn;
  r.amount_fen = order.first_topup_fen;
  r.balance_after_fen = line.balance_fen;
  r.at_ms = now_ms;
  r.first_topup = true;
  recharges_.push_back(std::move(r));
}

CancelOutcome Ledger::cancel(std::string_view order_id, std::string_view partner_order_id,
                             int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  CancelOutcome out;
  Order* order = find_order_locked(order_id, partner_order_id);
  if (!order) return out;  // kNotFound
  switch (order->stage) {
    case OrderStage::kAccepted:
    case OrderStage::kReviewing:
      if (order->next_point < order->schedule.size())
        due_.erase({order->schedule[order->next_point].at_ms, order->order_id});
      order->next_point = order->schedule.size();
      enter_stage(*order, OrderStage::kCancelled, now_ms, nullptr);
      out.result = CancelResult::kCancelled;
      break;
    case OrderStage::kCancelled:
      out.result = CancelResult::kCancelled;  // idempotent
      break;
    case OrderStage::kShipped:
    case OrderStage::kDelivered:
      out.result = CancelResult::kRefused;
      out.reason = CancelReasons::kAlreadyShipped;
      break;
    case OrderStage::kActivated:
    case OrderStage::kFirstTopup:
      out.result = CancelResult::kRefused;
      out.reason = CancelReasons::kAlreadyActivated;
      break;
    case OrderStage::kFailed:
    case OrderStage::kReturned:
      out.result = CancelResult::kRefused;
      out.reason = CancelReasons::kAlreadyFinished;
      break;
  }
  out.order = *order;
  return out;
}

ReplaceOutcome Ledger::replace_sim(const ReplacementDraft& draft, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  ReplaceOutcome out;
  // Dedupe first: the partner's retry of a replacement whose answer it lost.
  if (auto it = by_partner_id_.find(draft.partner_replacement_id); it != by_partner_id_.end()) {
    Order& existing = orders_.at(it->second);
    if (existing.kind != OrderKind::kSimReplacement || existing.number != draft.msisdn) {
      out.result = ReplaceResult::kIdConflict;
      return out;
    }
    ++existing.submit_count;
    out.result = ReplaceResult::kDuplicate;
    out.order = existing;
    return out;
  }
  auto line = subscribers_.find(draft.msisdn);
  if (line == subscribers_.end()) return out;  // kLineNotFound
  if (line->second.owner_key.empty() || line->second.owner_key != draft.holder_key) {
    out.result = ReplaceResult::kIdentityMismatch;
    return out;
  }
  if (line->second.status == LineStatus::kCancelled) {
    out.result = ReplaceResult::kLineCancelled;
    return out;
  }
  Order order;
  order.kind = OrderKind::kSimReplacement;
  order.order_id = draft.order_id;
  order.partner_order_id = draft.partner_replacement_id;
  order.number = draft.msisdn;
  order.plan_code = line->second.plan_code;
  order.notify_url = draft.notify_url;
  order.applicant_key = line->second.owner_key;
  order.created_ms = order.stage_ms = now_ms;
  order.plan.due_ms = now_ms + lifecycle_.replacement_delay_ms;
  plan_lifecycle(order);
  by_partner_id_.emplace(order.partner_order_id, order.order_id);
  order_seq_.push_back(order.order_id);
  auto& stored = orders_.emplace(order.order_id, std::move(order)).first->second;
  schedule_next(stored);
  out.result = ReplaceResult::kCreated;
  out.order = stored;
  return out;
}

}  // namespace cgw::sim
