// Instances sharing a PostgreSQL store (docs/reliability.md "Instances
// that share work"): every fleet.heartbeat_ms this instance renews its
// heartbeat and its leases (store/fleet.hpp), sets its share of the
// tenants' quotas from the live instances, and, holding the "recovery"
// lease, adopts the work of instances whose heartbeat expired: their
// in-flight Idempotency-Keys are freed, their half-made reservations
// scheduled for release, and their open activations driven here (the
// same rules as the start-up recovery of a single instance).
#pragma once

#include <boost/asio/awaitable.hpp>

namespace cgw::gw {

struct Services;
class ActivationEngine;
class TenantQuotas;

// One heartbeat and, when due, one recovery pass. Store errors are logged
// (every lease is dropped while the heartbeat fails), never thrown.
void fleet_round(Services& svc, ActivationEngine& engine, TenantQuotas& quotas);

// fleet_round every fleet.heartbeat_ms, until cancelled.
boost::asio::awaitable<void> fleet_loop(Services& svc, ActivationEngine& engine,
                                        TenantQuotas& quotas);

}  // namespace cgw::gw
