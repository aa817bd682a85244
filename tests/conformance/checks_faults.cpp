// Error mapping for faults the simulator injects into its real replies
// (POST <sim-admin>/admin/faults, docs/simulators-reference.md), plus the case every
// gateway must survive: the carrier applied an order but its reply was lost.
#include "identities.hpp"
#include "probes.hpp"

#include <algorithm>

namespace cgw::conformance {

namespace {

constexpr std::chrono::milliseconds kFaultTimeout{1'000};
const char* const kFaultChecks[] = {"fault.http_503", "fault.timeout", "fault.reset",
                                    "fault.malformed", "fault.lost_submit_reply"};

// The rule is set once the probes' instance is warm (a token or session
// fetched through the unfaulted carrier), and cleared afterwards.
Awaitable fault_probe(Suite& suite, const char* check, std::string rule, Rule expect) {
  if (!suite.runner.selected(check)) co_return;
  Arm arm = [&suite, rule]() { return inject(suite, rule); };
  co_await run_probes(suite, check, suite.options.base_url, expect, kFaultTimeout, arm);
  co_await clear_faults(suite);
}

// The order reaches the carrier, the reply does not: the plugin must say
// outcome_unknown, and activation.query by gateway_order_id alone (what the
// gateway asks next) must find the order.
Awaitable check_lost_submit_reply(Suite& suite) {
  const char* check = "fault.lost_submit_reply";
  if (!suite.runner.selected(check)) co_return;
  if (!suite.finds_order_by_gateway_id()) {
    suite.runner.not_applicable(check,
                                "the plugin declares that its carrier does not find orders "
                                "by gateway_order_id: a lost reply is resolved by an "
                                "operator (traits)");
    co_return;
  }
  if (!suite.has(CGW_CAP_ACTIVATION) || !suite.has(CGW_CAP_RESERVE)) {
    suite.runner.skip(check, "needs CGW_CAP_ACTIVATION and CGW_CAP_RESERVE");
    co_return;
  }
  co_await check_plans(suite);
  co_await check_inventory(suite);
  if (!suite.plan_id || suite.available.empty()) {
    suite.runner.fail(check, "needs a plan and an available number: " + suite.plan_problem + " " +
                                 suite.inventory_problem);
    co_return;
  }
  const std::string msisdn = suite.available[std::min<size_t>(3, suite.available.size() - 1)];
  std::string why;
  auto hold = co_await hold_number(suite, msisdn, why);
  if (!hold) {
    suite.runner.fail(check, "cannot hold " + msisdn + ": " + why);
    co_return;
  }
  auto quick =
      make_carrier(suite, carrier_config(suite, suite.options.base_url, kFaultTimeout), why);
  if (!quick) {
    suite.runner.fail(check, why);
    co_return;
  }
  co_await warm_up(suite, *quick);  // so the submit is the first request after the rule
  const std::string id = random_adult_id();
  suite.pii_sent.push_back(id);
  const std::string order_id = fresh_id("conf_lost_");
  const json::object input =
      submit_input(order_id, msisdn, *suite.plan_id, hold->carrier_reservation_id, id);
  // Served first (the order is placed), then the reply is held back.
  const std::string lose_reply =
      R"({"kind":"timeout","after_serve":true,"hold_ms":3000,"first":1})";
  if (auto err = co_await inject(suite, lose_reply); !err.empty()) {
    suite.runner.fail(check, err);
    co_return;
  }
  auto submitted = co_await run_op(suite, *quick, op::kActivationSubmit, input);
  co_await clear_faults(suite);
  if (auto problem = expect_error(submitted, "CARRIER_TIMEOUT", true, true); !problem.empty()) {
    suite.runner.fail(check, "submit whose reply was lost: " + problem);
    co_return;
  }
  // What the gateway does next: activation.query by gateway_order_id alone.
  // A carrier that answers ORDER_NOT_FOUND (e.g. a two-phase order whose
  // confirmation never went out) gets the same order again, which it must
  // complete without opening a second one.
  auto found =
      co_await run_op(suite, *suite.carrier, op::kActivationQuery, query_input(order_id, ""));
  std::string path = "activation.query by gateway_order_id finds ";
  if (!found.ok() && found.error().code == "ORDER_NOT_FOUND") {
    auto again = co_await run_op(suite, *suite.carrier, op::kActivationSubmit, input);
    if (!again.ok()) {
      suite.runner.fail(check,
                        "the query said ORDER_NOT_FOUND, and resubmitting the same order "
                        "failed: " +
                            describe(again));
      co_return;
    }
    found = co_await run_op(suite, *suite.carrier, op::kActivationQuery, query_input(order_id, ""));
    path = "the query said ORDER_NOT_FOUND; after resubmitting the same order it finds ";
  }
  auto status = typed<ActivationStatusOutput>(found, why);
  if (status && status->carrier_order_id.empty()) why = "the query found no carrier_order_id";
  if (!why.empty()) {
    suite.runner.fail(check, "activation.query after the lost reply: " + why);
    co_return;
  }
  suite.runner.pass(check, "submit -> " + submitted.error().code + " outcome_unknown; " + path +
                               status->carrier_order_id + " (" +
                               std::string(wire_name(status->status)) + ")");
}

}  // namespace

// Rules are JSON text: GCC 12 rejects an initializer list inside a co_await
// expression, and the text reads like the admin API's documentation.
asio::awaitable<std::string> inject(Suite& suite, std::string rule_json) {
  json::object rule = json::parse(rule_json).as_object();
  rule["operation"] = "*";
  auto r = co_await admin_call(suite, "POST", "/admin/faults", json::serialize(rule));
  if (!r.ok || r.status < 200 || r.status > 299)
    co_return "POST /admin/faults answered HTTP " + std::to_string(r.status) + " " + r.error + " " +
        json::serialize(r.body);
  co_return std::string();
}

Awaitable clear_faults(Suite& suite) {
  co_await admin_call(suite, "DELETE", "/admin/faults");
}

asio::awaitable<std::string> fault_api_absent(Suite& suite) {
  if (suite.options.sim_admin.empty()) co_return "no --sim-admin given";
  auto r = co_await admin_call(suite, "GET", "/admin/faults");
  if (!r.ok || r.status == 404 || r.status == 405 || r.body.is_null())
    co_return "simulator has no fault API (GET /admin/faults: " +
        (r.ok ? "HTTP " + std::to_string(r.status) : r.error) + ")";
  co_return std::string();
}

Awaitable check_sim_faults(Suite& suite) {
  if (!suite.runner.any_selected("fault")) co_return;
  const std::string absent = co_await fault_api_absent(suite);
  if (!absent.empty()) {
    for (const char* c : kFaultChecks) suite.runner.skip(c, absent);
    co_return;
  }
  if (!has_probes(suite)) {
    for (const char* c : kFaultChecks)
      suite.runner.not_applicable(c, "the plugin declares no operation");
    co_return;
  }
  co_await clear_faults(suite);
  co_await fault_probe(suite, "fault.http_503", R"({"kind":"http_status","status":503})", k5xxRule);
  co_await fault_probe(suite, "fault.timeout", R"({"kind":"timeout","hold_ms":3000})",
                       kTimeoutRule);
  co_await fault_probe(suite, "fault.reset", R"({"kind":"reset"})", kBrokenRule);
  co_await fault_probe(suite, "fault.malformed", R"({"kind":"malformed"})", kBadReplyRule);
  co_await check_lost_submit_reply(suite);
}

}  // namespace cgw::conformance
