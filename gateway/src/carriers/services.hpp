// What the rooms above `carriers` (inventory, orders, api) share: the
// configuration, the store's repositories, the loaded carriers with their
// plan catalogue, the metrics counters and the clock. Only parts of this
// room and those below it: the search index belongs to `inventory`, the
// activation engine to `orders`, quotas and the audit log to `api`, and each
// is handed to whoever needs it by the App (app/app.cpp), which owns them
// all.
#pragma once

#include "carriers/carrier.hpp"
#include "carriers/plan_catalog.hpp"
#include "core/config.hpp"
#include "core/host_clock.hpp"
#include "core/metrics.hpp"
#include "store/fleet.hpp"
#include "store/repositories.hpp"

#include <cgw/types.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace cgw::gw {

struct Services {
  Services(Config c, boost::asio::io_context& io) : config(std::move(c)), ioc(io) {}
  Config config;
  boost::asio::io_context& ioc;
  Repositories store;                                        // one repository per aggregate
  std::map<std::string, std::unique_ptr<Carrier>> carriers;  // usable carriers only
  Metrics metrics;  // counters (core/metrics.hpp); rendered by api/
  // Leases of background work across the instances on one store
  // (store/fleet.hpp): a loop does its round only while holds() its lease.
  Fleet fleet{metrics};
  PlanCatalog plans;  // activation pre-checks (plan_catalog.hpp)
  // The one clock of the gateway's logic (core/host_clock.hpp): a test
  // clock only in a test deployment. `now` reads it (App binds it; tests
  // may bind another); background loops wait on `clock`, so a move of the
  // test clock wakes them.
  HostClock clock{config.test_clock};
  NowFn now;
  // /readyz: set once the App serves, cleared when it starts to stop.
  std::atomic<bool> ready{false};
  // Carriers whose inventory was never synced and whose first sync pass has
  // not ended (well or not): /readyz waits for them, so that a fresh
  // gateway does not answer searches with nothing. A restart with a synced
  // store serves the stored inventory at once and counts none.
  std::atomic<int> first_syncs_pending{0};
  // Set at SIGINT/SIGTERM: background loops end at their next step instead
  // of starting more carrier calls or store writes.
  std::atomic<bool> stopping{false};

  Carrier* carrier(const std::string& id) {
    auto it = carriers.find(id);
    return it == carriers.end() ? nullptr : it->second.get();
  }
};

}  // namespace cgw::gw
