// One instance's state as JSON for a saved namespace, and back
// (docs/simulators-reference.md, "Saved namespaces").
#include "cgw/sim/sim_instance.hpp"
#include "snapshot_json.hpp"

namespace cgw::sim {

namespace json = boost::json;
using snap::Reader;

json::object SimInstance::snapshot() const {
  json::object out;
  json::array rules;
  for (const auto& s : faults_.rules()) rules.push_back(to_json(s));
  out["faults"] = json::object{{"next_id", faults_.next_id()}, {"rules", std::move(rules)}};
  out["carrier_state"] = sim_->save_state();
  if (!ctx_) return out;
  out["ledger"] = ctx_->ledger.snapshot();
  const SimClock::Saved clock = ctx_->clock.save();
  out["clock"] = json::object{
      {"offset_ms", clock.offset_ms},
      {"frozen_at_ms", clock.frozen_at_ms ? json::value(*clock.frozen_at_ms) : json::value()}};
  out["callback_chaos"] = json::object{{"settings", to_json(ctx_->callbacks.chaos())},
                                       {"count", ctx_->callbacks.chaos_count()}};
  json::array pending;
  for (const auto& job : ctx_->callbacks.pending_jobs())
    pending.push_back(json::object{{"event_id", job.event_id},
                                   {"order_id", job.order_id},
                                   {"url", job.url},
                                   {"body", job.body}});
  out["pending_callbacks"] = std::move(pending);
  // Last: every id held by what was saved above was drawn before this
  // position (the parts are saved one after the other while requests may
  // run), so a restored stream never issues one of them again.
  out["ids"] = ctx_->ids.state();
  return out;
}

std::string SimInstance::restore_faults(const json::object& saved) {
  Reader r;
  uint64_t next_id = 1;
  r.u64(saved, "faults", "next_id", next_id);
  std::vector<FaultRuleStatus> statuses;
  if (const auto* a = r.arr(saved, "faults", "rules"))
    for (size_t i = 0; i < a->size() && r.ok(); ++i) {
      const std::string path = Reader::at("faults.rules", i);
      const auto* e = r.elem((*a)[i], path);
      if (!e) break;
      FaultRuleStatus s;
      r.str(*e, path, "id", s.rule.id);
      r.u64(*e, path, "seen", s.seen);
      r.u64(*e, path, "fired", s.fired);
      if (!r.ok()) break;
      // The rule itself in the admin API's own syntax.
      json::object rule = *e;
      rule.erase("id");
      rule.erase("seen");
      rule.erase("fired");
      auto parsed = fault_rules_from_json(rule);
      if (!parsed.ok() || parsed.rules.size() != 1) {
        r.fail(path, parsed.ok() ? "not one rule" : parsed.error);
        break;
      }
      const std::string id = s.rule.id;
      s.rule = std::move(parsed.rules.front());
      s.rule.id = id;
      statuses.push_back(std::move(s));
    }
  if (r.ok())
    if (auto e = faults_.restore(statuses, next_id); !e.empty()) r.fail("faults", e);
  return r.error();
}

std::string SimInstance::restore(const json::object& o) {
  Reader r;
  if (const auto* f = r.obj(o, "", "faults"))
    if (auto e = restore_faults(*f); !e.empty()) return e;
  if (const auto* c = r.field(o, "", "carrier_state"))
    if (auto e = sim_->restore_state(*c); !e.empty()) r.fail("carrier_state", e);
  if (!r.ok() || !ctx_) return r.error();

  if (const auto* ledger = r.obj(o, "", "ledger"))
    if (auto e = ctx_->ledger.restore(*ledger); !e.empty()) return "ledger." + e;
  if (const auto* c = r.obj(o, "", "clock")) {
    SimClock::Saved clock;
    r.i64(*c, "clock", "offset_ms", clock.offset_ms);
    if (const auto* f = r.field(*c, "clock", "frozen_at_ms"); f && !f->is_null()) {
      int64_t at = 0;
      r.i64(*c, "clock", "frozen_at_ms", at);
      clock.frozen_at_ms = at;
    }
    if (r.ok()) ctx_->clock.restore(clock);
  }
  std::string ids;
  r.str(o, "", "ids", ids);
  if (r.ok() && !ctx_->ids.set_state(ids)) r.fail("ids", "not a saved id stream");

  CallbackChaos chaos;
  uint64_t chaos_count = 0;
  if (const auto* c = r.obj(o, "", "callback_chaos")) {
    if (const auto* s = r.obj(*c, "callback_chaos", "settings")) {
      auto parsed = callback_chaos_from_json(*s);
      if (parsed.ok())
        chaos = std::move(parsed.chaos);
      else
        r.fail("callback_chaos.settings", parsed.error);
    }
    r.u64(*c, "callback_chaos", "count", chaos_count);
  }
  std::vector<CallbackJob> pending;
  if (const auto* a = r.arr(o, "", "pending_callbacks"))
    for (size_t i = 0; i < a->size() && r.ok(); ++i) {
      const std::string path = Reader::at("pending_callbacks", i);
      if (const auto* e = r.elem((*a)[i], path)) {
        CallbackJob job;
        r.str(*e, path, "event_id", job.event_id);
        r.str(*e, path, "order_id", job.order_id);
        r.str(*e, path, "url", job.url);
        r.str(*e, path, "body", job.body);
        pending.push_back(std::move(job));
      }
    }
  if (!r.ok()) return r.error();
  // Pending callbacks are sent again from their first attempt, without
  // chaos (it was applied when they were first enqueued); then the chaos
  // goes on counting where it was.
  ctx_->callbacks.set_chaos(CallbackChaos{}, seed_);
  for (auto& job : pending) ctx_->callbacks.enqueue(std::move(job));
  ctx_->callbacks.restore_chaos(std::move(chaos), seed_, chaos_count);
  return {};
}

}  // namespace cgw::sim
