// What the request handlers, the inventory sync and the activation engine
// share: config, store, carriers and the clock.
#pragma once

#include "audit_log.hpp"
#include "config.hpp"
#include "metrics.hpp"
#include "number_index.hpp"
#include "plan_catalog.hpp"
#include "plugin_host.hpp"
#include "store.hpp"
#include "tenant_quotas.hpp"

#include <cgw/types.hpp>

#include <boost/asio/io_context.hpp>

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
  std::unique_ptr<Store> store;
  std::unique_ptr<NumberIndex> numbers = std::make_unique<NumberIndex>();  // search index
  std::map<std::string, std::unique_ptr<Carrier>> carriers;                // usable carriers only
  std::unique_ptr<ActivationEngine> engine;
  std::unique_ptr<TenantQuotas> quotas;
  std::unique_ptr<AuditLog> audit;
  Metrics metrics;    // GET /metrics (metrics.hpp)
  PlanCatalog plans;  // activation pre-checks (plan_catalog.hpp)
  NowFn now;
  std::atomic<bool> ready{false};

  Carrier* carrier(const std::string& id) {
    auto it = carriers.find(id);
    return it == carriers.end() ? nullptr : it->second.get();
  }
};

}  // namespace cgw::gw
