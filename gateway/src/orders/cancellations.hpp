// Cancelling an activation order (POST /v1/activations/{id}/cancel,
// docs/after-sales.md "Cancelling an order"). An order never sent is
// cancelled by the gateway alone; any other open order is cancelled by its
// carrier (activation.cancel), whose verdict decides. A lost answer is not
// assumed either way: the order stays as it was and the engine's next
// query shows whether the carrier cancelled it.
#pragma once

#include "carriers/services.hpp"
#include "core/error.hpp"
#include "orders/activation_engine.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace cgw::gw {

struct Cancelled {
  enum Verdict { kCancelled, kUnknown } verdict = kCancelled;
  Activation activation;
};

// NOT_FOUND: no such activation of `tenant`. CANCEL_REFUSED: the carrier
// refused (its reason in the message) or the order is past cancelling.
// NOT_SUPPORTED: the carrier offers no cancellation. CARRIER_UNAVAILABLE
// when the carrier is not loaded; otherwise the carrier call's own error
// when it is known to have changed nothing.
boost::asio::awaitable<Result<Cancelled>> cancel_activation(Services& svc, ActivationEngine& engine,
                                                            std::string tenant, std::string id,
                                                            std::string reason);

}  // namespace cgw::gw
