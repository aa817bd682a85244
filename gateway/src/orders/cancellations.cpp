#include "orders/cancellations.hpp"

#include "carriers/typed_call.hpp"
#include "core/activation_status.hpp"
#include "core/channels.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <cgw/types.hpp>

namespace cgw::gw {

namespace {

Error past_cancelling(const Activation& a) {
  return make_error(code::kCancelRefused,
                    "the activation is " + a.status + "; only an open order can be cancelled");
}

Result<Cancelled> current(Services& svc, const std::string& tenant, const std::string& id,
                          Cancelled::Verdict verdict) {
  auto a = svc.store.activations->get(tenant, id);
  if (!a) return not_found("no such activation");
  return Cancelled{verdict, std::move(*a)};
}

}  // namespace

boost::asio::awaitable<Result<Cancelled>> cancel_activation(Services& svc, ActivationEngine& engine,
                                                            std::string tenant, std::string id,
                                                            std::string reason) {
  auto a = svc.store.activations->get(tenant, id);
  if (!a) co_return not_found("no such activation");
  // Cancelling a cancelled order answers the same again.
  if (a->status == activation::kCancelled) co_return Cancelled{Cancelled::kCancelled, *a};
  if (is_settled_status(a->status)) co_return past_cancelling(*a);
  Carrier* carrier = svc.carrier(a->carrier);
  if (!carrier)
    co_return make_error(code::kCarrierUnavailable,
                         "carrier " + std::string(public_carrier_id(a->carrier)) + " is not loaded",
                         true);
  if (!carrier->has(CGW_CAP_CANCEL))
    co_return make_error(code::kNotSupported, "carrier " +
                                                  std::string(public_carrier_id(a->carrier)) +
                                                  " offers no cancellation of orders");
  const std::string cause = "cancelled at the platform's request" +
                            (reason.empty() ? std::string() : " (" + reason + ")");
  if (a->status == activation::kPending) {
    auto before = cancel_unsent_activation(svc.store, tenant, id, cause, svc.now());
    if (before && *before == activation::kPending) {
      auto now = svc.store.activations->get(tenant, id);
      if (now && now->status == activation::kCancelled) {
        engine.settled(id);
        spdlog::info("activation={} cancelled before it was sent tenant={}", id, tenant);
        co_return Cancelled{Cancelled::kCancelled, std::move(*now)};
      }
    }
    // A submit was started meanwhile: the carrier decides.
  }
  // Built before the co_await (g++ 12 and aggregate temporaries in
  // co_await expressions: see resolutions.cpp).
  ActivationCancelInput in;
  in.gateway_order_id = id;
  in.carrier_order_id = a->carrier_order_id;
  in.plugin_data = a->plugin_data;
  in.reason = reason;
  auto outcome = co_await call<ActivationCancelOutput>(*carrier, op::kActivationCancel, in);
  if (!outcome) {
    if (!outcome.error().outcome_unknown) co_return outcome.error();
    // The carrier may have cancelled it: the engine's queries will show.
    spdlog::warn("activation={} cancel outcome unknown ({}); the next status query settles it", id,
                 outcome.error().message);
    engine.kick(id);
    co_return current(svc, tenant, id, Cancelled::kUnknown);
  }
  const auto& answer = outcome.value();
  if (*answer.result == CancelResult::refused) {
    spdlog::info("activation={} cancel refused by the carrier reason={}", id, answer.reason);
    co_return make_error(
        code::kCancelRefused,
        "the carrier refused to cancel the order" +
            (answer.reason.empty() ? std::string() : " (carrier reason " + answer.reason + ")"));
  }
  StatusChange change{activation::kCancelled, cause};
  advance_activation(svc.store, id, change, svc.now());
  engine.settled(id);  // its drive need not sleep until its next query
  auto now = current(svc, tenant, id, Cancelled::kCancelled);
  // Moved on meanwhile (e.g. shipped by a callback): the carrier said
  // cancelled, yet the store keeps its forward-only order; say what it is.
  if (now && now->activation.status != activation::kCancelled)
    spdlog::warn("activation={} cancelled by the carrier but it is {} here", id,
                 now->activation.status);
  spdlog::info("activation={} cancelled by the carrier tenant={}", id, tenant);
  co_return now;
}

}  // namespace cgw::gw
