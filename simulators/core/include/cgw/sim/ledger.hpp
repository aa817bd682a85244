// The state of one simulated carrier: its numbers, reservations (locks),
// orders and the KYC ledger (lines per applicant). One mutex guards it all,
// so each operation is one atomic step: of two concurrent locks of a number
// exactly one wins, and a resubmitted order can never be created twice.
//
// Operations take the current (simulated) time as an argument; every
// operation first expires locks that are due, so a lock past its TTL frees
// its number whether or not the periodic sweep ran.
//
// No PII is kept: applicants are known by an opaque key (a keyed hash of the
// ID number) chosen by the carrier code.
#pragma once

#include "cgw/sim/lifecycle.hpp"
#include "cgw/sim/number_pool.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cgw::sim {

enum class NumberState { kIdle, kLocked, kSold };
enum class LockState { kActive, kReleased, kConsumed, kExpired };
enum class OrderState { kProcessing, kSuccess, kFailed };

const char* to_string(NumberState s);  // idle, locked, sold
const char* to_string(LockState s);    // ACTIVE, RELEASED, CONSUMED, EXPIRED
const char* to_string(OrderState s);   // PROCESSING, SUCCESS, FAILED

struct NumberView {
  NumberRecord record;
  NumberState state = NumberState::kIdle;
};

struct Page {
  std::vector<NumberView> items;
  bool has_more = false;
  // Position in the change log: a full listing taken from here on misses
  // nothing if the changes since this position are fetched after it.
  uint64_t change_seq = 0;
  uint64_t total = 0;  // numbers in the pool
};

struct Reservation {
  std::string lock_id, number, partner_lock_id;
  int64_t created_ms = 0, expire_ms = 0;
  LockState state = LockState::kActive;
};

// A scripted sequence of order events (the magic plans SIM-EVENTS and
// SIM-EVENTS-OOO, docs/simulators-reference.md), whatever the lifecycle settings say.
enum class EventScript {
  kNone,
  // reviewing at once, shipped at 1/3 of the delay, delivered at 2/3,
  // activated at the delay; no first top-up.
  kAllStages,
  // reviewing at once; delivered at 1/4 (before any shipped event);
  // shipped at 1/2 (late: the order is delivered already); activated at
  // 3/4; shipped again at the delay (stale: after activation). The late
  // and stale events are reports only: the order itself never moves back.
  kOutOfOrder,
};

// How an accepted order will end, decided by the carrier at acceptance.
struct OrderPlan {
  int64_t due_ms = -1;  // when it ends; -1: never (stays PROCESSING)
  OrderState final_state = OrderState::kSuccess;
  std::string fail_reason;  // for kFailed
  bool notify = true;       // whether the carrier sends a callback
  // The lifecycle (lifecycle.hpp): an order the KYC sent to review starts
  // in `reviewing`; a returned order is shipped and comes back at due_ms
  // (FAILED, fail reason "returned"); a successful one gets its first
  // top-up after the settings' delay unless first_topup is cleared.
  bool review = false;
  bool returned = false;
  bool first_topup = true;
  EventScript script = EventScript::kNone;  // overrides the above but due_ms
};

// One point of an order's planned lifecycle.
struct StagePoint {
  int64_t at_ms = 0;
  OrderStage stage = OrderStage::kAccepted;
  // A report only (EventScript::kOutOfOrder): a stage change with this
  // stage is queued, the order stays where it is.
  bool stale = false;
};

struct Order {
  std::string order_id, partner_order_id, number, lock_id, plan_code, notify_url, applicant_key;
  OrderState state = OrderState::kProcessing;
  std::string fail_reason;
  int submit_count = 1;  // how often the partner submitted it (dedupe tests)
  int64_t created_ms = 0, finished_ms = 0;
  OrderPlan plan;
  OrderKind kind = OrderKind::kActivation;
  OrderStage stage = OrderStage::kAccepted;
  int64_t stage_ms = 0;              // when it entered the stage
  std::string courier, waybill;      // from shipped on
  int64_t first_topup_fen = 0;       // at first_topup
  std::vector<StagePoint> schedule;  // the stages still to come, in order
  size_t next_point = 0;             // index into schedule
};

// A stage an order entered, with the order as it was then.
struct StageChange {
  Order order;
  OrderStage stage = OrderStage::kAccepted;
  int64_t at_ms = 0;
};

struct CancelOutcome {
  CancelResult result = CancelResult::kNotFound;
  std::string reason;  // for kRefused (CancelReasons)
  Order order;         // kCancelled, kRefused
};

struct ReplaceOutcome {
  ReplaceResult result = ReplaceResult::kLineNotFound;
  Order order;  // kCreated, kDuplicate
};

struct OrderDraft {
  std::string order_id;  // used only if the order is created
  std::string partner_order_id, number, lock_id, plan_code, notify_url, applicant_key;
};

enum class LockResult { kOk, kNotFound, kUnavailable };
enum class ReleaseResult { kOk, kLockNotFound, kWrongNumber };
enum class SubmitResult { kCreated, kDuplicate, kLockNotFound, kWrongNumber, kRejected };

// The carrier's own checks (plan, KYC, quota), run inside the transaction
// after the lock checks so the quota count cannot change under them.
// `active_lines` counts the applicant's SUCCESS and PROCESSING orders.
struct GateDecision {
  std::string code;  // empty: accept with `plan`
  OrderPlan plan;
};
using OrderGate = std::function<GateDecision(int active_lines)>;

struct SubmitOutcome {
  SubmitResult result = SubmitResult::kRejected;
  std::string code;  // the gate's code for kRejected
  Order order;       // for kCreated and kDuplicate
};

struct ReserveRequest {
  std::string number, lock_id, partner_lock_id;
  int64_t hold_ms = 0;
};

class Ledger {
 public:
  explicit Ledger(std::vector<NumberRecord> pool);  // sorted, distinct numbers

  size_t size() const { return slots_.size(); }
  // Numbers strictly after `after` ("" for the start), in number order.
  Page page(std::string_view after, size_t limit, int64_t now_ms);
  // Numbers whose state changed after change log position `since` (each
  // once, in its current state); change_seq is where the next call starts.
  Page changes(uint64_t since, size_t limit, int64_t now_ms);
  std::optional<NumberView> find_number(std::string_view number, int64_t now_ms);
  // An idle number sold through another channel (the admin API's churn):
  // gone from the carrier's listing. False unless the number was idle.
  bool sell_elsewhere(std::string_view number, int64_t now_ms);

  // A lock with the partner lock id of a lock still active on the same
  // number returns that lock (the partner retrying after a lost answer).
  std::pair<LockResult, Reservation> lock(const ReserveRequest& req, int64_t now_ms);
  ReleaseResult unlock(std::string_view number, std::string_view lock_id, int64_t now_ms);

  SubmitOutcome submit(const OrderDraft& draft, const OrderGate& gate, int64_t now_ms);
  // Moves the orders whose next stage is due and expires locks; returns the
  // orders that reached a final state now (each exactly once). Every stage
  // change is also queued for take_stage_changes().
  std::vector<Order> run_due(int64_t now_ms);
  // Every stage change since the last call (each exactly once, in the order
  // they happened): the ones run_due() made, a reviewing order's start, a
  // cancellation, a replacement's stages. A carrier sends one callback per
  // stage it reports from these.
  std::vector<StageChange> take_stage_changes();
  // Expires the locks that are due and returns them, oldest expiry first
  // (run_due() does this too, silently): the admin clock reports them.
  std::vector<Reservation> expire_due(int64_t now_ms);
  // The earliest time something is due (a lock expiry or an order's end);
  // nullopt when nothing is pending.
  std::optional<int64_t> next_due_ms() const;

  // By order id when given, else by partner order id. Both given: must agree.
  std::optional<Order> find_order(std::string_view order_id,
                                  std::string_view partner_order_id) const;
  int active_lines(const std::string& applicant_key) const;

  // ---- after-sales (ledger_lifecycle.cpp, ledger_lines.cpp) ----
  void set_lifecycle(const LifecycleSettings& settings);
  LifecycleSettings lifecycle() const;

  // Cancels an order not yet shipped (accepted or reviewing). Cancelling a
  // cancelled order answers kCancelled again; a shipped, delivered or
  // activated one is refused (CancelReasons). Ids as for find_order().
  CancelOutcome cancel(std::string_view order_id, std::string_view partner_order_id,
                       int64_t now_ms);

  std::optional<Line> find_line(std::string_view msisdn) const;
  // A top-up, deduplicated on the partner's recharge id: a second request
  // with it answers the first top-up (never a second one). A suspended line
  // can be topped up; a cancelled one records a refusal (line_cancelled).
  RechargeOutcome recharge(const RechargeDraft& draft, int64_t now_ms);
  std::optional<Recharge> find_recharge(std::string_view partner_recharge_id) const;
  // A new SIM for a line, as an order (kind kSimReplacement, number = the
  // msisdn) with its own lifecycle: shipped, delivered, activated after the
  // settings' replacement delay. The holder must be the line's owner;
  // deduplicated on the partner's replacement id, which find_order() takes
  // as a partner order id.
  ReplaceOutcome replace_sim(const ReplacementDraft& draft, int64_t now_ms);
  // Suspension and resumption, idempotent (changed tells whether anything
  // moved). The carrier's suspension overrides the holder's; a line the
  // carrier suspended is resumed only by the carrier (kCarrierSuspended for
  // the holder).
  LineOutcome suspend_line(std::string_view msisdn, SuspendedBy by, std::string_view reason,
                           int64_t now_ms);
  LineOutcome resume_line(std::string_view msisdn, SuspendedBy by, int64_t now_ms);

  // Snapshots for the admin API, in creation order.
  std::vector<Order> orders() const;
  std::vector<Reservation> reservations() const;
  std::vector<Line> lines() const;
  std::vector<Recharge> recharges() const;

  // ---- saved namespaces (ledger_snapshot.cpp) ----
  // Everything the ledger holds except the pool's records, which the seed
  // makes again: number states and the change log, locks, orders with
  // their schedules, lines, top-ups, stage changes not yet taken, counters.
  boost::json::object snapshot() const;
  // Into a ledger just built from the same pool: "" or what is wrong,
  // naming the field ("orders[2].stage"). After an error the ledger is
  // not to be used.
  std::string restore(const boost::json::object& snap);

 private:
  struct Slot {
    NumberRecord record;
    NumberState state = NumberState::kIdle;
  };
  // mu_ held; appends what expired to `expired` when given.
  void expire_locks(int64_t now_ms, std::vector<Reservation>* expired = nullptr);
  Slot* slot(std::string_view number);
  int active_lines_locked(const std::string& key) const;
  // Every state change goes through here, so the change log is complete.
  void set_state(Slot& s, NumberState state);
  // mu_ held (ledger_lifecycle.cpp).
  void plan_lifecycle(Order& order);
  void plan_script(Order& order);  // order.plan.script set
  void schedule_next(const Order& order);
  void enter_stage(Order& order, OrderStage stage, int64_t now_ms, std::vector<Order>* done);
  void open_line(const Order& order, int64_t now_ms);
  void first_topup(Order& order, int64_t now_ms);
  Order* find_order_locked(std::string_view order_id, std::string_view partner_order_id);

  mutable std::mutex mu_;
  std::vector<Slot> slots_;        // sorted by number: the paging order
  std::vector<uint32_t> changes_;  // slot of each state change, in order
  std::unordered_map<std::string, size_t> index_;
  std::unordered_map<std::string, Reservation> locks_;
  std::unordered_map<std::string, std::string> by_partner_lock_;  // latest lock per partner id
  std::vector<std::string> lock_seq_;                             // lock ids in creation order
  std::set<std::pair<int64_t, std::string>> expiry_;              // active locks by expiry
  std::unordered_map<std::string, Order> orders_;                 // by order id
  std::vector<std::string> order_seq_;                            // order ids in creation order
  std::unordered_map<std::string, std::string> by_partner_id_;
  std::set<std::pair<int64_t, std::string>> due_;         // orders by their next stage's time
  std::unordered_map<std::string, int> lines_, pending_;  // per applicant key
  // After-sales.
  LifecycleSettings lifecycle_;
  std::vector<StageChange> stage_changes_;             // not yet taken
  std::unordered_map<std::string, Line> subscribers_;  // by msisdn
  std::vector<std::string> subscriber_seq_;            // msisdns in activation order
  std::vector<Recharge> recharges_;                    // in creation order
  std::unordered_map<std::string, size_t> by_partner_recharge_;
  uint64_t first_topups_ = 0;  // for first top-up ids
};

}  // namespace cgw::sim
