#include "cgw/sim/ledger.hpp"

#include "cgw/sim/magic_numbers.hpp"

#include <unordered_set>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace cgw::sim {

const char* to_string(NumberState s) {
  switch (s) {
    case NumberState::kIdle:
      return "idle";
    case NumberState::kLocked:
      return "locked";
    case NumberState::kSold:
      return "sold";
  }
  return "idle";
}

const char* to_string(LockState s) {
  switch (s) {
    case LockState::kActive:
      return "ACTIVE";
    case LockState::kReleased:
      return "RELEASED";
    case LockState::kConsumed:
      return "CONSUMED";
    case LockState::kExpired:
      return "EXPIRED";
  }
  return "ACTIVE";
}

const char* to_string(OrderState s) {
  switch (s) {
    case OrderState::kProcessing:
      return "PROCESSING";
    case OrderState::kSuccess:
      return "SUCCESS";
    case OrderState::kFailed:
      return "FAILED";
  }
  return "PROCESSING";
}

Ledger::Ledger(std::vector<NumberRecord> pool) {
  slots_.reserve(pool.size());
  for (auto& rec : pool) slots_.push_back(Slot{std::move(rec), NumberState::kIdle});
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (i > 0 && !(slots_[i - 1].record.number < slots_[i].record.number))
      throw std::invalid_argument("the pool must be sorted and distinct");
    index_.emplace(slots_[i].record.number, i);
  }
}

Ledger::Slot* Ledger::slot(std::string_view number) {
  auto it = index_.find(std::string(number));
  return it == index_.end() ? nullptr : &slots_[it->second];
}

void Ledger::expire_locks(int64_t now_ms, std::vector<Reservation>* expired) {
  while (!expiry_.empty() && expiry_.begin()->first <= now_ms) {
    auto node = expiry_.extract(expiry_.begin());
    auto& res = locks_.at(node.value().second);
    res.state = LockState::kExpired;
    if (Slot* s = slot(res.number); s && s->state == NumberState::kLocked)
      set_state(*s, NumberState::kIdle);
    if (expired) expired->push_back(res);
  }
}

std::vector<Reservation> Ledger::expire_due(int64_t now_ms) {
  std::lock_guard lock(mu_);
  std::vector<Reservation> expired;
  expire_locks(now_ms, &expired);
  return expired;
}

std::optional<int64_t> Ledger::next_due_ms() const {
  std::lock_guard lock(mu_);
  std::optional<int64_t> next;
  if (!expiry_.empty()) next = expiry_.begin()->first;
  if (!due_.empty() && (!next || due_.begin()->first < *next)) next = due_.begin()->first;
  return next;
}

Page Ledger::page(std::string_view after, size_t limit, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  Page page;
  auto it = std::upper_bound(slots_.begin(), slots_.end(), after,
                             [](std::string_view a, const Slot& s) { return a < s.record.number; });
  for (; it != slots_.end() && page.items.size() < limit; ++it)
    page.items.push_back(NumberView{it->record, it->state});
  page.has_more = it != slots_.end();
  page.change_seq = changes_.size();
  page.total = slots_.size();
  return page;
}

Page Ledger::changes(uint64_t since, size_t limit, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  Page page;
  page.total = slots_.size();
  uint64_t at = std::min<uint64_t>(since, changes_.size());
  // A number that changed twice is listed once, in its current state.
  std::unordered_set<uint32_t> listed;
  for (; at < changes_.size() && page.items.size() < limit; ++at)
    if (listed.insert(changes_[at]).second)
      page.items.push_back(NumberView{slots_[changes_[at]].record, slots_[changes_[at]].state});
  page.has_more = at < changes_.size();
  page.change_seq = at;
  return page;
}

bool Ledger::sell_elsewhere(std::string_view number, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  Slot* s = slot(number);
  if (!s || s->state != NumberState::kIdle) return false;
  set_state(*s, NumberState::kSold);
  return true;
}

void Ledger::set_state(Slot& s, NumberState state) {
  s.state = state;
  changes_.push_back(static_cast<uint32_t>(&s - slots_.data()));
}

std::optional<NumberView> Ledger::find_number(std::string_view number, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  if (Slot* s = slot(number)) return NumberView{s->record, s->state};
  return std::nullopt;
}

std::pair<LockResult, Reservation> Ledger::lock(const ReserveRequest& req, int64_t now_ms) {
  // Magic numbers (magic_numbers.hpp) answer the same whatever happened.
  if (auto magic = magic_reserve(req.number))
    return {*magic == MagicReserve::kNotInPool ? LockResult::kNotFound : LockResult::kUnavailable,
            {}};
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  Slot* s = slot(req.number);
  if (!s) return {LockResult::kNotFound, {}};
  if (!req.partner_lock_id.empty() && s->state == NumberState::kLocked) {
    // The partner's retry of a lock whose answer it lost: the same partner
    // lock id on the same number gets its active lock back, not a refusal.
    auto p = by_partner_lock_.find(req.partner_lock_id);
    if (p != by_partner_lock_.end()) {
      const Reservation& mine = locks_.at(p->second);
      if (mine.number == req.number && mine.state == LockState::kActive)
        return {LockResult::kOk, mine};
    }
  }
  if (s->state != NumberState::kIdle) return {LockResult::kUnavailable, {}};
  if (locks_.count(req.lock_id)) throw std::logic_error("lock id reused");
  Reservation res{req.lock_id, req.number,           req.partner_lock_id,
                  now_ms,      now_ms + req.hold_ms, LockState::kActive};
  set_state(*s, NumberState::kLocked);
  locks_.emplace(res.lock_id, res);
  if (!res.partner_lock_id.empty()) by_partner_lock_[res.partner_lock_id] = res.lock_id;
  lock_seq_.push_back(res.lock_id);
  expiry_.emplace(res.expire_ms, res.lock_id);
  return {LockResult::kOk, res};
}

ReleaseResult Ledger::unlock(std::string_view number, std::string_view lock_id, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  auto it = locks_.find(std::string(lock_id));
  if (it == locks_.end() || it->second.state != LockState::kActive)
    return ReleaseResult::kLockNotFound;
  Reservation& res = it->second;
  if (res.number != number) return ReleaseResult::kWrongNumber;
  res.state = LockState::kReleased;
  expiry_.erase({res.expire_ms, res.lock_id});
  if (Slot* s = slot(res.number)) set_state(*s, NumberState::kIdle);
  return ReleaseResult::kOk;
}

int Ledger::active_lines_locked(const std::string& key) const {
  int n = 0;
  if (auto it = lines_.find(key); it != lines_.end()) n += it->second;
  if (auto it = pending_.find(key); it != pending_.end()) n += it->second;
  return n;
}

int Ledger::active_lines(const std::string& applicant_key) const {
  std::lock_guard lock(mu_);
  return active_lines_locked(applicant_key);
}

SubmitOutcome Ledger::submit(const OrderDraft& draft, const OrderGate& gate, int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  SubmitOutcome out;
  // Dedupe first: a resubmission finds its order even though the lock it
  // named has been consumed by the first submission.
  if (auto it = by_partner_id_.find(draft.partner_order_id); it != by_partner_id_.end()) {
    Order& existing = orders_.at(it->second);
    ++existing.submit_count;
    out.result = SubmitResult::kDuplicate;
    out.order = existing;
    return out;
  }
  auto lit = locks_.find(draft.lock_id);
  if (lit == locks_.end() || lit->second.state != LockState::kActive) {
    out.result = SubmitResult::kLockNotFound;
    return out;
  }
  Reservation& res = lit->second;
  if (res.number != draft.number) {
    out.result = SubmitResult::kWrongNumber;
    return out;
  }
  GateDecision decision = gate(active_lines_locked(draft.applicant_key));
  if (!decision.code.empty()) {
    out.result = SubmitResult::kRejected;
    out.code = std::move(decision.code);
    return out;
  }
  // The lock is consumed: the number stays locked until the order ends.
  res.state = LockState::kConsumed;
  expiry_.erase({res.expire_ms, res.lock_id});

  Order order;
  order.order_id = draft.order_id;
  order.partner_order_id = draft.partner_order_id;
  order.number = draft.number;
  order.lock_id = draft.lock_id;
  order.plan_code = draft.plan_code;
  order.notify_url = draft.notify_url;
  order.applicant_key = draft.applicant_key;
  order.created_ms = now_ms;
  order.plan = std::move(decision.plan);
  order.stage_ms = now_ms;
  plan_lifecycle(order);
  ++pending_[order.applicant_key];
  by_partner_id_.emplace(order.partner_order_id, order.order_id);
  order_seq_.push_back(order.order_id);
  auto& stored = orders_.emplace(order.order_id, std::move(order)).first->second;
  schedule_next(stored);
  if (stored.stage == OrderStage::kReviewing)
    stage_changes_.push_back(StageChange{stored, stored.stage, now_ms});
  out.result = SubmitResult::kCreated;
  out.order = stored;
  return out;
}

std::vector<Order> Ledger::run_due(int64_t now_ms) {
  std::lock_guard lock(mu_);
  expire_locks(now_ms);
  std::vector<Order> done;
  while (!due_.empty() && due_.begin()->first <= now_ms) {
    auto node = due_.extract(due_.begin());
    Order& order = orders_.at(node.value().second);
    const StagePoint point = order.schedule.at(order.next_point++);
    if (point.stale) {
      // Reported as if the order were there; it is not moved back.
      Order as_reported = order;
      as_reported.stage = point.stage;
      stage_changes_.push_back(StageChange{std::move(as_reported), point.stage, now_ms});
    } else {
      enter_stage(order, point.stage, now_ms, &done);
    }
    schedule_next(order);
  }
  return done;
}

std::vector<StageChange> Ledger::take_stage_changes() {
  std::lock_guard lock(mu_);
  return std::exchange(stage_changes_, {});
}

Order* Ledger::find_order_locked(std::string_view order_id, std::string_view partner_order_id) {
  Order* found = nullptr;
  if (!order_id.empty()) {
    auto it = orders_.find(std::string(order_id));
    if (it != orders_.end()) found = &it->second;
  } else if (!partner_order_id.empty()) {
    auto it = by_partner_id_.find(std::string(partner_order_id));
    if (it != by_partner_id_.end()) found = &orders_.at(it->second);
  }
  if (found && !partner_order_id.empty() && found->partner_order_id != partner_order_id)
    return nullptr;
  return found;
}

std::optional<Order> Ledger::find_order(std::string_view order_id,
                                        std::string_view partner_order_id) const {
  std::lock_guard lock(mu_);
  // find_order_locked() does not modify; the const_cast only shares it.
  const Order* found = const_cast<Ledger*>(this)->find_order_locked(order_id, partner_order_id);
  if (!found) return std::nullopt;
  return *found;
}
std::vector<Order> Ledger::orders() const {
  std::lock_guard lock(mu_);
  std::vector<Order> out;
  out.reserve(order_seq_.size());
  for (const auto& id : order_seq_) out.push_back(orders_.at(id));
  return out;
}

std::vector<Reservation> Ledger::reservations() const {
  std::lock_guard lock(mu_);
  std::vector<Reservation> out;
  out.reserve(lock_seq_.size());
  for (const auto& id : lock_seq_) out.push_back(locks_.at(id));
  return out;
}

}  // namespace cgw::sim
