// cgw-gateway: loads config, opens the store, loads carrier plugins, serves
// the unified API, syncs inventory and drives activations. SIGINT/SIGTERM
// stop it gracefully: no new connections, in-flight requests finish (up to
// limits.shutdown_grace_ms), exit code 0.
#include "activation_engine.hpp"
#include "cgw/common/crypto.hpp"
#include "config.hpp"
#include "housekeeping.hpp"
#include "http_api.hpp"
#include "inventory_sync.hpp"
#include "plugin_host.hpp"
#include "services.hpp"
#include "webhooks.hpp"

#include "cgw/common/http_server.hpp"
#include "cgw/common/log_setup.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace asio = boost::asio;
using namespace cgw;
using namespace cgw::gw;

namespace {

int usage() {
  std::cerr << "usage: cgw-gateway --config <file> [--port-file <file>] [--check-config]\n"
               "       cgw-gateway --new-api-key [<prefix>]   (prefix: a-z, 0-9, '_'; "
               "default cgw_live)\n";
  return 2;
}

// A new API key: "<prefix>_<key id>_<secret>". The prefix and key id stay
// visible (config label, audit log, support tickets); only the SHA-256 of
// the whole key goes into the config.
int new_api_key(const std::string& prefix) {
  for (char ch : prefix)
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '_'))
      return usage();
  const std::string visible = prefix + "_" + crypto::random_hex(4);
  const std::string key = visible + "_" + crypto::random_hex(24);
  std::cout << "API key (shown once; give it to the platform service):\n  " << key
            << "\n\nFor the tenant's api_keys in the gateway config:\n"
            << "      - sha256: " << crypto::sha256_hex(key) << "\n"
            << "        label: " << visible << "\n"
            << "        scopes: [inventory:read, numbers:reserve, kyc:verify, activations:write, "
               "activations:read]\n";
  return 0;
}

bool write_port_file(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) return false;
    out << "{\"port\": " << port << "}\n";
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Loads every configured plugin; a refused one is logged and skipped unless
// the carrier is required. Returns false when a required carrier failed.
bool load_carriers(Services& svc, const std::string& callback_base) {
  for (const auto& cc : svc.config.carriers) {
    std::string why;
    auto lib = load_plugin(cc.plugin, host_table(), why);
    std::unique_ptr<Carrier> carrier;
    if (lib) {
      carrier = std::make_unique<Carrier>(cc, lib, svc.ioc.get_executor());
      why = carrier->create(callback_base + "/v1/callbacks/" + cc.id);
      if (!why.empty()) carrier.reset();
    }
    if (!carrier) {
      spdlog::error("plugin refused carrier={} file={} reason={}", cc.id, cc.plugin.string(), why);
      if (cc.required) return false;
      continue;
    }
    spdlog::info("plugin loaded carrier={} name={} version={} abi={} file={}", cc.id,
                 carrier->library().name, carrier->library().version, carrier->library().abi,
                 cc.plugin.string());
    svc.carriers.emplace(cc.id, std::move(carrier));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, port_file;
  bool check_only = false;
  if (argc >= 2 && std::string(argv[1]) == "--new-api-key")
    return argc > 3 ? usage() : new_api_key(argc == 3 ? argv[2] : "cgw_live");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc)
      config_path = argv[++i];
    else if (a == "--port-file" && i + 1 < argc)
      port_file = argv[++i];
    else if (a == "--check-config")
      check_only = true;
    else
      return usage();
  }
  if (config_path.empty()) return usage();

  auto loaded = load_config(config_path);
  if (!loaded.config) {
    std::cerr << "cgw-gateway: invalid config: " << loaded.error << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "config OK: " << config_path << "\n";
    return 0;
  }
  if (!init_logging("cgw-gateway", loaded.config->log_level))
    spdlog::warn("unknown log level '{}', using info", loaded.config->log_level);

  asio::io_context ioc(loaded.config->threads);
  auto svc = std::make_unique<Services>(std::move(*loaded.config), ioc);
  svc->now = [] { return system_now_ms(); };
  set_host_clock(svc->now);
  const Config& cfg = svc->config;

  svc->store = std::make_unique<Store>(cfg.store_path, PiiCipher(cfg.pii_key));
  if (auto err = svc->store->open(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }

  {
    auto r = svc->store->recover_interrupted_requests(svc->now());
    if (r.keys > 0 || r.reservations > 0)
      spdlog::warn(
          "recovered from an unclean stop: {} idempotency keys freed, {} half-made reservations "
          "failed",
          r.keys, r.reservations);
  }
  svc->quotas = std::make_unique<TenantQuotas>(cfg.tenants);
  svc->audit = std::make_unique<AuditLog>(cfg.audit_log_path);
  if (auto err = svc->audit->open(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  WebhookDispatcher webhooks(*svc);

  HttpApi api(*svc);
  net::ServerOptions so;
  so.address = cfg.listen_address;
  so.port = cfg.listen_port;
  so.max_header_bytes = cfg.max_header_bytes;
  so.max_body_bytes = cfg.max_body_bytes;
  so.read_timeout = cfg.read_timeout;
  so.idle_timeout = cfg.idle_timeout;
  so.server_name = "cgw-gateway";
  if (cfg.listen_tls) {
    std::string err;
    net::ServerTls tls;
    tls.cert_file = cfg.listen_tls->cert_file.string();
    tls.key_file = cfg.listen_tls->key_file.string();
    tls.client_ca_file = cfg.listen_tls->client_ca_file.string();
    tls.require_client_cert = cfg.listen_tls->require_client_cert;
    so.tls = net::make_server_tls(tls, err);
    if (!so.tls) {
      spdlog::critical("{}", err);
      return 1;
    }
  }
  for (const auto& c : cfg.carriers)
    if (!c.tls_verify)
      spdlog::warn(
          "carrier={} TLS certificate verification is OFF (tls.verify: false): use only against "
          "a test carrier",
          c.id);
  net::HttpServer server(
      ioc, so, [&api](net::Request& req, const net::Peer& peer) { return api.handle(req, peer); });
  if (auto err = server.listen(); !err.empty()) {
    spdlog::critical("cannot listen: {}", err);
    return 1;
  }
  const std::string base_url = std::string(so.tls ? "https://" : "http://") + cfg.listen_address +
                               ":" + std::to_string(server.port());
  const std::string callback_base = cfg.public_base_url.empty() ? base_url : cfg.public_base_url;

  if (!load_carriers(*svc, callback_base)) {
    spdlog::critical("a required carrier could not be loaded; exiting");
    return 1;
  }
  if (svc->carriers.empty()) spdlog::warn("no carrier plugin loaded: the API serves no carrier");
  svc->engine = std::make_unique<ActivationEngine>(*svc);

  server.start();
  svc->engine->start();
  webhooks.start();
  for (auto& [id, carrier] : svc->carriers)
    asio::co_spawn(ioc, inventory_sync_loop(*svc, *carrier), asio::detached);
  asio::co_spawn(ioc, housekeeping_loop(*svc), asio::detached);
  svc->ready = true;
  spdlog::info("cgw-gateway listening on {} with {} carriers, store {}", base_url,
               svc->carriers.size(), cfg.store_path.string());
  std::cout << "cgw-gateway listening on " << base_url << std::endl;
  if (!port_file.empty() && !write_port_file(port_file, server.port()))
    spdlog::error("cannot write port file {}", port_file);

  // Graceful stop: drain, then wait for in-flight requests up to the grace.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer grace(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> wait_idle = [&]() {
    if (server.active_connections() == 0 || std::chrono::steady_clock::now() >= deadline) {
      spdlog::info("stopped ({} connections left)", server.active_connections());
      ioc.stop();
      return;
    }
    grace.expires_after(std::chrono::milliseconds(20));
    grace.async_wait([&wait_idle](const boost::system::error_code&) { wait_idle(); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: draining {} connections", sig, server.active_connections());
    svc->ready = false;
    svc->engine->stop();
    webhooks.stop();
    server.drain();
    deadline = std::chrono::steady_clock::now() + cfg.shutdown_grace;
    wait_idle();
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  spdlog::default_logger()->flush();
  return 0;
}
