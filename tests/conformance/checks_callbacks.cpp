// The carrier's callbacks for one order, as the gateway receives them:
// verified and parsed, redelivered with the same event id, refused when the
// signature or the signed body is corrupted, acknowledged in the carrier's
// format.
#include "suite.hpp"

#include <cctype>

namespace cgw::conformance {

namespace {

constexpr int64_t kFirstCallbackBudgetMs = 30'000;
constexpr int64_t kRedeliveryBudgetMs = 15'000;
constexpr int64_t kAckBudgetMs = 5'000;

// Where the kit stops waiting: activated, or an ending. The lifecycle
// statuses before activation (CGW_CAP_FULFILMENT) are on the way there.
bool is_final(OrderStatus status) {
  switch (status) {
    case OrderStatus::submitted:
    case OrderStatus::reviewing:
    case OrderStatus::shipped:
    case OrderStatus::delivered:
      return false;
    default:
      return true;
  }
}

// Index of the first delivery, from `from` on, with a final event for the
// order; -1 when none yet.
// `status`: only an event in that status (a redelivery of the first, not
// the order's next news such as a first top-up).
int find_final(const std::vector<ReceivedCallback>& all, const std::string& order_id,
               size_t from = 0, std::optional<OrderStatus> status = std::nullopt) {
  for (size_t i = from; i < all.size(); ++i)
    for (const auto& ev : all[i].events)
      if (ev.gateway_order_id == order_id && is_final(ev.status) &&
          (!status || ev.status == *status))
        return static_cast<int>(i);
  return -1;
}

const CallbackEvent& event_of(const ReceivedCallback& rc, const std::string& order_id) {
  for (const auto& ev : rc.events)
    if (ev.gateway_order_id == order_id) return ev;
  return rc.events.front();
}

// A different character of the same kind, so a hex or base64 value stays
// well-formed and only the verification can catch it.
char flip(char c) {
  if (std::isdigit(static_cast<unsigned char>(c))) return c == '0' ? '1' : '0';
  if (std::islower(static_cast<unsigned char>(c))) return c == 'a' ? 'b' : 'a';
  if (std::isupper(static_cast<unsigned char>(c))) return c == 'A' ? 'B' : 'A';
  return 'A';
}

// Corrupts the signature: every header whose name contains "sign"; with
// none, the first value after a "sign" key in the body (JSON, form or XML
// carriers that sign in the body). Returns what was changed, or "".
std::string corrupt_signature(ReceivedCallback& rc) {
  std::string changed;
  for (auto& [name, value] : rc.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("sign") == std::string::npos || value.empty()) continue;
    value[0] = flip(value[0]);
    changed += (changed.empty() ? "header " : ", ") + name;
  }
  if (!changed.empty()) return changed;
  for (size_t at = 0; (at = rc.body.find("sign", at)) != std::string::npos; at += 4) {
    size_t v = at + 4;
    while (v < rc.body.size() && std::string_view("\":= >'").find(rc.body[v]) != std::string::npos)
      ++v;
    if (v < rc.body.size() && std::isalnum(static_cast<unsigned char>(rc.body[v]))) {
      rc.body[v] = flip(rc.body[v]);
      return "the body's sign field";
    }
  }
  return {};
}

// Changes a signed value (the order id) so the signature no longer matches.
std::string tamper_body(ReceivedCallback& rc, const std::string& order_id,
                        const std::string& carrier_id) {
  for (const std::string* id : {&order_id, &carrier_id}) {
    if (id->empty()) continue;
    if (size_t at = rc.body.find(*id); at != std::string::npos) {
      const size_t last = at + id->size() - 1;
      rc.body[last] = flip(rc.body[last]);
      return "changed one character of " + *id + " in the body";
    }
  }
  for (char& c : rc.body)
    if (std::isdigit(static_cast<unsigned char>(c))) {
      c = flip(c);
      return "changed a digit in the body";
    }
  return {};
}

// Parses a forged copy and expects a refusal.
std::string refusal_problem(Suite& suite, const ReceivedCallback& forged) {
  auto out =
      suite.carrier->parse_callback(forged.method, forged.target, forged.headers, forged.body);
  if (out.verified) return "the forged callback was verified";
  if (out.refusal.code != "CALLBACK_REJECTED")
    return "refused with " + out.refusal.code + " instead of CALLBACK_REJECTED";
  return {};
}

Awaitable check_ack_accepted(Suite& suite, std::string event_id, std::string carrier_id) {
  if (suite.options.sim_admin.empty()) {
    suite.runner.skip("callback.ack_accepted", "no --sim-admin to ask the simulator");
    co_return;
  }
  const int64_t deadline = now_ms() + kAckBudgetMs;
  std::string last;
  while (now_ms() < deadline) {
    auto r = co_await admin_call(suite, "GET", "/admin/state");
    const json::object* state = r.body.if_object();
    const json::value* cbs = state ? state->if_contains("callbacks") : nullptr;
    if (!r.ok || !cbs || !cbs->is_array()) {
      last = "GET /admin/state gave no callbacks list (HTTP " + std::to_string(r.status) + ")";
      break;
    }
    for (const auto& c : cbs->get_array()) {
      const json::object* o = c.if_object();
      if (!o) continue;
      auto str = [&](const char* k) {
        const json::value* v = o->if_contains(k);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      if (str("eventId") != event_id && str("orderId") != carrier_id) continue;
      const json::value* acked = o->if_contains("acknowledged");
      if (acked && acked->is_bool() && acked->get_bool()) {
        suite.runner.pass("callback.ack_accepted",
                          "the simulator counts event " + event_id + " as acknowledged");
        co_return;
      }
      last = "the simulator does not count event " + event_id + " as acknowledged";
    }
    if (last.empty()) last = "the simulator lists no callback for event " + event_id;
    co_await sleep_ms(200);
  }
  suite.runner.fail("callback.ack_accepted", last);
}

}  // namespace

Awaitable check_callbacks(Suite& suite, std::string order_id, std::string carrier_id) {
  const char* const later[] = {"callback.duplicate", "callback.bad_signature",
                               "callback.tampered_body", "callback.ack_accepted"};
  if (!suite.runner.any_selected("activation.callback") && !suite.runner.any_selected("callback"))
    co_return;

  const int64_t deadline = now_ms() + kFirstCallbackBudgetMs;
  std::vector<ReceivedCallback> got = suite.listener.received();
  int first = -1;
  while ((first = find_final(got, order_id)) < 0 && now_ms() < deadline) {
    co_await sleep_ms(100);
    got = suite.listener.received();
  }
  // A genuine delivery the plugin refused is a failure even if a later one
  // got through (e.g. the signature covers the wrong target).
  std::string refused;
  for (const auto& rc : got)
    if (!rc.outcome.verified)
      refused = "a callback to " + rc.target + " was refused: " + rc.outcome.refusal.code + " " +
                rc.outcome.refusal.message;
    else if (!rc.events_problem.empty())
      refused = rc.events_problem;
  if (first < 0) {
    suite.runner.fail("activation.callback", "no verified callback with a final status of " +
                                                 order_id + " within " +
                                                 std::to_string(kFirstCallbackBudgetMs / 1000) +
                                                 " s (" + std::to_string(got.size()) + " received" +
                                                 (refused.empty() ? "" : "; " + refused) + ")");
    for (const char* c : later) suite.runner.skip(c, "needs activation.callback");
    co_return;
  }
  const ReceivedCallback delivery = got[first];  // a copy: `got` is refreshed below
  const CallbackEvent ev = event_of(delivery, order_id);
  std::string problem = refused;
  if (problem.empty() && ev.type != "activation.status")
    problem = "event type '" + ev.type + "' is not activation.status";
  if (problem.empty() && ev.event_id.empty()) problem = "event_id is empty";
  if (problem.empty() && ev.carrier_order_id != carrier_id)
    problem = "carrier_order_id " + ev.carrier_order_id + " instead of " + carrier_id;
  if (problem.empty() && ev.status != OrderStatus::activated &&
      ev.status != OrderStatus::first_topup)
    problem = "status " + std::string(wire_name(ev.status)) + " (reason " + ev.reason +
              "), expected activated";
  if (problem.empty() && ev.occurred_at_ms <= 0) problem = "occurred_at_ms is not set";
  if (problem.empty() && (delivery.outcome.ack_status < 200 || delivery.outcome.ack_status > 299))
    problem = "the acknowledgement of a verified callback has HTTP status " +
              std::to_string(delivery.outcome.ack_status);
  suite.runner.verdict("activation.callback", problem,
                       "event " + ev.event_id + ": " + std::string(wire_name(ev.status)) + " for " +
                           carrier_id + ", acknowledged with HTTP " +
                           std::to_string(delivery.outcome.ack_status));

  if (suite.runner.selected("callback.duplicate")) {
    // The listener answered the first delivery 503, so the carrier sends
    // the event again, re-signed: the gateway deduplicates on event_id.
    const int64_t redelivery_deadline = now_ms() + kRedeliveryBudgetMs;
    int second = -1;
    while ((second = find_final(got, order_id, first + 1, ev.status)) < 0 &&
           now_ms() < redelivery_deadline) {
      co_await sleep_ms(100);
      got = suite.listener.received();
    }
    if (second >= 0) {
      const CallbackEvent again = event_of(got[second], order_id);
      suite.runner.verdict(
          "callback.duplicate",
          again.event_id == ev.event_id
              ? ""
              : "the redelivered event has id " + again.event_id + ", the first " + ev.event_id,
          "the carrier redelivered " + ev.event_id + " after a 503; same event id");
    } else {
      // No redelivery: parse the same request twice instead.
      auto out = suite.carrier->parse_callback(delivery.method, delivery.target, delivery.headers,
                                               delivery.body);
      std::vector<CallbackEvent> events;
      try {
        if (out.verified)
          events = json::value_to<std::vector<CallbackEvent>>(json::parse(out.events_json));
      } catch (const std::exception&) {
        // Malformed events: `same` stays false and the check fails.
      }
      const bool same = !events.empty() && events.front().event_id == ev.event_id;
      suite.runner.verdict("callback.duplicate",
                           same ? ""
                                : "no redelivery within 15 s, and parsing the same request "
                                  "again did not yield event " +
                                      ev.event_id,
                           "no redelivery within 15 s; the same request parsed twice gives " +
                               ev.event_id + " both times");
    }
  }

  if (suite.runner.selected("callback.bad_signature")) {
    ReceivedCallback forged = delivery;
    const std::string what = corrupt_signature(forged);
    if (what.empty())
      suite.runner.fail("callback.bad_signature",
                        "found no signature to corrupt (no header or body field named *sign*)");
    else
      suite.runner.verdict("callback.bad_signature", refusal_problem(suite, forged),
                           "refused with one character of " + what + " changed");
  }
  if (suite.runner.selected("callback.tampered_body")) {
    ReceivedCallback forged = delivery;
    const std::string what = tamper_body(forged, order_id, carrier_id);
    suite.runner.verdict("callback.tampered_body",
                         what.empty() ? "the callback body has nothing to tamper with"
                                      : refusal_problem(suite, forged),
                         "refused: " + what + ", signature kept");
  }
  if (suite.runner.selected("callback.ack_accepted"))
    co_await check_ack_accepted(suite, ev.event_id, carrier_id);
}

}  // namespace cgw::conformance
