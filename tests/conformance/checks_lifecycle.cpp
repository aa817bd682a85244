// The order lifecycle of ABI 1.3 (docs/sdk.md 10.9): the kit's activation
// order moves forward only, with courier and waybill when shipped and the
// amount with a first top-up, and its callbacks agree with activation.query;
// activation.cancel before and after shipping; subscriber.status events.
#include "identities.hpp"
#include "suite.hpp"

#include <algorithm>
#include <map>

namespace cgw::conformance {

namespace {

constexpr int64_t kCatchUpBudgetMs = 15'000;  // callbacks trail the carrier's state
constexpr int64_t kEventBudgetMs = 5'000;     // a subscriber.status event
constexpr int64_t kCancelBudgetMs = 5'000;

// The position of a status in the forward-only lifecycle; the endings share
// the last place (nothing follows one).
int rank(OrderStatus s) {
  switch (s) {
    case OrderStatus::submitted:
      return 0;
    case OrderStatus::reviewing:
      return 1;
    case OrderStatus::shipped:
      return 2;
    case OrderStatus::delivered:
      return 3;
    case OrderStatus::activated:
      return 4;
    case OrderStatus::first_topup:
      return 5;
    default:
      return 6;  // failed, cancelled, returned
  }
}

std::string name(OrderStatus s) {
  return std::string(wire_name(s));
}

// What a status must come with: courier and waybill when shipped, the
// amount with a first top-up. "" or the problem.
std::string details_problem(OrderStatus s, const std::optional<std::string>& courier,
                            const std::optional<std::string>& waybill,
                            const std::optional<int64_t>& amount_fen) {
  if (s == OrderStatus::shipped && (!courier || courier->empty() || !waybill || waybill->empty()))
    return "shipped without courier and waybill";
  if (s == OrderStatus::first_topup && (!amount_fen || *amount_fen <= 0))
    return "first_topup without a positive amount_fen";
  return {};
}

// "" when each status is ahead of the one before it.
template <class T>
std::string order_problem(const std::vector<T>& seen, const char* by) {
  for (size_t i = 1; i < seen.size(); ++i) {
    const OrderStatus before = seen[i - 1].status, now = seen[i].status;
    if (now == before) continue;  // the same news twice
    if (rank(before) == 6)
      return std::string(by) + " reported " + name(now) + " after the ending " + name(before);
    if (rank(now) < rank(before))
      return std::string(by) + " went backwards: " + name(before) + " then " + name(now);
  }
  return {};
}

template <class T>
std::string trail_text(const std::vector<T>& seen) {
  std::string s;
  for (const auto& e : seen) s += (s.empty() ? "" : " -> ") + name(e.status);
  return s.empty() ? "(nothing)" : s;
}

Awaitable check_forward(Suite& suite) {
  const Suite::Line line = *suite.line;
  // The order may have moved on (a first top-up) since activation.query
  // stopped at activated.
  auto o =
      co_await run_op(suite, *suite.carrier, op::kActivationQuery,
                      query_input(line.gateway_order_id, line.carrier_order_id, line.plugin_data));
  std::string why;
  if (auto now = typed<ActivationStatusOutput>(o, why);
      now && (suite.trail.empty() || suite.trail.back().status != now->status))
    suite.trail.push_back(*now);
  if (why.empty()) why = order_problem(suite.trail, "activation.query");
  for (const auto& s : suite.trail)
    if (auto p = details_problem(s.status, s.courier, s.waybill, s.amount_fen);
        why.empty() && !p.empty())
      why = "activation.query: " + p;
  std::string shipped;
  for (const auto& s : suite.trail)
    if (s.status == OrderStatus::shipped) shipped = ", shipped by " + s.courier.value_or("");
  suite.runner.verdict("lifecycle.forward", why,
                       "activation.query saw " + trail_text(suite.trail) + shipped);
}

// The verified activation.status events of the order, once each (by
// event_id), in the carrier's time order.
std::vector<CallbackEvent> order_events(const Suite& suite, const Suite::Line& line) {
  std::map<std::string, CallbackEvent> by_id;
  for (const auto& rc : suite.listener.received())
    for (const auto& ev : rc.events)
      if (ev.type == event::kActivationStatus && (ev.gateway_order_id == line.gateway_order_id ||
                                                  ev.carrier_order_id == line.carrier_order_id))
        by_id.emplace(ev.event_id, ev);
  std::vector<CallbackEvent> out;
  for (auto& [id, ev] : by_id) out.push_back(ev);
  std::stable_sort(out.begin(), out.end(), [](const CallbackEvent& a, const CallbackEvent& b) {
    return a.occurred_at_ms != b.occurred_at_ms ? a.occurred_at_ms < b.occurred_at_ms
                                                : rank(a.status) < rank(b.status);
  });
  return out;
}

// Every status activation.query saw past submitted has its event, with the
// same courier, waybill and amount.
std::string agreement_problem(const std::vector<ActivationStatusOutput>& trail,
                              const std::vector<CallbackEvent>& events) {
  for (const auto& s : trail) {
    if (s.status == OrderStatus::submitted) continue;
    auto ev = std::find_if(events.begin(), events.end(),
                           [&](const CallbackEvent& e) { return e.status == s.status; });
    if (ev == events.end()) return "activation.query reported " + name(s.status) + ", no callback";
    // Only what belongs to the status: a carrier may repeat the courier on
    // later answers of one channel and not the other.
    if (s.status == OrderStatus::shipped && (ev->courier != s.courier || ev->waybill != s.waybill))
      return "the shipped callback says " + ev->courier.value_or("-") + " " +
             ev->waybill.value_or("-") + ", activation.query " + s.courier.value_or("-") + " " +
             s.waybill.value_or("-");
    if (s.status == OrderStatus::first_topup && ev->amount_fen != s.amount_fen)
      return "the first_topup callback and activation.query differ in amount_fen";
  }
  return {};
}

Awaitable check_callbacks(Suite& suite) {
  const Suite::Line line = *suite.line;
  const int64_t deadline = now_ms() + kCatchUpBudgetMs;
  std::vector<CallbackEvent> events = order_events(suite, line);
  std::string why = agreement_problem(suite.trail, events);
  while (!why.empty() && now_ms() < deadline) {
    co_await sleep_ms(200);
    events = order_events(suite, line);
    why = agreement_problem(suite.trail, events);
  }
  if (why.empty()) why = order_problem(events, "the callbacks");
  for (const auto& e : events)
    if (auto p = details_problem(e.status, e.courier, e.waybill, e.amount_fen);
        why.empty() && !p.empty())
      why = "event " + e.event_id + ": " + p;
  suite.runner.verdict("lifecycle.callbacks", why,
                       "the callbacks reported " + trail_text(events) +
                           ", in forward order, agreeing with activation.query");
}

json::object resume_input(const std::string& msisdn) {
  return json::object{{"gateway_request_id", fresh_id("conf_chg_")},
                      {"msisdn", msisdn},
                      {"reason", "holder_request"}};
}

json::object cancel_input(const Suite::Line& order) {
  return json::object{{"gateway_order_id", order.gateway_order_id},
                      {"carrier_order_id", order.carrier_order_id},
                      {"plugin_data", order.plugin_data},
                      {"reason", "customer_request"}};
}

// "" when the cancel answered `want` (and a refusal said why).
std::string cancel_problem(const gw::OperationResult& o, CancelResult want) {
  std::string why;
  auto out = typed<ActivationCancelOutput>(o, why);
  if (!out) return why;
  if (!out->result) return "the answer has no result";
  if (*out->result != want)
    return "result " + std::string(wire_name(*out->result)) + " (reason " + out->reason +
           "), expected " + std::string(wire_name(want));
  if (want == CancelResult::refused && out->reason.empty()) return "refused without a reason";
  return {};
}

// After a cancel: the order's status by activation.query, which must be
// `want` (polled briefly: a carrier may record it a moment later).
asio::awaitable<std::string> status_after(Suite& suite, Suite::Line order, OrderStatus want) {
  const int64_t deadline = now_ms() + kCancelBudgetMs;
  std::string why;
  while (true) {
    auto o = co_await run_op(
        suite, *suite.carrier, op::kActivationQuery,
        query_input(order.gateway_order_id, order.carrier_order_id, order.plugin_data));
    auto s = typed<ActivationStatusOutput>(o, why);
    if (!s) co_return "activation.query: " + why;
    if (s->status == want) co_return std::string();
    if (now_ms() >= deadline)
      co_return "activation.query then says " + name(s->status) + ", expected " + name(want);
    co_await sleep_ms(250);
  }
}

// A fresh order, cancelled before it ships, and cancelled again.
Awaitable check_cancel_fresh(Suite& suite) {
  co_await check_plans(suite);
  co_await check_inventory(suite);
  std::string why;
  if (!suite.has(CGW_CAP_RESERVE) || !suite.plan_id || suite.available.empty())
    why = "needs CGW_CAP_RESERVE, a plan and an available number";
  const std::string msisdn = suite.available.empty()
                                 ? ""
                                 : suite.available[std::min<size_t>(4, suite.available.size() - 1)];
  std::optional<ReserveOutput> hold;
  if (why.empty()) hold = co_await hold_number(suite, msisdn, why);
  Suite::Line order;
  if (hold) {
    const std::string id = random_adult_id();
    suite.pii_sent.push_back(id);
    order.gateway_order_id = fresh_id("conf_cnl_");
    auto o = co_await run_op(suite, *suite.carrier, op::kActivationSubmit,
                             submit_input(order.gateway_order_id, msisdn, *suite.plan_id,
                                          hold->carrier_reservation_id, id));
    auto out = typed<ActivationStatusOutput>(o, why);
    if (out) {
      order.carrier_order_id = out->carrier_order_id;
      order.plugin_data = out->plugin_data.value_or("");
    }
  }
  if (!why.empty()) {
    suite.runner.fail("cancel.before_shipping", "cannot place an order to cancel: " + why);
    suite.runner.skip("cancel.idempotent", "needs cancel.before_shipping");
    co_return;
  }
  auto o = co_await run_op(suite, *suite.carrier, op::kActivationCancel, cancel_input(order));
  why = cancel_problem(o, CancelResult::cancelled);
  if (why.empty() && suite.has(CGW_CAP_FULFILMENT))
    why = co_await status_after(suite, order, OrderStatus::cancelled);
  suite.runner.verdict(
      "cancel.before_shipping", why,
      "order " + order.carrier_order_id + " cancelled right after submit" +
          (suite.has(CGW_CAP_FULFILMENT) ? "; activation.query says cancelled" : ""));
  if (suite.runner.selected("cancel.idempotent")) {
    auto again = co_await run_op(suite, *suite.carrier, op::kActivationCancel, cancel_input(order));
    suite.runner.verdict("cancel.idempotent", cancel_problem(again, CancelResult::cancelled),
                         "cancelling the cancelled order again answers cancelled");
  }
}

// The kit's activated order is past shipping: refused, with a reason, and
// the order stays as it was.
Awaitable check_cancel_late(Suite& suite) {
  const Suite::Line line = *suite.line;
  auto o = co_await run_op(suite, *suite.carrier, op::kActivationCancel, cancel_input(line));
  std::string why = cancel_problem(o, CancelResult::refused);
  std::string reason;
  if (why.empty()) reason = json::value_to<ActivationCancelOutput>(o.value()).reason;
  if (why.empty()) {
    auto q = co_await run_op(
        suite, *suite.carrier, op::kActivationQuery,
        query_input(line.gateway_order_id, line.carrier_order_id, line.plugin_data));
    auto s = typed<ActivationStatusOutput>(q, why);
    if (s && s->status != OrderStatus::activated && s->status != OrderStatus::first_topup)
      why = "after the refusal activation.query says " + name(s->status);
  }
  suite.runner.verdict("cancel.after_shipping", why,
                       "the activated order " + line.carrier_order_id + ": refused (" + reason +
                           "), status unchanged");
}

}  // namespace

namespace {

// The verified subscriber.status events about `msisdn` in `status`.
std::vector<CallbackEvent> line_events(const Suite& suite, const std::string& msisdn,
                                       SubscriberStatus status) {
  std::vector<CallbackEvent> out;
  for (const auto& rc : suite.listener.received())
    for (const auto& ev : rc.events)
      if (ev.type == event::kSubscriberStatus && ev.msisdn == msisdn &&
          ev.subscriber_status == status)
        out.push_back(ev);
  return out;
}

asio::awaitable<std::vector<CallbackEvent>> await_line_event(Suite& suite, std::string msisdn,
                                                             SubscriberStatus status) {
  const int64_t deadline = now_ms() + kEventBudgetMs;
  auto seen = line_events(suite, msisdn, status);
  while (seen.empty() && now_ms() < deadline) {
    co_await sleep_ms(200);
    seen = line_events(suite, msisdn, status);
  }
  co_return seen;
}

std::string event_problem(const CallbackEvent& ev) {
  if (ev.event_id.empty()) return "a subscriber.status event without event_id";
  if (ev.occurred_at_ms <= 0) return "event " + ev.event_id + ": occurred_at_ms is not set";
  return {};
}

// The simulator's carrier suspends or lifts it (POST /admin/lines/...).
asio::awaitable<std::string> carrier_action(Suite& suite, std::string msisdn, std::string what) {
  auto r = co_await admin_call(suite, "POST", "/admin/lines/" + msisdn + "/" + what,
                               R"({"reason":"reverification"})");
  if (r.ok && r.status >= 200 && r.status <= 299) co_return std::string();
  co_return "the simulator cannot " + what + " the line as the carrier (POST /admin/lines/" +
      msisdn + "/" + what + ": " + (r.ok ? "HTTP " + std::to_string(r.status) : r.error) + " " +
      (r.body.is_null() ? std::string() : json::serialize(r.body)) + ")";
}

}  // namespace

// The carrier suspends the kit's line itself (the anti-fraud law allows it):
// the partner cannot lift it, and a carrier that reports such changes sends
// subscriber.status events, for the suspension and for its end.
Awaitable check_status_event(Suite& suite, std::string msisdn) {
  const char* event_check = "subscriber.status_event";
  const char* resume_check = "resume.carrier_suspended";
  if (!suite.runner.selected(event_check) && !suite.runner.selected(resume_check)) co_return;
  std::string why = "no --sim-admin to make the carrier suspend the line";
  if (!suite.options.sim_admin.empty()) why = co_await carrier_action(suite, msisdn, "suspend");
  if (!why.empty()) {
    suite.runner.skip(event_check, why);
    suite.runner.skip(resume_check, why);
    co_return;
  }
  auto o = co_await run_op(suite, *suite.carrier, op::kSubscriberResume, resume_input(msisdn));
  suite.runner.verdict(resume_check, expect_error(o, "CARRIER_REJECTED", false, false),
                       "the partner's resume of a line the carrier suspended: " + describe(o));
  std::vector<CallbackEvent> suspended, resumed;
  if (suite.has(CGW_CAP_CALLBACKS))
    suspended = co_await await_line_event(suite, msisdn, SubscriberStatus::suspended);
  why = co_await carrier_action(suite, msisdn, "resume");
  if (why.empty() && !suspended.empty())
    resumed = co_await await_line_event(suite, msisdn, SubscriberStatus::active);
  if (!suite.has(CGW_CAP_CALLBACKS)) {
    suite.runner.not_applicable(event_check, "the plugin declares no CGW_CAP_CALLBACKS");
  } else if (suspended.empty()) {
    suite.runner.not_applicable(event_check,
                                "no subscriber.status event within 5 s of the carrier's "
                                "suspension: the carrier does not report them");
  } else {
    if (why.empty() && resumed.empty())
      why = "no subscriber.status event (active) after the carrier lifted its suspension";
    if (why.empty()) why = event_problem(suspended.front());
    if (why.empty()) why = event_problem(resumed.front());
    suite.runner.verdict(event_check, why,
                         "the carrier's suspension and its end arrived as subscriber.status "
                         "events " +
                             suspended.front().event_id + " (suspended, " +
                             suspended.front().reason + ") and " +
                             (resumed.empty() ? "" : resumed.front().event_id) + " (active)");
  }
}

Awaitable check_lifecycle(Suite& suite) {
  if (!suite.has(CGW_CAP_FULFILMENT)) {
    for (const char* c : {"lifecycle.forward", "lifecycle.callbacks"})
      suite.runner.not_applicable(c, "the plugin declares no CGW_CAP_FULFILMENT");
  } else if (!suite.has(CGW_CAP_CALLBACKS)) {
    suite.runner.not_applicable("lifecycle.callbacks", "the plugin declares no CGW_CAP_CALLBACKS");
  }
  if (!suite.has(CGW_CAP_CANCEL))
    for (const char* c : {"cancel.after_shipping", "cancel.before_shipping", "cancel.idempotent"})
      suite.runner.not_applicable(c, "the plugin declares no CGW_CAP_CANCEL");
  const bool fulfilment = suite.has(CGW_CAP_FULFILMENT);
  const bool cancel = suite.has(CGW_CAP_CANCEL);
  const bool callbacks = fulfilment && suite.has(CGW_CAP_CALLBACKS);
  if (!suite.line) {
    const std::string why = "needs an activated line: " + suite.line_problem;
    if (fulfilment) suite.runner.skip("lifecycle.forward", why);
    if (callbacks) suite.runner.skip("lifecycle.callbacks", why);
    if (cancel) suite.runner.skip("cancel.after_shipping", why);
  } else {
    if (fulfilment && suite.runner.selected("lifecycle.forward")) co_await check_forward(suite);
    if (callbacks && suite.runner.selected("lifecycle.callbacks")) co_await check_callbacks(suite);
    if (cancel && suite.runner.selected("cancel.after_shipping")) co_await check_cancel_late(suite);
  }
  if (cancel && (suite.runner.any_selected("cancel.before_shipping") ||
                 suite.runner.selected("cancel.idempotent")))
    co_await check_cancel_fresh(suite);
}

}  // namespace cgw::conformance
