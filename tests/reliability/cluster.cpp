#include "cluster.hpp"

#include "http.hpp"

#include <signal.h>

#include <fstream>
#include <thread>

namespace cgw::reliability {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const char* const kKeyHash = "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123";
const char* const kStoreFiles[] = {"cgw.db", "cgw.db-wal", "cgw.db-shm"};
}  // namespace

Cluster::~Cluster() {
  stop();
}

std::string Cluster::start() {
  fs::create_directories(o_.dir);
  const std::string secret = std::string(CGW_SOURCE_DIR) + "/config/secrets/mobile-demo.secret";
  {
    std::ofstream f(o_.dir / "simulators.yaml");
    f << "threads: 2\nsimulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n"
      << "    seed: " << o_.seed << "\n    pool_size: " << o_.pool_size
      << "\n    app_id: demo-mobile-app\n    secret: {file: " << secret << "}\n"
      << "    activation_delay_ms: " << o_.activation_delay_ms << "\n    reservation_ttl_s: 7200\n";
  }
  std::string why;
  auto ports = test::start_and_wait(sim_,
                                    {CGW_SIM_BIN, "--config", (o_.dir / "simulators.yaml").string(),
                                     "--ports-file", (o_.dir / "sim.ports").string()},
                                    o_.dir / "sim.log", o_.dir / "sim.ports", 20s, &why);
  if (!ports) return why;
  sim_port_ = static_cast<uint16_t>(json::parse(*ports).at("mobile").to_number<int>());
  {
    std::ofstream k(o_.dir / "pii.key");
    k << std::string(64, 'e');
    std::string store = "store: {path: cgw.db}\n";
    if (!o_.postgres_dsn.empty()) {
      std::ofstream(o_.dir / "pg.dsn") << o_.postgres_dsn;
      store = "store: {kind: postgres, dsn: {file: pg.dsn}}\n";
    }
    std::ofstream f(o_.dir / "gateway.yaml");
    f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
      << store << "log: {level: info}\nlimits: {housekeeping_interval_ms: 1000}\n"
      << "security: {pii_key: {file: pii.key}}\n"
      << "webhooks: {initial_backoff_ms: 200, max_backoff_ms: 2000, scan_interval_ms: 100, "
         "request_timeout_ms: 2000, max_in_flight: 64}\n"
      << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: " << kKeyHash << "\n";
    if (o_.webhook_port)
      f << "    webhook: {url: 'http://127.0.0.1:" << o_.webhook_port << "/hooks', secret: whsec_"
        << o_.webhook_secret_b64 << "}\n";
    f << "carriers:\n  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n    required: true\n"
      << "    base_url: http://127.0.0.1:" << sim_port_ << "\n"
      << "    sync_page_size: 1000\n    sync_interval_s: 3600\n    activation_poll_interval_s: 1\n"
      << "    request_timeout_ms: 3000\n    max_qps: 0\n"
      << "    circuit_breaker: {min_calls: 1000}\n"
      << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
  }
  if (auto err = start_gateway(); !err.empty()) return err;
  // The first full sync: the numbers to sell.
  for (int i = 0; i < 600; ++i) {
    auto r = test::http("GET", gateway_port(), "/v1/carriers", {},
                        {{"Authorization", "Bearer cgw-demo-key"}});
    if (r.status == 200 &&
        !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null())
      return {};
    std::this_thread::sleep_for(50ms);
  }
  return "the gateway did not finish its first sync";
}

std::string Cluster::start_gateway() {
  // Each run of the gateway has its own log.
  std::string why;
  auto port = test::start_and_wait(gateway_,
                                   {CGW_GATEWAY_BIN, "--config", (o_.dir / "gateway.yaml").string(),
                                    "--port-file", (o_.dir / "gw.port").string()},
                                   o_.dir / ("gateway." + std::to_string(restarts_) + ".log"),
                                   o_.dir / "gw.port", 30s, &why);
  if (!port) return why;
  gw_port_ = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
  return {};
}

std::string Cluster::kill_and_restart(const std::function<void()>& while_down) {
  std::lock_guard lock(mu_);
  gateway_.stop(SIGKILL, 10s);
  if (while_down) while_down();
  ++restarts_;
  return start_gateway();
}

void Cluster::snapshot_store() {
  fs::create_directories(o_.dir / "snapshot");
  for (const char* f : kStoreFiles) {
    fs::remove(o_.dir / "snapshot" / f);
    if (fs::exists(o_.dir / f)) fs::copy_file(o_.dir / f, o_.dir / "snapshot" / f);
  }
}

void Cluster::restore_store() {
  for (const char* f : kStoreFiles) {
    fs::remove(o_.dir / f);
    if (fs::exists(o_.dir / "snapshot" / f)) fs::copy_file(o_.dir / "snapshot" / f, o_.dir / f);
  }
}

bool Cluster::has_snapshot() const {
  return fs::exists(o_.dir / "snapshot" / "cgw.db");
}

void Cluster::stop() {
  gateway_.stop(SIGTERM, 10s);
  sim_.stop(SIGTERM, 10s);
}

}  // namespace cgw::reliability
