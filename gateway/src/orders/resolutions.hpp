// An operator's decision on an activation whose outcome is unknown
// (docs/reliability.md, "Unknown outcomes"): either the final status with a
// reason, or the carrier's own order id, which the carrier is then asked
// about and whose answer applies as a status query's would. Sent again
// after it applied, the same decision answers what the first one did.
#pragma once

#include "carriers/services.hpp"
#include "core/error.hpp"
#include "orders/activation_engine.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

namespace cgw::gw {

struct ResolveDecision {
  // Exactly one of these two (the API checks the request).
  std::optional<std::string> carrier_order_id;
  std::optional<std::string> status;  // activated | failed, with a reason
  std::optional<std::string> reason;
};

struct Resolved {
  Activation activation;
  bool replayed = false;  // the same decision was applied before
};

// NOT_FOUND: no such activation of `tenant`. ACTIVATION_NOT_UNKNOWN: its
// outcome is known (or became known meanwhile). With a carrier order id:
// CARRIER_UNAVAILABLE when the carrier is not loaded, ORDER_NOT_FOUND when
// it has no such order, CARRIER_BAD_RESPONSE for an answer about another
// order or an unknown status, or the carrier call's own error.
boost::asio::awaitable<Result<Resolved>> resolve_unknown(Services& svc, ActivationEngine& engine,
                                                         std::string tenant, std::string id,
                                                         ResolveDecision decision);

}  // namespace cgw::gw
