// activation.submit to its end: refusal at order time, the order itself, a
// resubmission, the final status by callback (checks_callbacks.cpp) and by
// polling activation.query.
#include "identities.hpp"
#include "suite.hpp"

namespace cgw::conformance {

asio::awaitable<void> check_callbacks(Suite& suite, std::string gateway_order_id,
                                      std::string carrier_order_id);

namespace {

constexpr int64_t kQueryBudgetMs = 30'000;
// Shipping and delivery come before activation with CGW_CAP_FULFILMENT.
constexpr int64_t kLifecycleBudgetMs = 60'000;
// How long activation.query goes on after activated for a first top-up.
constexpr int64_t kFirstTopupWaitMs = 5'000;
constexpr int64_t kQueryIntervalMs = 500;

std::string status_problem(const ActivationStatusOutput& s) {
  // A status outside the SDK's enum already failed the decoding (typed()).
  if (s.carrier_order_id.empty()) return "carrier_order_id is empty";
  return {};
}

// `undeclared`: the plugin declares no capability for them (N/A), rather
// than a check they need having failed (SKIP).
void skip_rest(Suite& suite, const std::string& why, bool undeclared = false) {
  suite.line_problem = why;
  for (const char* c : {"activation.submit.idempotent", "activation.callback", "callback.duplicate",
                        "callback.bad_signature", "callback.tampered_body", "callback.ack_accepted",
                        "activation.query"})
    undeclared ? suite.runner.not_applicable(c, why) : suite.runner.skip(c, why);
}

// The number for each order: distinct from the one number.* holds when the
// inventory has enough (that one is released again, so it is a fallback).
std::string pick_number(const Suite& suite, size_t preferred) {
  return suite.available[std::min(preferred, suite.available.size() - 1)];
}

Awaitable check_rejected_applicant(Suite& suite, std::string plan) {
  const std::string msisdn = pick_number(suite, 2);
  std::string why;
  auto hold = co_await hold_number(suite, msisdn, why);
  if (!hold) {
    suite.runner.fail("activation.submit.rejected_applicant", "cannot hold " + msisdn + ": " + why);
    co_return;
  }
  const std::string id = magic_id('1');
  suite.pii_sent.push_back(id);
  auto o = co_await run_op(
      suite, *suite.carrier, op::kActivationSubmit,
      submit_input(fresh_id("conf_rej_"), msisdn, plan, hold->carrier_reservation_id, id));
  // The carrier re-checks the applicant at order time: a clear refusal,
  // nothing applied, with the KYC reason as the message (docs/sdk.md 12).
  std::string problem = expect_error(o, "CARRIER_REJECTED", false, false);
  if (problem.empty() && o.error().message.find("ID_NAME_MISMATCH") == std::string::npos)
    problem = "the message does not name the KYC reason ID_NAME_MISMATCH (" + describe(o) + ")";
  suite.runner.verdict("activation.submit.rejected_applicant", problem,
                       "a name-mismatch applicant (91x): " + describe(o));
  co_await release_hold(suite, msisdn, hold->carrier_reservation_id);
}

// Not yet where activation.query stops polling: before activated, not ended.
bool in_progress(OrderStatus s) {
  return s == OrderStatus::submitted || s == OrderStatus::reviewing || s == OrderStatus::shipped ||
         s == OrderStatus::delivered;
}

// The statuses ABI 1.3 added, which only CGW_CAP_FULFILMENT may report.
bool is_fulfilment_status(OrderStatus s) {
  return s != OrderStatus::submitted && s != OrderStatus::activated && s != OrderStatus::failed;
}

// Polls the order until it leaves the in-progress statuses, recording each
// distinct status in suite.trail. Empty, or what went wrong.
asio::awaitable<std::string> poll_order(Suite& suite, std::string order_id, std::string carrier_id,
                                        std::string plugin_data, int& polls) {
  const int64_t budget = suite.has(CGW_CAP_FULFILMENT) ? kLifecycleBudgetMs : kQueryBudgetMs;
  const int64_t deadline = now_ms() + budget;
  std::optional<ActivationStatusOutput> last;
  std::string why;
  int64_t activated_at = 0;
  while (now_ms() < deadline) {
    ++polls;
    auto o = co_await run_op(suite, *suite.carrier, op::kActivationQuery,
                             query_input(order_id, carrier_id, plugin_data));
    last = typed<ActivationStatusOutput>(o, why);
    if (!last) co_return why;
    if (why = status_problem(*last); !why.empty()) co_return why;
    if (!suite.has(CGW_CAP_FULFILMENT) && is_fulfilment_status(last->status))
      co_return "reported " + std::string(wire_name(last->status)) +
          ", a lifecycle status, without declaring CGW_CAP_FULFILMENT";
    if (suite.trail.empty() || suite.trail.back().status != last->status)
      suite.trail.push_back(*last);
    if (!in_progress(last->status)) {
      // A first top-up may follow activation: wait a little for it, so that
      // lifecycle.forward sees it and it does not race the recharge checks.
      if (!suite.has(CGW_CAP_FULFILMENT) || last->status != OrderStatus::activated) break;
      if (activated_at == 0) activated_at = now_ms();
      if (now_ms() - activated_at >= kFirstTopupWaitMs) break;
    }
    co_await sleep_ms(kQueryIntervalMs);
  }
  if (!last) co_return "no answer";
  if (in_progress(last->status))
    co_return "still " + std::string(wire_name(last->status)) + " after " +
        std::to_string(budget / 1000) + " s of polling";
  if (last->status != OrderStatus::activated && last->status != OrderStatus::first_topup)
    co_return "final status " + std::string(wire_name(last->status)) + " (reason " + last->reason +
        "), expected activated";
  if (last->carrier_order_id != carrier_id)
    co_return "carrier_order_id " + last->carrier_order_id + " instead of " + carrier_id;
  co_return std::string();
}

// Coroutine parameters by value: a reference could outlive its referent.
Awaitable check_query(Suite& suite, Suite::Line line) {
  const std::string order_id = line.gateway_order_id, carrier_id = line.carrier_order_id;
  int polls = 0;
  std::string why = co_await poll_order(suite, order_id, carrier_id, line.plugin_data, polls);
  if (!why.empty()) {
    suite.line_problem = "the kit's order did not reach activated: " + why;
    suite.runner.fail("activation.query", why);
    co_return;
  }
  suite.line = line;
  if (!suite.finds_order_by_gateway_id()) {
    suite.runner.pass("activation.query", "activated after " + std::to_string(polls) +
                                              " polls (the carrier does not find orders by "
                                              "gateway_order_id alone, as the plugin declares)");
    co_return;
  }
  // The gateway resolves a lost submit answer with the gateway id alone.
  auto by_gateway_id =
      co_await run_op(suite, *suite.carrier, op::kActivationQuery, query_input(order_id, ""));
  auto alone = typed<ActivationStatusOutput>(by_gateway_id, why);
  if (alone &&
      (alone->carrier_order_id != carrier_id ||
       (alone->status != OrderStatus::activated && alone->status != OrderStatus::first_topup)))
    why = "by gateway_order_id alone: " + describe(by_gateway_id);
  suite.runner.verdict("activation.query", why,
                       "activated after " + std::to_string(polls) +
                           " polls; the gateway_order_id alone finds the same order");
}

Awaitable check_order(Suite& suite) {
  const std::string msisdn = pick_number(suite, 1);
  std::string why;
  auto hold = co_await hold_number(suite, msisdn, why);
  if (!hold) {
    suite.runner.fail("activation.submit", "cannot hold " + msisdn + ": " + why);
    skip_rest(suite, "needs activation.submit");
    co_return;
  }
  // A fresh ordinary adult: passes every check and never fills the
  // 5-lines-per-person quota of a long-lived simulator.
  const std::string id = random_adult_id();
  suite.pii_sent.push_back(id);
  const std::string order_id = fresh_id("conf_act_");
  const json::object input =
      submit_input(order_id, msisdn, *suite.plan_id, hold->carrier_reservation_id, id);
  const bool callbacks = suite.has(CGW_CAP_CALLBACKS);
  suite.listener.withhold_first_ack(callbacks && suite.runner.selected("callback.duplicate"));

  auto o = co_await run_op(suite, *suite.carrier, op::kActivationSubmit, input);
  auto out = typed<ActivationStatusOutput>(o, why);
  if (out) why = status_problem(*out);
  if (why.empty() && out->status == OrderStatus::failed)
    why = "the carrier failed the order at once (reason " + out->reason + ")";
  if (!why.empty()) {
    suite.runner.fail("activation.submit", why);
    skip_rest(suite, "needs activation.submit");
    co_await release_hold(suite, msisdn, hold->carrier_reservation_id);
    co_return;
  }
  const std::string carrier_id = out->carrier_order_id;
  suite.runner.pass("activation.submit", "order " + order_id + " for " + msisdn + " accepted as " +
                                             carrier_id + " (" +
                                             std::string(wire_name(out->status)) + ")");

  if (suite.runner.selected("activation.submit.idempotent")) {
    // The same gateway_order_id again (a retry after a lost answer) must
    // find the same order, not open a second line.
    auto again = co_await run_op(suite, *suite.carrier, op::kActivationSubmit, input);
    auto second = typed<ActivationStatusOutput>(again, why);
    if (second && second->carrier_order_id != carrier_id)
      why = "a resubmission made order " + second->carrier_order_id + ", not " + carrier_id;
    suite.runner.verdict("activation.submit.idempotent", why,
                         "a resubmission of " + order_id + " returns " + carrier_id);
  }

  if (callbacks) {
    co_await check_callbacks(suite, order_id, carrier_id);
    // Later events (the lifecycle's, subscriber.status) are acknowledged
    // at once: one redelivery is enough to judge.
    suite.listener.withhold_first_ack(false);
  } else {
    for (const char* c : {"activation.callback", "callback.duplicate", "callback.bad_signature",
                          "callback.tampered_body", "callback.ack_accepted"})
      suite.runner.not_applicable(c,
                                  "the plugin declares no CGW_CAP_CALLBACKS (activation.query "
                                  "follows the order)");
  }
  if (suite.runner.selected("activation.query") || suite.needs_line()) {
    // Built before the co_await: GCC 12 miscompiles a braced temporary
    // inside a co_await expression.
    Suite::Line line;
    line.msisdn = msisdn;
    line.owner_id = id;
    line.plan_id = *suite.plan_id;
    line.gateway_order_id = order_id;
    line.carrier_order_id = carrier_id;
    line.plugin_data = out->plugin_data.value_or("");
    co_await check_query(suite, std::move(line));
  }
}

}  // namespace

Awaitable check_activation(Suite& suite) {
  if (!suite.has(CGW_CAP_ACTIVATION)) {
    const std::string why = "the plugin declares no CGW_CAP_ACTIVATION";
    suite.runner.not_applicable("activation.submit.rejected_applicant", why);
    suite.runner.not_applicable("activation.submit", why);
    skip_rest(suite, why, /*undeclared=*/true);
    suite.runner.not_applicable("activation.query.unknown_order", why);
    co_return;
  }
  const bool needs_order = suite.runner.any_selected("activation.submit") ||
                           suite.runner.any_selected("activation.callback") ||
                           suite.runner.any_selected("callback") ||
                           suite.runner.any_selected("activation.query") || suite.needs_line();
  if (needs_order) {
    // An order needs a plan, a held number and a verified applicant.
    co_await check_plans(suite);
    co_await check_inventory(suite);
    std::string missing;
    if (!suite.has(CGW_CAP_RESERVE))
      missing =
          "an order needs a carrier_reservation_id, and the plugin declares no "
          "CGW_CAP_RESERVE";
    else if (!suite.plan_id)
      missing = "needs a plan: " + suite.plan_problem;
    else if (suite.available.empty())
      missing = "needs an available number: " + suite.inventory_problem;
    if (!missing.empty()) {
      suite.runner.fail("activation.submit.rejected_applicant", missing);
      suite.runner.fail("activation.submit", missing);
      skip_rest(suite, "needs activation.submit");
    } else {
      if (suite.runner.selected("activation.submit.rejected_applicant"))
        co_await check_rejected_applicant(suite, *suite.plan_id);
      co_await check_order(suite);
    }
  }
  if (!suite.finds_order_by_gateway_id()) {
    suite.runner.not_applicable("activation.query.unknown_order",
                                "the plugin declares that its carrier does not find orders by "
                                "gateway_order_id (traits)");
  } else if (suite.runner.selected("activation.query.unknown_order")) {
    auto o = co_await run_op(suite, *suite.carrier, op::kActivationQuery,
                             query_input(fresh_id("conf_missing_"), ""));
    suite.runner.verdict("activation.query.unknown_order",
                         expect_error(o, "ORDER_NOT_FOUND", false, false),
                         "an order the carrier never saw: " + describe(o));
  }
}

}  // namespace cgw::conformance
