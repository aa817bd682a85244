// The fleet's metrics (core/metrics.hpp): leases held, live instances, work
// recovered from dead instances.
#include "core/metrics.hpp"

namespace cgw::gw {

void Metrics::set_lease_held(const std::string& lease, bool held) {
  std::lock_guard lock(fleet_mu_);
  leases_[lease] = held;
}

void Metrics::count_recovered(int64_t keys, int64_t reservations, int64_t activations) {
  recovered_[0].fetch_add(static_cast<uint64_t>(keys), std::memory_order_relaxed);
  recovered_[1].fetch_add(static_cast<uint64_t>(reservations), std::memory_order_relaxed);
  recovered_[2].fetch_add(static_cast<uint64_t>(activations), std::memory_order_relaxed);
}

void Metrics::render_fleet(PromText& t) const {
  {
    std::lock_guard lock(fleet_mu_);
    if (!leases_.empty()) {
      t.family("cgw_lease_held", "gauge",
               "1 while this instance holds the named lease of background work, else 0.");
      for (const auto& [name, held] : leases_)
        t.sample("cgw_lease_held", {{"lease", name}}, int64_t{held ? 1 : 0});
    }
  }
  t.family("cgw_fleet_instances", "gauge",
           "Gateway instances alive on the store (heartbeat within the lease ttl), this one "
           "included; 1 on SQLite.");
  t.sample("cgw_fleet_instances", {}, live_instances_.load(std::memory_order_relaxed));
  t.family("cgw_fleet_recovered_total", "counter",
           "Rows of dead instances this instance recovered: in-flight idempotency keys freed, "
           "half-made reservations scheduled for release, open activations adopted.");
  static constexpr const char* kKinds[] = {"idempotency_keys", "reservations", "activations"};
  for (size_t i = 0; i < 3; ++i)
    t.sample("cgw_fleet_recovered_total", {{"kind", kKinds[i]}},
             recovered_[i].load(std::memory_order_relaxed));
}

}  // namespace cgw::gw
