// Periodic store upkeep: held reservations past their expiry are released
// (the number shows in search again and cannot be activated), and
// idempotency keys older than the retention are pruned.
//
// The same loop works the carrier-lock release queue (docs/reliability.md
// "Carrier locks"): every second it leases the due `releasing` reservations and releases each lock
// at the carrier, finding the lock first (a reserve under the same gateway reservation id) when an
// interrupted reservation never learnt it. A release that fails is retried with backoff until the
// carrier confirms it or the lock's own expiry passes.
//
// Instances sharing a store: only the holder of the "housekeeping" lease
// (store/fleet.hpp) does the rounds.
#pragma once

#include "carriers/services.hpp"

#include <boost/asio/awaitable.hpp>

namespace cgw::gw {

boost::asio::awaitable<void> housekeeping_loop(Services& svc);

// One pass of the release queue: works the rows due now. Returns how many
// it worked (tests drive it directly).
boost::asio::awaitable<size_t> release_due_locks(Services& svc);

// The delay before release attempt `attempts` + 1: 1 s doubling to 5 min.
int64_t release_backoff_ms(int64_t attempts);

}  // namespace cgw::gw
