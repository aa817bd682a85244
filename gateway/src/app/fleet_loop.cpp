#include "app/fleet_loop.hpp"

#include "api/tenant_quotas.hpp"
#include "carriers/services.hpp"
#include "orders/activation_engine.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cgw::gw {

namespace asio = boost::asio;

namespace {
void recover_dead_instances(Services& svc, ActivationEngine& engine) {
  auto r = recover_interrupted_requests(svc.store, svc.now(),
                                        svc.config.reservation_recovery_grace.count());
  if (r.keys == 0 && r.reservations == 0 && r.activations.empty()) return;
  spdlog::warn(
      "fleet: instance {} recovered the work of dead instances: {} idempotency keys freed, {} "
      "half-made reservations kept for a retry of their key, then their carrier locks released, "
      "{} open activations adopted",
      svc.store.fleet->instance_id(), r.keys, r.reservations, r.activations.size());
  svc.metrics.count_recovered(r.keys, r.reservations, static_cast<int64_t>(r.activations.size()));
  // Driven from their stored state: a submit the dead instance may have
  // sent is queried before it is sent again.
  for (const auto& id : r.activations) engine.kick(id);
}
}  // namespace

void fleet_round(Services& svc, ActivationEngine& engine, TenantQuotas& quotas) {
  FleetRepository::Beat beat;
  try {
    beat = svc.fleet.beat();
  } catch (const std::exception&) {
    return;  // logged by Fleet::beat, once per outage
  }
  quotas.set_instances(beat.live_instances);
  if (!beat.may_recover || !svc.fleet.holds(kRecoveryLease) || svc.stopping) return;
  try {
    recover_dead_instances(svc, engine);
  } catch (const std::exception& e) {
    spdlog::error("fleet: recovery of dead instances' work failed: {}", e.what());
  }
}

asio::awaitable<void> fleet_loop(Services& svc, ActivationEngine& engine, TenantQuotas& quotas) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(svc.config.fleet_heartbeat);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || svc.stopping) co_return;
    fleet_round(svc, engine, quotas);
  }
}

}  // namespace cgw::gw
