// Periodic store upkeep: held reservations past their expiry are released
// (the number shows in search again and cannot be activated), and
// idempotency keys older than the retention are pruned.
#pragma once

#include "services.hpp"

#include <boost/asio/awaitable.hpp>

namespace cgw::gw {

boost::asio::awaitable<void> housekeeping_loop(Services& svc);

}  // namespace cgw::gw
