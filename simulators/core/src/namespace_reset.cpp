// POST /admin/reset (default instance) and /ns/<name>/admin/reset: the
// instance as at a fresh start. The router builds a new instance from the
// config it was made from (the sim YAML for the default instance, the
// config and the POST's overrides for a namespace) and swaps it in; the old
// one is stopped and retired. So nothing survives by construction: pool,
// ledger (locks, orders, lines, top-ups, replacements), faults and callback
// chaos (back to the configured ones), pending callbacks, journal, clock
// (offset 0, running) and id streams (the same requests give the same ids
// again). Requests in flight hold the old instance and finish on it. A saved
// namespace's file is written with the fresh state at once.
#include "admin_internal.hpp"
#include "cgw/sim/namespace_router.hpp"

#include <spdlog/spdlog.h>

namespace cgw::sim {

namespace json = boost::json;
using net::http::status;

namespace {

// What the reset discarded, for its reply.
json::object discarded(SimInstance& inst) {
  json::object out{{"faults", inst.faults().rules().size()}};
  SimContext* ctx = inst.context();
  if (!ctx) return out;
  size_t pending = 0;
  const auto callbacks = ctx->callbacks.journal();
  for (const auto& c : callbacks)
    if (!c.acknowledged && !c.gave_up && !c.dropped) ++pending;
  out["orders"] = ctx->ledger.orders().size();
  out["reservations"] = ctx->ledger.reservations().size();
  out["lines"] = ctx->ledger.lines().size();
  out["recharges"] = ctx->ledger.recharges().size();
  out["callbacks"] = callbacks.size();
  out["pendingCallbacks"] = pending;
  out["requests"] = ctx->journal.total();
  out["clockOffsetMs"] = ctx->clock.offset_ms();
  return out;
}

}  // namespace

net::Response NamespaceRouter::reset(const net::Request& req, const std::string& name) {
  if (req.method() != net::http::verb::post)
    return admin::error(req, status::method_not_allowed, "use POST");
  SimulatorConfig config = config_;
  {
    std::lock_guard lock(mu_);
    prune_retired();
    if (stopped_) return admin::error(req, status::conflict, "the simulator is stopping");
    if (!name.empty()) {
      auto it = namespaces_.find(name);
      if (it == namespaces_.end())
        return admin::error(req, status::not_found, "unknown namespace (POST /admin/namespaces)");
      config = it->second.config;
    }
  }
  // Built outside the lock (it generates a pool); the factory and the
  // checks already accepted this config once.
  std::shared_ptr<SimInstance> fresh;
  try {
    fresh = SimInstance::create(factory_, executor_, config, name);
  } catch (const std::exception& e) {
    spdlog::error("{}: cannot reset {}: {}", carrier(), name.empty() ? "default" : name, e.what());
    return admin::error(req, status::internal_server_error, "cannot reset the instance");
  }
  std::shared_ptr<SimInstance> old;
  // A saved namespace is saved as reset before any periodic save can write
  // the old state again.
  std::lock_guard save_lock(save_mu_);
  bool persist = false;
  {
    std::lock_guard lock(mu_);
    if (!name.empty()) {
      auto it = namespaces_.find(name);
      // Deleted meanwhile: the reset has nothing left to reset.
      if (it == namespaces_.end()) {
        retire(std::move(fresh));
        return admin::error(req, status::not_found, "unknown namespace (POST /admin/namespaces)");
      }
      old = std::exchange(it->second.instance, fresh);
      persist = it->second.persist;
    } else {
      std::lock_guard root_lock(root_mu_);
      old = std::exchange(root_, fresh);
    }
    if (started_ && !stopped_) fresh->start();
    // Stopped first, so no tick or callback of the old state runs after the
    // reply; requests in flight still finish on it.
    retire(old);
  }
  if (persist)
    if (auto e = save(name, true); !e.empty())
      return admin::error(req, status::internal_server_error, e);
  json::object reply{{"reset", name.empty() ? "default" : name},
                     {"seed", config.seed},
                     {"discarded", discarded(*old)},
                     {"faults", fresh->faults().rules().size()}};
  if (SimContext* ctx = fresh->context()) {
    reply["nowMs"] = ctx->clock.now_ms();
    reply["clockOffsetMs"] = ctx->clock.offset_ms();
    reply["frozen"] = ctx->clock.frozen();
  }
  spdlog::info("{}: {} reset to a fresh start", carrier(),
               name.empty() ? "default instance" : name);
  return json_response(req, status::ok, reply);
}

}  // namespace cgw::sim
