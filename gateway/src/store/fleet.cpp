#include "store/fleet.hpp"

#include <spdlog/spdlog.h>

namespace cgw::gw {

void Fleet::want(const std::string& lease) {
  {
    std::lock_guard lock(mu_);
    leases_.emplace(lease, false);
  }
  metrics_.set_lease_held(lease, repo_ == nullptr);
}

bool Fleet::holds(const std::string& lease) const {
  if (repo_ == nullptr) return true;
  std::lock_guard lock(mu_);
  auto it = leases_.find(lease);
  return it != leases_.end() && it->second;
}

void Fleet::set_held(const std::string& lease, bool held) {
  {
    std::lock_guard lock(mu_);
    leases_[lease] = held;
  }
  metrics_.set_lease_held(lease, held);
}

void Fleet::drop_all() {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, held] : leases_)
      if (held) names.push_back(name);
  }
  for (const auto& name : names) {
    spdlog::warn("fleet: lease {} dropped by instance {}: it cannot be renewed", name,
                 repo_->instance_id());
    set_held(name, false);
  }
}

FleetRepository::Beat Fleet::beat() {
  FleetRepository::Beat b;
  try {
    b = repo_->heartbeat();
  } catch (const std::exception& e) {
    // Once per outage, not once per heartbeat.
    if (!failing_.exchange(true))
      spdlog::warn("fleet: heartbeat of instance {} failed ({}); retrying every heartbeat",
                   repo_->instance_id(), e.what());
    drop_all();
    throw;
  }
  if (failing_.exchange(false))
    spdlog::info("fleet: heartbeat of instance {} renewed again", repo_->instance_id());
  if (b.rejoined)
    spdlog::error(
        "fleet: this instance's heartbeat had expired and the fleet adopted its work; it joined "
        "again as instance {}",
        repo_->instance_id());
  if (live_.exchange(b.live_instances) != b.live_instances)
    spdlog::info("fleet: {} instances alive", b.live_instances);
  metrics_.set_live_instances(b.live_instances);
  std::vector<std::pair<std::string, bool>> wanted;
  {
    std::lock_guard lock(mu_);
    wanted.assign(leases_.begin(), leases_.end());
  }
  for (const auto& [name, was_held] : wanted) {
    FleetRepository::Claim c;
    try {
      c = repo_->claim_lease(name);
    } catch (const std::exception& e) {
      if (was_held) spdlog::warn("fleet: lease {} not renewed ({}); dropped", name, e.what());
      set_held(name, false);
      continue;
    }
    if (c.held && c.taken)
      spdlog::info("fleet: instance {} took lease {} (previous holder: {})", repo_->instance_id(),
                   name, c.previous_holder.empty() ? "none" : c.previous_holder);
    else if (!c.held && was_held)
      spdlog::warn("fleet: instance {} lost lease {} to another instance", repo_->instance_id(),
                   name);
    set_held(name, c.held);
  }
  return b;
}

}  // namespace cgw::gw
