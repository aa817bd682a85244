#include "orders/resolutions.hpp"

#include "carriers/typed_call.hpp"
#include "core/activation_status.hpp"
#include "core/channels.hpp"
#include "orders/activation_engine.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <cgw/types.hpp>

#include <algorithm>

namespace cgw::gw {

namespace json = boost::json;

namespace {

// The cause of every history line an operator's resolve writes; a resolve
// sent again is recognised by it (idempotency).
constexpr std::string_view kResolveCause = "operator resolve";

bool resolved_by_operator(const Activation& a) {
  return std::any_of(a.history.begin(), a.history.end(),
                     [](const HistoryEntry& h) { return h.cause.starts_with(kResolveCause); });
}

// An activation that is not `unknown`: the answer of the same decision
// applied earlier, or ACTIVATION_NOT_UNKNOWN.
Result<Resolved> not_unknown(const Activation& now, const ResolveDecision& d) {
  if (resolved_by_operator(now) &&
      (d.status ? now.status == *d.status : now.carrier_order_id == *d.carrier_order_id))
    return Resolved{now, true};
  return make_error(code::kActivationNotUnknown,
                    "the activation is " + now.status +
                        "; only an activation whose outcome is unknown can be resolved");
}

StatusChange stated_change(const std::string& status, const std::string& reason_note) {
  StatusChange change;
  change.status = status;
  change.cause = std::string(kResolveCause) + ": " + status + reason_note;
  if (status == activation::kFailed) {
    change.failure_code = code::kResolvedFailed;
    change.failure_message = "an operator resolved the activation as failed" + reason_note;
  }
  return change;
}

// The carrier is asked by its own order id (the one the operator found at
// the carrier), and its answer applies as a status query's would.
boost::asio::awaitable<Result<StatusChange>> carrier_change(Services& svc, const Activation& a,
                                                            const std::string& order_id,
                                                            const std::string& reason_note) {
  Carrier* carrier = svc.carrier(a.carrier);
  if (!carrier)
    co_return make_error(code::kCarrierUnavailable,
                         "carrier " + std::string(public_carrier_id(a.carrier)) + " is not loaded",
                         true);
  // Built before the co_await: g++ 12 mishandles an aggregate temporary
  // inside a co_await expression (it freed it twice).
  ActivationQueryInput query;
  query.carrier_order_id = order_id;
  query.plugin_data = a.plugin_data;
  auto outcome = co_await call<ActivationStatusOutput>(*carrier, op::kActivationQuery, query);
  if (!outcome.ok()) {
    if (outcome.error().code == code::kOrderNotFound)
      co_return make_error(code::kOrderNotFound, "the carrier has no order " + order_id);
    co_return outcome.error();
  }
  const ActivationStatusOutput& answer = outcome.value();
  if (!answer.carrier_order_id.empty() && answer.carrier_order_id != order_id)
    co_return make_error(code::kCarrierBadResponse, "the carrier answered about another order");
  StatusChange change = ActivationEngine::change_for(
      answer, std::string(kResolveCause) + ": carrier order " + order_id + " is " +
                  std::string(wire_name(answer.status)) + reason_note);
  change.carrier_order_id = order_id;
  co_return change;
}

}  // namespace

boost::asio::awaitable<Result<Resolved>> resolve_unknown(Services& svc, ActivationEngine& engine,
                                                         std::string tenant, std::string id,
                                                         ResolveDecision decision) {
  auto a = svc.store.activations->get(tenant, id);
  if (!a) co_return not_found("no such activation");
  if (a->status != activation::kUnknown) co_return not_unknown(*a, decision);

  const std::string reason_note = decision.reason ? ": " + *decision.reason : std::string();
  Result<StatusChange> change = stated_change(decision.status.value_or(""), reason_note);
  if (!decision.status)
    change = co_await carrier_change(svc, *a, *decision.carrier_order_id, reason_note);
  if (!change) co_return change.error();
  auto before = resolve_unknown_activation(svc.store, tenant, id, change.value(), svc.now());
  auto now = svc.store.activations->get(tenant, id);
  if (!before || !now) co_return not_found("no such activation");
  // It moved while the carrier answered.
  if (*before != activation::kUnknown) co_return not_unknown(*now, decision);
  // Still open (the carrier is processing the order): the engine follows it
  // up by its order id, by callback or query.
  if (!is_settled_status(now->status)) engine.kick(id);
  spdlog::warn("activation={} resolved by an operator tenant={} status={} carrier_order={}", id,
               tenant, now->status, now->carrier_order_id);
  co_return Resolved{std::move(*now), false};
}

}  // namespace cgw::gw
