// This instance's view of the fleet (store/fleet_repository.hpp): the
// leases it competes for, which of them it holds, and how many instances
// are alive. beat() (the App's fleet loop, every fleet.heartbeat_ms)
// renews the heartbeat and claims or renews every wanted lease; the
// background loops only read holds(), so a long pass (a full inventory
// sync) keeps its lease while it runs. Before a repository is bound (unit
// tests of one loop) every lease is held: one process, as on SQLite.
#pragma once

#include "core/metrics.hpp"
#include "store/fleet_repository.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::gw {

// Lease names (cgw_lease_held{lease=...}).
inline constexpr const char* kHousekeepingLease = "housekeeping";
// Adopting the work of dead instances (recover_interrupted_requests).
inline constexpr const char* kRecoveryLease = "recovery";
inline std::string inventory_sync_lease(const std::string& carrier) {
  return "inventory_sync:" + carrier;
}

class Fleet {
 public:
  explicit Fleet(Metrics& metrics) : metrics_(metrics) {}
  // Binds the store's fleet (after the store opened).
  void bind(FleetRepository& repo) { repo_ = &repo; }
  // Competes for `lease` from the next beat on.
  void want(const std::string& lease);
  bool holds(const std::string& lease) const;
  int64_t live_instances() const { return live_.load(std::memory_order_relaxed); }

  // One heartbeat: renews this instance and claims or renews each wanted
  // lease (a lease whose claim fails, the store unreachable, is not held).
  // Logs takeovers and losses. Throws what the store throws for the
  // heartbeat itself (every lease is then dropped: it cannot be renewed).
  FleetRepository::Beat beat();
  // Every lease dropped (the store is unreachable: none can be renewed).
  void drop_all();

 private:
  void set_held(const std::string& lease, bool held);
  Metrics& metrics_;
  FleetRepository* repo_ = nullptr;
  mutable std::mutex mu_;
  std::map<std::string, bool> leases_;  // wanted lease -> held; mu_
  std::atomic<int64_t> live_{1};
  std::atomic<bool> failing_{false};  // the last heartbeat failed
};

}  // namespace cgw::gw
