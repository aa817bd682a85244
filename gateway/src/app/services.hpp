// What the request handlers, the inventory sync and the activation engine
// share: config, store, carriers and the clock.
#pragma once

#include "api/audit_log.hpp"
#include "api/tenant_quotas.hpp"
#include "carriers/carrier.hpp"
#include "carriers/plan_catalog.hpp"
#include "core/config.hpp"
#include "core/metrics.hpp"
#include "inventory/number_index.hpp"
#include "store/operations.hpp"
#include "store/repositories.hpp"

#include <cgw/types.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::gw {

class ActivationEngine;

struct Tenant {
  std::string id;
  std::set<std::string> scopes;  // of the key used; empty: all
};

struct Services {
  Services(Config c, boost::asio::io_context& io);
  ~Services();  // out of line: ActivationEngine is incomplete here
  Config config;
  boost::asio::io_context& ioc;
  Repositories store;  // one repository per aggregate over one Database
  std::unique_ptr<NumberIndex> numbers = std::make_unique<NumberIndex>();  // search index
  std::map<std::string, std::unique_ptr<Carrier>> carriers;                // usable carriers only
  std::unique_ptr<ActivationEngine> engine;
  std::unique_ptr<TenantQuotas> quotas;
  std::unique_ptr<AuditLog> audit;
  Metrics metrics;    // GET /metrics (metrics.hpp)
  PlanCatalog plans;  // activation pre-checks (plan_catalog.hpp)
  NowFn now;
  std::atomic<bool> ready{false};
  // Set at SIGINT/SIGTERM: background loops (inventory sync) end at their
  // next step instead of starting more carrier calls or store writes.
  std::atomic<bool> stopping{false};
  // The inventory sync's store writes and index builds run here, off the
  // I/O threads. main() joins it once the I/O threads have stopped and
  // before the coroutines waiting on it are destroyed; last member, so it
  // is gone before the store it writes to in any case.
  boost::asio::thread_pool sync_worker{1};

  Carrier* carrier(const std::string& id) {
    auto it = carriers.find(id);
    return it == carriers.end() ? nullptr : it->second.get();
  }
};

}  // namespace cgw::gw
