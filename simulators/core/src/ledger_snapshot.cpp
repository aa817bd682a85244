// The ledger as JSON for a saved namespace, and back. The indexes (by
// partner id, by expiry, by due time) are not written: they are rebuilt from
// the records, so a snapshot cannot hold an index that disagrees with them.
#include "cgw/sim/ledger.hpp"
#include "snapshot_json.hpp"

namespace cgw::sim {

namespace json = boost::json;
using snap::Reader;

namespace {

constexpr std::pair<NumberState, const char*> kNumberStates[] = {
    {NumberState::kIdle, "idle"}, {NumberState::kLocked, "locked"}, {NumberState::kSold, "sold"}};

// Every value of an enum with a to_string(), so the names written are the
// names read.
template <typename E>
std::vector<std::pair<E, const char*>> all_names(std::initializer_list<E> values) {
  std::vector<std::pair<E, const char*>> out;
  for (E v : values) out.emplace_back(v, to_string(v));
  return out;
}

const auto& lock_states() {
  static const auto kNames = all_names(
      {LockState::kActive, LockState::kReleased, LockState::kConsumed, LockState::kExpired});
  return kNames;
}
const auto& order_states() {
  static const auto kNames =
      all_names({OrderState::kProcessing, OrderState::kSuccess, OrderState::kFailed});
  return kNames;
}
const auto& order_stages() {
  static const auto kNames =
      all_names({OrderStage::kAccepted, OrderStage::kReviewing, OrderStage::kShipped,
                 OrderStage::kDelivered, OrderStage::kActivated, OrderStage::kFirstTopup,
                 OrderStage::kFailed, OrderStage::kCancelled, OrderStage::kReturned});
  return kNames;
}
const auto& order_kinds() {
  static const auto kNames = all_names({OrderKind::kActivation, OrderKind::kSimReplacement});
  return kNames;
}
const auto& line_statuses() {
  static const auto kNames =
      all_names({LineStatus::kActive, LineStatus::kSuspended, LineStatus::kCancelled});
  return kNames;
}
// SuspendedBy::kNone's name is "": written as "none".
constexpr std::pair<SuspendedBy, const char*> kSuspendedBy[] = {{SuspendedBy::kNone, "none"},
                                                                {SuspendedBy::kCarrier, "carrier"},
                                                                {SuspendedBy::kHolder, "holder"}};
constexpr std::pair<EventScript, const char*> kScripts[] = {
    {EventScript::kNone, "none"},
    {EventScript::kAllStages, "all_stages"},
    {EventScript::kOutOfOrder, "out_of_order"}};

template <typename E, typename Names>
const char* name_in(const Names& list, E value) {
  for (const auto& [v, name] : list)
    if (v == value) return name;
  return "";
}

template <typename E, typename Names>
void read_enum(Reader& r, const json::object& o, const std::string& path, std::string_view key,
               const Names& list, E& out) {
  std::string s;
  r.str(o, path, key, s);
  if (!r.ok()) return;
  for (const auto& [v, name] : list)
    if (s == name) {
      out = v;
      return;
    }
  r.fail(Reader::join(path, key), "unknown value '" + s + "'");
}

json::object to_json(const Reservation& res) {
  return {{"lock_id", res.lock_id},
          {"number", res.number},
          {"partner_lock_id", res.partner_lock_id},
          {"created_ms", res.created_ms},
          {"expire_ms", res.expire_ms},
          {"state", to_string(res.state)}};
}

Reservation reservation_from(Reader& r, const json::object& o, const std::string& path) {
  Reservation res;
  r.str(o, path, "lock_id", res.lock_id);
  r.str(o, path, "number", res.number);
  r.str(o, path, "partner_lock_id", res.partner_lock_id);
  r.i64(o, path, "created_ms", res.created_ms);
  r.i64(o, path, "expire_ms", res.expire_ms);
  read_enum(r, o, path, "state", lock_states(), res.state);
  return res;
}

json::object to_json(const OrderPlan& p) {
  return {{"due_ms", p.due_ms},           {"final_state", to_string(p.final_state)},
          {"fail_reason", p.fail_reason}, {"notify", p.notify},
          {"review", p.review},           {"returned", p.returned},
          {"first_topup", p.first_topup}, {"script", name_in(kScripts, p.script)}};
}

OrderPlan plan_from(Reader& r, const json::object& o, const std::string& path) {
  OrderPlan p;
  r.i64(o, path, "due_ms", p.due_ms);
  read_enum(r, o, path, "final_state", order_states(), p.final_state);
  r.str(o, path, "fail_reason", p.fail_reason);
  r.boolean(o, path, "notify", p.notify);
  r.boolean(o, path, "review", p.review);
  r.boolean(o, path, "returned", p.returned);
  r.boolean(o, path, "first_topup", p.first_topup);
  read_enum(r, o, path, "script", kScripts, p.script);
  return p;
}

json::object to_json(const Order& order) {
  json::array schedule;
  for (const auto& point : order.schedule)
    schedule.push_back(
        {{"at_ms", point.at_ms}, {"stage", to_string(point.stage)}, {"stale", point.stale}});
  return {{"order_id", order.order_id},
          {"partner_order_id", order.partner_order_id},
          {"number", order.number},
          {"lock_id", order.lock_id},
          {"plan_code", order.plan_code},
          {"notify_url", order.notify_url},
          {"applicant_key", order.applicant_key},
          {"state", to_string(order.state)},
          {"fail_reason", order.fail_reason},
          {"submit_count", order.submit_count},
          {"created_ms", order.created_ms},
          {"finished_ms", order.finished_ms},
          {"plan", to_json(order.plan)},
          {"kind", to_string(order.kind)},
          {"stage", to_string(order.stage)},
          {"stage_ms", order.stage_ms},
          {"courier", order.courier},
          {"waybill", order.waybill},
          {"first_topup_fen", order.first_topup_fen},
          {"schedule", std::move(schedule)},
          {"next_point", order.next_point}};
}

Order order_from(Reader& r, const json::object& o, const std::string& path) {
  Order order;
  r.str(o, path, "order_id", order.order_id);
  r.str(o, path, "partner_order_id", order.partner_order_id);
  r.str(o, path, "number", order.number);
  r.str(o, path, "lock_id", order.lock_id);
  r.str(o, path, "plan_code", order.plan_code);
  r.str(o, path, "notify_url", order.notify_url);
  r.str(o, path, "applicant_key", order.applicant_key);
  read_enum(r, o, path, "state", order_states(), order.state);
  r.str(o, path, "fail_reason", order.fail_reason);
  r.i32(o, path, "submit_count", order.submit_count);
  r.i64(o, path, "created_ms", order.created_ms);
  r.i64(o, path, "finished_ms", order.finished_ms);
  if (const auto* p = r.obj(o, path, "plan")) order.plan = plan_from(r, *p, path + ".plan");
  read_enum(r, o, path, "kind", order_kinds(), order.kind);
  read_enum(r, o, path, "stage", order_stages(), order.stage);
  r.i64(o, path, "stage_ms", order.stage_ms);
  r.str(o, path, "courier", order.courier);
  r.str(o, path, "waybill", order.waybill);
  r.i64(o, path, "first_topup_fen", order.first_topup_fen);
  if (const auto* a = r.arr(o, path, "schedule"))
    for (size_t i = 0; i < a->size() && r.ok(); ++i) {
      const std::string at = Reader::at(path + ".schedule", i);
      if (const auto* p = r.elem((*a)[i], at)) {
        StagePoint point;
        r.i64(*p, at, "at_ms", point.at_ms);
        read_enum(r, *p, at, "stage", order_stages(), point.stage);
        r.boolean(*p, at, "stale", point.stale);
        order.schedule.push_back(point);
      }
    }
  uint64_t next = 0;
  r.u64(o, path, "next_point", next);
  if (r.ok() && next > order.schedule.size())
    r.fail(path + ".next_point", "past the end of the schedule");
  order.next_point = static_cast<size_t>(next);
  return order;
}

json::object to_json(const Line& line) {
  return {{"msisdn", line.msisdn},
          {"owner_key", line.owner_key},
          {"plan_code", line.plan_code},
          {"order_id", line.order_id},
          {"balance_fen", line.balance_fen},
          {"data_left_mb", line.data_left_mb},
          {"voice_left_minutes", line.voice_left_minutes},
          {"status", to_string(line.status)},
          {"suspended_by", name_in(kSuspendedBy, line.suspended_by)},
          {"reason", line.reason},
          {"activated_ms", line.activated_ms},
          {"changed_ms", line.changed_ms},
          {"replacements", line.replacements}};
}

Line line_from(Reader& r, const json::object& o, const std::string& path) {
  Line line;
  r.str(o, path, "msisdn", line.msisdn);
  r.str(o, path, "owner_key", line.owner_key);
  r.str(o, path, "plan_code", line.plan_code);
  r.str(o, path, "order_id", line.order_id);
  r.i64(o, path, "balance_fen", line.balance_fen);
  r.i64(o, path, "data_left_mb", line.data_left_mb);
  r.i64(o, path, "voice_left_minutes", line.voice_left_minutes);
  read_enum(r, o, path, "status", line_statuses(), line.status);
  read_enum(r, o, path, "suspended_by", kSuspendedBy, line.suspended_by);
  r.str(o, path, "reason", line.reason);
  r.i64(o, path, "activated_ms", line.activated_ms);
  r.i64(o, path, "changed_ms", line.changed_ms);
  r.i32(o, path, "replacements", line.replacements);
  return line;
}

json::object to_json(const Recharge& rc) {
  return {{"recharge_id", rc.recharge_id},
          {"partner_recharge_id", rc.partner_recharge_id},
          {"msisdn", rc.msisdn},
          {"amount_fen", rc.amount_fen},
          {"balance_after_fen", rc.balance_after_fen},
          {"at_ms", rc.at_ms},
          {"succeeded", rc.succeeded},
          {"fail_reason", rc.fail_reason},
          {"first_topup", rc.first_topup},
          {"request_count", rc.request_count}};
}

Recharge recharge_from(Reader& r, const json::object& o, const std::string& path) {
  Recharge rc;
  r.str(o, path, "recharge_id", rc.recharge_id);
  r.str(o, path, "partner_recharge_id", rc.partner_recharge_id);
  r.str(o, path, "msisdn", rc.msisdn);
  r.i64(o, path, "amount_fen", rc.amount_fen);
  r.i64(o, path, "balance_after_fen", rc.balance_after_fen);
  r.i64(o, path, "at_ms", rc.at_ms);
  r.boolean(o, path, "succeeded", rc.succeeded);
  r.str(o, path, "fail_reason", rc.fail_reason);
  r.boolean(o, path, "first_topup", rc.first_topup);
  r.i32(o, path, "request_count", rc.request_count);
  return rc;
}

// Sorted by key, so an unchanged ledger always gives the same text (the
// periodic save compares texts).
json::object counts_json(const std::unordered_map<std::string, int>& m) {
  json::object o;
  for (const auto& [key, n] : std::map<std::string, int>(m.begin(), m.end())) o[key] = n;
  return o;
}

void counts_from(Reader& r, const json::object& o, const std::string& key,
                 std::unordered_map<std::string, int>& out) {
  const auto* m = r.obj(o, "", key);
  if (!m) return;
  for (const auto& [k, v] : *m) {
    if (!v.is_int64() || v.as_int64() < 0 || v.as_int64() > INT32_MAX)
      return r.fail(key + "." + std::string(k), "must be an integer >= 0");
    out[std::string(k)] = static_cast<int>(v.as_int64());
  }
}

// Calls `each(object, path)` for every element of the array `key`.
template <typename F>
void for_each_object(Reader& r, const json::object& o, std::string_view key, F&& each) {
  const auto* a = r.arr(o, "", key);
  if (!a) return;
  for (size_t i = 0; i < a->size() && r.ok(); ++i) {
    const std::string path = Reader::at(std::string(key), i);
    if (const auto* e = r.elem((*a)[i], path)) each(*e, path);
  }
}

}  // namespace

json::object Ledger::snapshot() const {
  std::lock_guard lock(mu_);
  json::object out;
  out["pool_size"] = slots_.size();
  json::array numbers;  // the numbers not idle
  for (const auto& s : slots_)
    if (s.state != NumberState::kIdle)
      numbers.push_back({{"number", s.record.number}, {"state", to_string(s.state)}});
  out["numbers"] = std::move(numbers);
  json::array changes;
  for (uint32_t c : changes_) changes.push_back(static_cast<int64_t>(c));
  out["changes"] = std::move(changes);
  json::array locks;
  for (const auto& id : lock_seq_) locks.push_back(to_json(locks_.at(id)));
  out["locks"] = std::move(locks);
  json::array orders;
  for (const auto& id : order_seq_) orders.push_back(to_json(orders_.at(id)));
  out["orders"] = std::move(orders);
  out["lines_per_applicant"] = counts_json(lines_);
  out["pending_per_applicant"] = counts_json(pending_);
  json::array stage_changes;
  for (const auto& c : stage_changes_)
    stage_changes.push_back(
        {{"order", to_json(c.order)}, {"stage", to_string(c.stage)}, {"at_ms", c.at_ms}});
  out["stage_changes"] = std::move(stage_changes);
  json::array lines;
  for (const auto& m : subscriber_seq_) lines.push_back(to_json(subscribers_.at(m)));
  out["lines"] = std::move(lines);
  json::array recharges;
  for (const auto& rc : recharges_) recharges.push_back(to_json(rc));
  out["recharges"] = std::move(recharges);
  out["first_topups"] = first_topups_;
  return out;
}

std::string Ledger::restore(const json::object& o) {
  std::lock_guard lock(mu_);
  Reader r;
  uint64_t pool_size = 0;
  r.u64(o, "", "pool_size", pool_size);
  if (r.ok() && pool_size != slots_.size())
    r.fail("pool_size", std::to_string(pool_size) + " numbers saved, the pool now has " +
                            std::to_string(slots_.size()) + " (was the config changed?)");
  for_each_object(r, o, "numbers", [&](const json::object& e, const std::string& path) {
    std::string number;
    NumberState state = NumberState::kIdle;
    r.str(e, path, "number", number);
    read_enum(r, e, path, "state", kNumberStates, state);
    Slot* s = r.ok() ? slot(number) : nullptr;
    if (r.ok() && !s) r.fail(path + ".number", "not in the pool");
    if (s) s->state = state;
  });
  if (const auto* a = r.arr(o, "", "changes"))
    for (size_t i = 0; i < a->size() && r.ok(); ++i) {
      const auto& v = (*a)[i];
      const bool index =
          (v.is_uint64() && v.as_uint64() < slots_.size()) ||
          (v.is_int64() && v.as_int64() >= 0 && uint64_t(v.as_int64()) < slots_.size());
      if (!index)
        r.fail(Reader::at("changes", i), "must be a pool index");
      else
        changes_.push_back(static_cast<uint32_t>(v.to_number<uint64_t>()));
    }
  for_each_object(r, o, "locks", [&](const json::object& e, const std::string& path) {
    Reservation res = reservation_from(r, e, path);
    if (!r.ok()) return;
    if (!locks_.emplace(res.lock_id, res).second) return r.fail(path + ".lock_id", "repeated");
    lock_seq_.push_back(res.lock_id);
    // Later locks of one partner id replace earlier ones, as when made.
    if (!res.partner_lock_id.empty()) by_partner_lock_[res.partner_lock_id] = res.lock_id;
    if (res.state == LockState::kActive) expiry_.emplace(res.expire_ms, res.lock_id);
  });
  for_each_object(r, o, "orders", [&](const json::object& e, const std::string& path) {
    Order order = order_from(r, e, path);
    if (!r.ok()) return;
    if (orders_.count(order.order_id)) return r.fail(path + ".order_id", "repeated");
    by_partner_id_.emplace(order.partner_order_id, order.order_id);
    order_seq_.push_back(order.order_id);
    schedule_next(orders_.emplace(order.order_id, std::move(order)).first->second);
  });
  counts_from(r, o, "lines_per_applicant", lines_);
  counts_from(r, o, "pending_per_applicant", pending_);
  for_each_object(r, o, "stage_changes", [&](const json::object& e, const std::string& path) {
    StageChange c;
    if (const auto* ord = r.obj(e, path, "order")) c.order = order_from(r, *ord, path + ".order");
    read_enum(r, e, path, "stage", order_stages(), c.stage);
    r.i64(e, path, "at_ms", c.at_ms);
    if (r.ok()) stage_changes_.push_back(std::move(c));
  });
  for_each_object(r, o, "lines", [&](const json::object& e, const std::string& path) {
    Line line = line_from(r, e, path);
    if (!r.ok()) return;
    if (!subscribers_.emplace(line.msisdn, line).second)
      return r.fail(path + ".msisdn", "repeated");
    subscriber_seq_.push_back(line.msisdn);
  });
  for_each_object(r, o, "recharges", [&](const json::object& e, const std::string& path) {
    Recharge rc = recharge_from(r, e, path);
    if (!r.ok()) return;
    if (!rc.partner_recharge_id.empty())
      by_partner_recharge_.emplace(rc.partner_recharge_id, recharges_.size());
    recharges_.push_back(std::move(rc));
  });
  r.u64(o, "", "first_topups", first_topups_);
  return r.error();
}

}  // namespace cgw::sim
