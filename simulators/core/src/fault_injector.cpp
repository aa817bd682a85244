#include "cgw/sim/fault_injector.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <iterator>

namespace cgw::sim {

namespace json = boost::json;

namespace {

constexpr std::pair<const char*, FaultKind> kKindNames[] = {
    {"latency", FaultKind::kLatency},
    {"http_status", FaultKind::kHttpStatus},
    {"business_error", FaultKind::kBusinessError},
    {"timeout", FaultKind::kTimeout},
    {"reset", FaultKind::kReset},
    {"malformed", FaultKind::kMalformed}};

constexpr const char* kRuleKeys[] = {"operation",     "kind",    "latency_ms",  "status",
                                     "code",          "hold_ms", "after_serve", "seed",
                                     "retry_after_s", "match"};

bool known_key(std::string_view key) {
  return std::find(std::begin(kRuleKeys), std::end(kRuleKeys), key) != std::end(kRuleKeys) ||
         std::find(std::begin(kScheduleKeys), std::end(kScheduleKeys), key) !=
             std::end(kScheduleKeys);
}

// The rule's kind ("" or what is wrong), and no parameter of another kind:
// that is a mistake in the rule, not noise.
std::string kind_from_json(const json::object& o, FaultRule& r) {
  const auto* kind = o.if_contains("kind");
  constexpr const char* kKindsMessage =
      "kind must be one of latency, http_status, business_error, timeout, reset, malformed";
  if (!kind || !kind->is_string()) return kKindsMessage;
  std::string_view name = kind->as_string();
  if (name == "latency_ms") name = "latency";  // the brief's spelling, accepted too
  auto it = std::find_if(std::begin(kKindNames), std::end(kKindNames),
                         [&](const auto& k) { return name == k.first; });
  if (it == std::end(kKindNames)) return kKindsMessage;
  r.kind = it->second;
  constexpr std::pair<const char*, FaultKind> kParams[] = {
      {"latency_ms", FaultKind::kLatency},
      {"status", FaultKind::kHttpStatus},
      {"retry_after_s", FaultKind::kHttpStatus},
      {"code", FaultKind::kBusinessError},
      {"hold_ms", FaultKind::kTimeout}};
  for (const auto& [param, owner] : kParams)
    if (o.contains(param) && owner != r.kind)
      return std::string(param) + " does not apply to a " + to_string(r.kind) + " fault";
  return {};
}

std::string http_status_from_json(const json::object& o, FaultRule& r) {
  const auto* st = o.if_contains("status");
  if (!st) return "an http_status fault needs status";
  int64_t n = 0;
  std::string err;
  if (!(err = json_int(*st, "status", 200, 599, n)).empty()) return err;
  if (n == 204 || n == 304) return "status must allow a body (not 204 or 304)";
  r.http_status = static_cast<int>(n);
  if (const auto* ra = o.if_contains("retry_after_s")) {
    int64_t seconds = 0;
    if (!(err = json_int(*ra, "retry_after_s", 0, 86400, seconds)).empty()) return err;
    r.retry_after_s = seconds;
  }
  return {};
}

// The parameters of the rule's kind ("" or what is wrong).
std::string params_from_json(const json::object& o, FaultRule& r) {
  switch (r.kind) {
    case FaultKind::kLatency: {
      const auto* ms = o.if_contains("latency_ms");
      if (!ms) return "a latency fault needs latency_ms";
      return json_int(*ms, "latency_ms", 1, kMaxFaultLatencyMs, r.latency_ms);
    }
    case FaultKind::kHttpStatus:
      return http_status_from_json(o, r);
    case FaultKind::kBusinessError: {
      const auto* code = o.if_contains("code");
      if (!code) return "a business_error fault needs code (the carrier's error code)";
      return json_string(*code, "code", 64, r.code);
    }
    case FaultKind::kTimeout:
      if (const auto* ms = o.if_contains("hold_ms"))
        return json_int(*ms, "hold_ms", 1, kMaxFaultHoldMs, r.hold_ms);
      return {};
    case FaultKind::kReset:
    case FaultKind::kMalformed:
      return {};
  }
  return {};
}

// after_serve and seed ("" or what is wrong).
std::string options_from_json(const json::object& o, FaultRule& r) {
  if (const auto* a = o.if_contains("after_serve")) {
    if (!a->is_bool()) return "after_serve must be true or false";
    r.after_serve = a->as_bool();
    if (r.after_serve && (r.kind == FaultKind::kLatency || r.kind == FaultKind::kBusinessError))
      return "after_serve applies to http_status, timeout, reset and malformed only";
  }
  if (const auto* s = o.if_contains("seed")) {
    if (s->is_uint64())
      r.seed = s->as_uint64();
    else if (s->is_int64() && s->as_int64() >= 0)
      r.seed = static_cast<uint64_t>(s->as_int64());
    else
      return "seed must be an integer >= 0";
  }
  return {};
}

// "" or what is wrong with one rule object.
std::string rule_from_json(const json::value& v, FaultRule& r) {
  if (!v.is_object()) return "a fault rule must be an object";
  const auto& o = v.as_object();
  for (const auto& [key, unused] : o) {
    (void)unused;
    if (!known_key(key)) return "unknown key '" + std::string(key) + "'";
  }
  std::string err;
  if (const auto* op = o.if_contains("operation"))
    if (!(err = json_string(*op, "operation", 256, r.operation)).empty()) return err;
  if (!(err = kind_from_json(o, r)).empty()) return err;
  if (!(err = params_from_json(o, r)).empty()) return err;
  if (!(err = options_from_json(o, r)).empty()) return err;
  if (const auto* m = o.if_contains("match"))
    if (!(err = fault_match_from_json(*m, r.match)).empty()) return err;
  return schedule_from_json(o, r.schedule);
}

}  // namespace

const char* to_string(FaultKind kind) {
  for (const auto& [name, k] : kKindNames)
    if (k == kind) return name;
  return "?";
}

FaultRulesParse fault_rules_from_json(const json::value& v) {
  FaultRulesParse out;
  const json::value* list = &v;
  if (v.is_object() && v.as_object().contains("faults")) {
    if (v.as_object().size() != 1) {
      out.error = "{\"faults\": [...]} takes no other keys";
      return out;
    }
    list = &v.as_object().at("faults");
    if (!list->is_array()) {
      out.error = "faults must be a list of rules";
      return out;
    }
  }
  if (!list->is_array()) {
    FaultRule r;
    out.error = rule_from_json(*list, r);
    if (out.ok()) out.rules.push_back(std::move(r));
    return out;
  }
  if (list->as_array().size() > kMaxFaultRules) {
    out.error = "at most " + std::to_string(kMaxFaultRules) + " fault rules";
    return out;
  }
  size_t i = 0;
  for (const auto& item : list->as_array()) {
    FaultRule r;
    if (auto err = rule_from_json(item, r); !err.empty()) {
      out.error = "faults[" + std::to_string(i) + "]: " + err;
      out.rules.clear();
      return out;
    }
    out.rules.push_back(std::move(r));
    ++i;
  }
  return out;
}

json::object to_json(const FaultRuleStatus& s) {
  const FaultRule& r = s.rule;
  json::object o{{"id", r.id}, {"operation", r.operation}, {"kind", to_string(r.kind)}};
  switch (r.kind) {
    case FaultKind::kLatency:
      o["latency_ms"] = r.latency_ms;
      break;
    case FaultKind::kHttpStatus:
      o["status"] = r.http_status;
      if (r.retry_after_s) o["retry_after_s"] = *r.retry_after_s;
      break;
    case FaultKind::kBusinessError:
      o["code"] = r.code;
      break;
    case FaultKind::kTimeout:
      o["hold_ms"] = r.hold_ms;
      break;
    default:
      break;
  }
  if (r.after_serve) o["after_serve"] = true;
  if (r.seed) o["seed"] = *r.seed;
  schedule_to_json(r.schedule, o);
  if (!r.match.empty()) o["match"] = to_json(r.match);
  o["seen"] = s.seen;
  o["fired"] = s.fired;
  return o;
}

std::string FaultInjector::add(std::vector<FaultRule>& rules) {
  std::lock_guard lock(mu_);
  if (entries_.size() + rules.size() > kMaxFaultRules)
    return "at most " + std::to_string(kMaxFaultRules) + " fault rules at once";
  for (auto& r : rules) {
    const uint64_t number = next_id_++;
    // Appended, not `"f" + std::to_string(...)`: GCC 12 -O3 reports a false
    // -Wstringop-overflow for that.
    r.id = std::string("f").append(std::to_string(number));
    entries_.push_back(
        Entry{FaultRuleStatus{r, 0, 0}, DrawStream(r.seed ? *r.seed : mix_seed(seed_, number))});
  }
  return {};
}

uint64_t FaultInjector::next_id() const {
  std::lock_guard lock(mu_);
  return next_id_;
}

std::string FaultInjector::restore(const std::vector<FaultRuleStatus>& saved, uint64_t next_id) {
  std::vector<Entry> entries;
  for (const auto& s : saved) {
    const std::string& id = s.rule.id;
    uint64_t number = 0;
    if (id.size() < 2 || id[0] != 'f' || id.find_first_not_of("0123456789", 1) != std::string::npos)
      return "fault rule id '" + id + "' is not of the form f<n>";
    number = std::stoull(id.substr(1));
    if (number >= next_id) return "fault rule id '" + id + "' is not below next_id";
    Entry e{s, DrawStream(s.rule.seed ? *s.rule.seed : mix_seed(seed_, number))};
    // schedule_fires() draws once per counted call when a probability is set.
    if (s.rule.schedule.probability) e.draws.skip(s.seen);
    entries.push_back(std::move(e));
  }
  std::lock_guard lock(mu_);
  entries_ = std::move(entries);
  next_id_ = next_id;
  return {};
}

bool FaultInjector::remove(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return e.status.rule.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void FaultInjector::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::vector<FaultRuleStatus> FaultInjector::rules() const {
  std::lock_guard lock(mu_);
  std::vector<FaultRuleStatus> out;
  for (const auto& e : entries_) out.push_back(e.status);
  return out;
}

std::optional<FaultRule> FaultInjector::decide(std::string_view operation, int64_t now_ms,
                                               const MatchSubject* subject) {
  std::lock_guard lock(mu_);
  std::optional<FaultRule> chosen;
  for (auto& e : entries_) {
    const FaultRule& r = e.status.rule;
    if (r.operation != "*" && r.operation != operation) continue;
    if (!r.match.empty() && (!subject || !fault_match_holds(r.match, *subject))) continue;
    const uint64_t n = ++e.status.seen;
    if (!schedule_fires(r.schedule, n, now_ms, e.draws) || chosen) continue;
    ++e.status.fired;
    chosen = r;
  }
  return chosen;
}

std::string check_operations(const std::vector<FaultRule>& rules,
                             const std::vector<std::string>& operations) {
  if (operations.empty()) return {};
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string& op = rules[i].operation;
    if (op == "*" || std::find(operations.begin(), operations.end(), op) != operations.end())
      continue;
    std::string known = "\"*\"";
    for (const auto& name : operations) known += ", " + name;
    return (rules.size() > 1 ? "faults[" + std::to_string(i) + "]: " : std::string()) +
           "unknown operation '" + op + "' (known: " + known + ")";
  }
  return {};
}

}  // namespace cgw::sim
