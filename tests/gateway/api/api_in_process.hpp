// The gateway's unified API in process, without carriers and without a
// listener: the real HttpApi over the real SQLite store in `dir`, wired as
// App wires it (api::Deps). For tests and fuzz targets that send requests
// straight to HttpApi::handle. No plugin is loaded: carrier calls are not
// reachable from here.
#pragma once

#include "api/http_api.hpp"
#include "core/background_tasks.hpp"
#include "core/config.hpp"
#include "inventory/inventory.hpp"
#include "orders/activation_engine.hpp"
#include "store/sqlite/open.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace cgw::gw::in_process {

class ApiInProcess {
 public:
  // "" or what failed. `config_yaml` is a whole gateway.yaml; `now_ms` the
  // fixed clock; with `audit_log`, calls are audited to that file.
  std::string start(const std::string& config_yaml, const std::filesystem::path& dir,
                    int64_t now_ms, const std::filesystem::path& audit_log = {}) {
    auto cfg = parse_config(config_yaml, dir / "gateway.yaml");
    if (!cfg) return "config: " + cfg.error().message;
    svc = std::make_unique<Services>(std::move(cfg.value()), ioc);
    svc->now = [now_ms] { return now_ms; };
    auto store =
        open_sqlite_store(dir / "cgw.db", std::make_shared<const PiiCipher>(std::string(32, 'k')));
    if (!store) return "store: " + store.error().message;
    svc->store = std::move(store.value());
    inventory = std::make_unique<Inventory>(*svc);
    engine = std::make_unique<ActivationEngine>(*svc, tasks);
    if (!audit_log.empty()) {
      audit = std::make_unique<AuditLog>(audit_log);
      if (auto opened = audit->open(); !opened) return "audit log: " + opened.error().message;
    }
    api =
        std::make_unique<HttpApi>(api::Deps{*svc, inventory->index, *engine, nullptr, audit.get()});
    return {};
  }

  ~ApiInProcess() { stop(); }
  // Closes everything (the store's files included), in the reverse of the
  // App's order of creation. Repeating it does nothing.
  void stop() {
    api.reset();
    audit.reset();
    engine.reset();
    inventory.reset();
    svc.reset();
  }

  boost::asio::io_context ioc;
  BackgroundTasks tasks{ioc};
  std::unique_ptr<Services> svc;
  std::unique_ptr<Inventory> inventory;
  std::unique_ptr<ActivationEngine> engine;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<HttpApi> api;
};

}  // namespace cgw::gw::in_process
