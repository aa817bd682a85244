// Subscriber services (ABI 1.3, docs/sdk.md 10.9) on the line the kit's own
// activation order opened: subscriber.query, top-ups (exactly once, found
// by recharge_query, a lost answer outcome_unknown), suspend and resume
// (idempotent), subscriber.status events, and a SIM replacement for the
// owner only.
#include "identities.hpp"
#include "probes.hpp"

#include "cgw/common/id_number.hpp"

#include <span>

namespace cgw::conformance {

namespace {

constexpr int64_t kRechargeFen = 3'000;
constexpr std::chrono::milliseconds kFaultTimeout{1'000};

const char* const kQueryChecks[] = {"subscriber.query", "subscriber.query.unknown"};
const char* const kRechargeChecks[] = {"recharge", "recharge.idempotent", "recharge.query",
                                       "recharge.query.not_found", "recharge.lost_reply"};
const char* const kSuspendChecks[] = {
    "suspend",           "suspend.idempotent",       "resume",
    "resume.idempotent", "resume.carrier_suspended", "subscriber.status_event"};
const char* const kReplaceChecks[] = {"sim_replace", "sim_replace.identity_mismatch",
                                      "sim_replace.idempotent", "sim_replace.query"};

json::object recharge_input(const std::string& id, const std::string& msisdn, int64_t fen) {
  return json::object{{"gateway_recharge_id", id}, {"msisdn", msisdn}, {"amount_fen", fen}};
}

json::object msisdn_input(const std::string& msisdn) {
  return json::object{{"msisdn", msisdn}};
}

json::object recharge_query_input(const std::string& id, const std::string& msisdn) {
  return json::object{{"gateway_recharge_id", id}, {"msisdn", msisdn}};
}

json::object change_input(const std::string& msisdn, const char* reason) {
  return json::object{
      {"gateway_request_id", fresh_id("conf_chg_")}, {"msisdn", msisdn}, {"reason", reason}};
}

json::object replace_input(const std::string& id, const std::string& msisdn,
                           const std::string& id_number) {
  return json::object{
      {"gateway_replacement_id", id},
      {"msisdn", msisdn},
      {"name", kApplicantName},
      {"id_number", id_number},
      {"reason", "lost"},
      {"delivery",
       {{"name", kApplicantName}, {"phone", "13900000000"}, {"address", "北京市东城区示例路1号"}}}};
}

std::string fen(int64_t v) {
  return std::to_string(v) + " fen";
}

// The line's status and balance by subscriber.query; nullopt with `why`.
asio::awaitable<std::optional<SubscriberInfo>> query_line(Suite& suite, std::string msisdn,
                                                          std::string& why) {
  auto o = co_await run_op(suite, *suite.carrier, op::kSubscriberQuery, msisdn_input(msisdn));
  auto info = typed<SubscriberInfo>(o, why);
  if (info && !info->status) {
    why = "the answer has no status";
    co_return std::nullopt;
  }
  co_return info;
}

std::string status_of(const SubscriberInfo& i) {
  return i.status ? std::string(wire_name(*i.status)) : std::string("(none)");
}

Awaitable check_query(Suite& suite) {
  if (suite.runner.selected("subscriber.query")) {
    const Suite::Line& line = *suite.line;
    std::string why;
    auto info = co_await query_line(suite, line.msisdn, why);
    if (info && info->status != SubscriberStatus::active)
      why = "status " + status_of(*info) + " (reason " + info->reason + "), expected active";
    if (why.empty() && info->plan_id != line.plan_id)
      why = "plan_id '" + info->plan_id + "', the order's plan was " + line.plan_id;
    if (why.empty() && ((info->data_left_mb && *info->data_left_mb < 0) ||
                        (info->voice_left_minutes && *info->voice_left_minutes < 0)))
      why = "negative data_left_mb or voice_left_minutes";
    suite.runner.verdict("subscriber.query", why,
                         why.empty() ? line.msisdn + ": active, plan " + info->plan_id +
                                           ", balance " + fen(info->balance_fen)
                                     : std::string());
  }
}

// A number of the inventory that no order of the kit took: no line at all.
Awaitable check_query_unknown(Suite& suite) {
  if (!suite.runner.selected("subscriber.query.unknown")) co_return;
  co_await check_inventory(suite);
  if (suite.available.empty()) {
    suite.runner.skip("subscriber.query.unknown",
                      "needs an available number: " + suite.inventory_problem);
    co_return;
  }
  const std::string msisdn = suite.available.back();
  auto o = co_await run_op(suite, *suite.carrier, op::kSubscriberQuery, msisdn_input(msisdn));
  suite.runner.verdict("subscriber.query.unknown",
                       expect_error(o, "SUBSCRIBER_NOT_FOUND", false, false),
                       "an unsold number " + msisdn + ": " + describe(o));
}

// The balance the carrier reports, or nullopt when it does not say.
asio::awaitable<std::optional<int64_t>> balance(Suite& suite, std::string msisdn) {
  if (!suite.has(CGW_CAP_SUBSCRIBER_QUERY)) co_return std::nullopt;
  std::string why;
  auto info = co_await query_line(suite, msisdn, why);
  if (!info) co_return std::nullopt;
  co_return info->balance_fen;
}

// "" when `now` is `want` (either unknown: nothing to compare).
std::string balance_problem(std::optional<int64_t> now, std::optional<int64_t> want,
                            const std::string& what) {
  if (!now || !want || *now == *want) return {};
  return what + ": balance " + fen(*now) + ", expected " + fen(*want);
}

std::string recharge_problem(const RechargeOutput& r) {
  if (r.result != RechargeResult::succeeded)
    return "result " + std::string(r.result ? wire_name(*r.result) : "(none)") + " (reason " +
           r.reason + "), expected succeeded";
  if (r.carrier_recharge_id.empty()) return "carrier_recharge_id is empty";
  return {};
}

Awaitable check_recharge(Suite& suite) {
  const Suite::Line line = *suite.line;
  const std::optional<int64_t> before = co_await balance(suite, line.msisdn);
  const std::optional<int64_t> want =
      before ? std::optional<int64_t>(*before + kRechargeFen) : std::nullopt;
  const std::string id = fresh_id("conf_rch_");
  const json::object input = recharge_input(id, line.msisdn, kRechargeFen);
  auto o = co_await run_op(suite, *suite.carrier, op::kSubscriberRecharge, input);
  std::string why;
  auto out = typed<RechargeOutput>(o, why);
  if (out) why = recharge_problem(*out);
  if (why.empty()) why = balance_problem(out->balance_fen, want, "the answer");
  const std::optional<int64_t> after = co_await balance(suite, line.msisdn);
  if (why.empty()) why = balance_problem(after, want, "subscriber.query after the top-up");
  if (!why.empty()) {
    suite.runner.fail("recharge", why);
    for (const char* c : {"recharge.idempotent", "recharge.query"})
      suite.runner.skip(c, "needs recharge");
    co_return;
  }
  suite.runner.pass("recharge",
                    fen(kRechargeFen) + " as " + out->carrier_recharge_id +
                        (before && after ? ": balance " + fen(*before) + " -> " + fen(*after)
                                         : ": no balance to compare (no subscriber.query)"));

  if (suite.runner.selected("recharge.idempotent")) {
    auto again = co_await run_op(suite, *suite.carrier, op::kSubscriberRecharge, input);
    auto second = typed<RechargeOutput>(again, why);
    if (second) why = recharge_problem(*second);
    if (why.empty() && second->carrier_recharge_id != out->carrier_recharge_id)
      why = "the same gateway_recharge_id made top-up " + second->carrier_recharge_id + ", not " +
            out->carrier_recharge_id;
    if (why.empty()) {
      const std::optional<int64_t> now = co_await balance(suite, line.msisdn);
      why = balance_problem(now, after, "after the same top-up twice");
    }
    suite.runner.verdict("recharge.idempotent", why,
                         "the same gateway_recharge_id again answers " + out->carrier_recharge_id +
                             (after ? "; balance still " + fen(*after) : std::string()));
  }
  if (suite.runner.selected("recharge.query")) {
    auto q = co_await run_op(suite, *suite.carrier, op::kSubscriberRechargeQuery,
                             recharge_query_input(id, line.msisdn));
    auto found = typed<RechargeOutput>(q, why);
    if (found) why = recharge_problem(*found);
    if (why.empty() && found->carrier_recharge_id != out->carrier_recharge_id)
      why = "found top-up " + found->carrier_recharge_id + ", not " + out->carrier_recharge_id;
    suite.runner.verdict("recharge.query", why,
                         id + " found: succeeded as " + out->carrier_recharge_id);
  }
}

Awaitable check_recharge_not_found(Suite& suite) {
  if (!suite.runner.selected("recharge.query.not_found")) co_return;
  const Suite::Line line = *suite.line;
  const std::string id = fresh_id("conf_rch_never_");
  auto q = co_await run_op(suite, *suite.carrier, op::kSubscriberRechargeQuery,
                           recharge_query_input(id, line.msisdn));
  std::string why;
  auto out = typed<RechargeOutput>(q, why);
  if (out && out->result != RechargeResult::not_found)
    why = "result " + std::string(out->result ? wire_name(*out->result) : "(none)") +
          ", expected not_found (" + describe(q) + ")";
  suite.runner.verdict("recharge.query.not_found", why,
                       "a gateway_recharge_id the carrier never saw: not_found");
}

// The top-up reaches the carrier, its answer does not: outcome_unknown, and
// recharge_query (what the gateway asks next) finds it, applied once.
Awaitable check_recharge_lost_reply(Suite& suite) {
  const char* check = "recharge.lost_reply";
  if (!suite.runner.selected(check)) co_return;
  if (auto absent = co_await fault_api_absent(suite); !absent.empty()) {
    suite.runner.skip(check, absent);
    co_return;
  }
  const Suite::Line line = *suite.line;
  std::string why;
  auto quick =
      make_carrier(suite, carrier_config(suite, suite.options.base_url, kFaultTimeout), why);
  if (!quick) {
    suite.runner.fail(check, why);
    co_return;
  }
  co_await warm_up(suite, *quick);  // so the top-up is the first request after the rule
  const std::optional<int64_t> before = co_await balance(suite, line.msisdn);
  co_await clear_faults(suite);
  if (auto err = co_await inject(
          suite, R"({"kind":"timeout","after_serve":true,"hold_ms":3000,"first":1})");
      !err.empty()) {
    suite.runner.fail(check, err);
    co_return;
  }
  const std::string id = fresh_id("conf_rch_lost_");
  auto lost = co_await run_op(suite, *quick, op::kSubscriberRecharge,
                              recharge_input(id, line.msisdn, kRechargeFen));
  co_await clear_faults(suite);
  if (auto problem = expect_error(lost, "CARRIER_TIMEOUT", true, true); !problem.empty()) {
    suite.runner.fail(check, "a top-up whose answer was lost: " + problem);
    co_return;
  }
  auto q = co_await run_op(suite, *suite.carrier, op::kSubscriberRechargeQuery,
                           recharge_query_input(id, line.msisdn));
  auto found = typed<RechargeOutput>(q, why);
  if (found) why = recharge_problem(*found);
  if (why.empty()) {
    const std::optional<int64_t> now = co_await balance(suite, line.msisdn);
    const std::optional<int64_t> want =
        before ? std::optional<int64_t>(*before + kRechargeFen) : std::nullopt;
    why = balance_problem(now, want, "after the lost answer");
  }
  suite.runner.verdict(check, why.empty() ? why : "recharge_query after the lost answer: " + why,
                       "recharge -> " + lost.error().code +
                           " outcome_unknown; recharge_query finds it succeeded, applied once");
}

// suspend or resume, judged against the status it must leave the line in.
asio::awaitable<std::string> change(Suite& suite, const char* operation, std::string msisdn,
                                    SubscriberStatus want) {
  auto o = co_await run_op(suite, *suite.carrier, operation, change_input(msisdn, "lost_phone"));
  std::string why;
  auto info = typed<SubscriberInfo>(o, why);
  if (info && info->status != want)
    why = "answered status " + status_of(*info) + ", expected " + std::string(wire_name(want));
  if (why.empty() && suite.has(CGW_CAP_SUBSCRIBER_QUERY)) {
    auto now = co_await query_line(suite, msisdn, why);
    if (now && now->status != want)
      why = "subscriber.query then says " + status_of(*now) + ", expected " +
            std::string(wire_name(want));
  }
  co_return why;
}

const std::pair<const char*, const char*> kSuspendSteps[] = {
    {"suspend", op::kSubscriberSuspend},
    {"suspend.idempotent", op::kSubscriberSuspend},
    {"resume", op::kSubscriberResume},
    {"resume.idempotent", op::kSubscriberResume}};

Awaitable check_suspend(Suite& suite) {
  const Suite::Line line = *suite.line;
  const std::string shown = suite.has(CGW_CAP_SUBSCRIBER_QUERY) ? "; subscriber.query agrees" : "";
  for (const auto& step : kSuspendSteps) {
    const char* check = step.first;
    const char* operation = step.second;
    const bool suspending = std::string_view(operation) == op::kSubscriberSuspend;
    const auto want = suspending ? SubscriberStatus::suspended : SubscriberStatus::active;
    // Each step runs even when not selected: the next one needs its state.
    const std::string why = co_await change(suite, operation, line.msisdn, want);
    suite.runner.verdict(check, why,
                         std::string(operation) + " -> " + std::string(wire_name(want)) + shown);
  }
  co_await check_status_event(suite, line.msisdn);
}

// The replacement is an order: activation.query with its id finds it.
Awaitable check_replacement_query(Suite& suite, std::string replacement_id, std::string carrier_id,
                                  std::string plugin_data) {
  auto o = co_await run_op(suite, *suite.carrier, op::kActivationQuery,
                           query_input(replacement_id, carrier_id, plugin_data));
  std::string why;
  auto out = typed<ActivationStatusOutput>(o, why);
  if (out && out->carrier_order_id != carrier_id)
    why = "carrier_order_id " + out->carrier_order_id + " instead of " + carrier_id;
  suite.runner.verdict("sim_replace.query", why,
                       why.empty() ? "activation.query with gateway_order_id " + replacement_id +
                                         " finds " + carrier_id + " (" +
                                         std::string(wire_name(out->status)) + ")"
                                   : std::string());
}

Awaitable check_replace(Suite& suite) {
  const Suite::Line line = *suite.line;
  const std::string replacement_id = fresh_id("conf_rpl_");
  const json::object input = replace_input(replacement_id, line.msisdn, line.owner_id);
  auto o = co_await run_op(suite, *suite.carrier, op::kSubscriberSimReplace, input);
  std::string why;
  auto out = typed<ActivationStatusOutput>(o, why);
  if (out && out->carrier_order_id.empty()) why = "carrier_order_id is empty";
  if (why.empty() && (out->status == OrderStatus::failed || out->status == OrderStatus::cancelled))
    why = "the replacement order is " + std::string(wire_name(out->status)) + " at once (reason " +
          out->reason + ")";
  if (!why.empty()) {
    suite.runner.fail("sim_replace", "the owner's replacement: " + why);
    for (const char* c : {"sim_replace.idempotent", "sim_replace.query"})
      suite.runner.skip(c, "needs sim_replace");
  } else {
    const std::string carrier_id = out->carrier_order_id;
    suite.runner.pass("sim_replace", "the owner's request for " + line.msisdn + " -> order " +
                                         carrier_id + " (" + std::string(wire_name(out->status)) +
                                         ")");
    if (suite.runner.selected("sim_replace.idempotent")) {
      auto again = co_await run_op(suite, *suite.carrier, op::kSubscriberSimReplace, input);
      auto second = typed<ActivationStatusOutput>(again, why);
      if (second && second->carrier_order_id != carrier_id)
        why = "the same gateway_replacement_id made order " + second->carrier_order_id + ", not " +
              carrier_id;
      suite.runner.verdict("sim_replace.idempotent", why,
                           "the same gateway_replacement_id again answers " + carrier_id);
    }
    if (suite.runner.selected("sim_replace.query"))
      co_await check_replacement_query(suite, replacement_id, carrier_id,
                                       out->plugin_data.value_or(""));
  }
  if (suite.runner.selected("sim_replace.identity_mismatch")) {
    const std::string stranger = random_adult_id();
    suite.pii_sent.push_back(stranger);
    auto refused = co_await run_op(suite, *suite.carrier, op::kSubscriberSimReplace,
                                   replace_input(fresh_id("conf_rpl_"), line.msisdn, stranger));
    suite.runner.verdict("sim_replace.identity_mismatch",
                         expect_error(refused, "IDENTITY_MISMATCH", false, false),
                         "a holder who is not the owner (" + id::mask_id_number(stranger) +
                             "): " + describe(refused));
  }
}

struct Group {
  uint64_t cap;
  const char* cap_name;
  std::span<const char* const> checks;
};

// Outside the coroutine: GCC 12 mishandles an array of aggregates in a
// coroutine frame.
const std::vector<Group>& subscriber_groups() {
  static const std::vector<Group> kGroups = {
      {CGW_CAP_SUBSCRIBER_QUERY, "CGW_CAP_SUBSCRIBER_QUERY", kQueryChecks},
      {CGW_CAP_RECHARGE, "CGW_CAP_RECHARGE", kRechargeChecks},
      {CGW_CAP_SUSPEND, "CGW_CAP_SUSPEND", kSuspendChecks},
      {CGW_CAP_SIM_REPLACE, "CGW_CAP_SIM_REPLACE", kReplaceChecks}};
  return kGroups;
}

}  // namespace

Awaitable check_subscriber(Suite& suite) {
  const auto& groups = subscriber_groups();
  bool any = false;
  for (const auto& g : groups) {
    if (!suite.has(g.cap))
      for (const char* c : g.checks)
        suite.runner.not_applicable(c, std::string("the plugin declares no ") + g.cap_name);
    else
      for (const char* c : g.checks) any = any || suite.runner.selected(c);
  }
  if (!any) co_return;
  if (suite.has(CGW_CAP_SUBSCRIBER_QUERY)) co_await check_query_unknown(suite);
  if (!suite.line) {
    const std::string why = "needs an activated line: " + suite.line_problem;
    for (const auto& g : groups)
      if (suite.has(g.cap))
        for (const char* c : g.checks)
          if (std::string_view(c) != "subscriber.query.unknown") suite.runner.skip(c, why);
    co_return;
  }
  if (suite.has(CGW_CAP_SUBSCRIBER_QUERY)) co_await check_query(suite);
  if (suite.has(CGW_CAP_RECHARGE)) {
    if (suite.runner.any_selected("recharge")) co_await check_recharge(suite);
    co_await check_recharge_not_found(suite);
    co_await check_recharge_lost_reply(suite);
  }
  if (suite.has(CGW_CAP_SUSPEND) &&
      (suite.runner.any_selected("suspend") || suite.runner.any_selected("resume") ||
       suite.runner.selected("subscriber.status_event")))
    co_await check_suspend(suite);
  if (suite.has(CGW_CAP_SIM_REPLACE) && suite.runner.any_selected("sim_replace"))
    co_await check_replace(suite);
}

}  // namespace cgw::conformance
