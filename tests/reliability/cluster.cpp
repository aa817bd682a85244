#include "cluster.hpp"

#include "cgw/common/crypto.hpp"
#include "http.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

namespace cgw::reliability {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const char* const kKeyHash = "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123";
const char* const kStoreFiles[] = {"cgw.db", "cgw.db-wal", "cgw.db-shm"};

bool port_free(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// `n` consecutive ports free on 127.0.0.1 now, from a random start in a
// range the kernel does not hand out as ephemeral ports (32768-60999 on
// Linux), so a client socket is unlikely to take one between two restarts.
uint16_t consecutive_free_ports(int n, uint64_t seed) {
  std::mt19937_64 rng(seed ^ static_cast<uint64_t>(::getpid()));
  std::uniform_int_distribution<int> base(20000, 32000 - n);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto first = static_cast<uint16_t>(base(rng));
    bool all = true;
    for (int i = 0; i < n && all; ++i) all = port_free(static_cast<uint16_t>(first + i));
    if (all) return first;
  }
  return 0;
}
}  // namespace

Cluster::Cluster(ClusterOptions o) : o_(std::move(o)) {
  for (int i = 0; i < std::max(o_.instances, 1); ++i) {
    gateways_.push_back(std::make_unique<Gateway>());
    // One instance keeps the file names it always had.
    gateways_.back()->name = o_.instances > 1 ? "gateway" + std::to_string(i) : "gateway";
  }
}

Cluster::~Cluster() {
  stop();
}

std::string Cluster::write_gateway_config(Gateway& g, const std::string& secret) {
  std::string store = "store: {path: cgw.db}\n";
  if (!o_.postgres_dsn.empty()) {
    std::ofstream(o_.dir / "pg.dsn") << o_.postgres_dsn;
    store = "store: {kind: postgres, dsn: {file: pg.dsn}}\n";
  }
  std::ofstream f(o_.dir / (g.name + ".yaml"));
  f << "listen: {address: 127.0.0.1, port: " << g.port.load() << "}\nthreads: 2\n"
    << store << "log: {level: info}\nlimits: {housekeeping_interval_ms: 1000}\n"
    << "security: {pii_key: {file: pii.key}}\n"
    << "webhooks: {initial_backoff_ms: 200, max_backoff_ms: 2000, scan_interval_ms: 100, "
       "request_timeout_ms: 2000, max_in_flight: 64}\n"
    << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: " << kKeyHash << "\n";
  if (o_.webhook_port)
    f << "    webhook: {url: 'http://127.0.0.1:" << o_.webhook_port << "/hooks', secret: whsec_"
      << o_.webhook_secret_b64 << "}\n";
  f << "  - id: monitoring\n    api_keys:\n      - sha256: " << crypto::sha256_hex(kMetricsKey)
    << "\n        scopes: [metrics:read]\n";
  f << "carriers:\n  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n    required: true\n"
    << "    base_url: http://127.0.0.1:" << sim_port_ << "\n"
    << "    sync_page_size: 1000\n    sync_interval_s: 3600\n    activation_poll_interval_s: 1\n"
    << "    request_timeout_ms: 3000\n    max_qps: 0\n"
    << "    circuit_breaker: {min_calls: 1000}\n"
    << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
  return f ? std::string() : "cannot write " + g.name + ".yaml";
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
  std::ofstream(o_.dir / "pii.key") << std::string(64, 'e');
  if (gateways_.size() > 1) {
    const uint16_t first = consecutive_free_ports(instances(), o_.seed);
    if (first == 0) return "no " + std::to_string(instances()) + " consecutive free ports";
    for (size_t i = 0; i < gateways_.size(); ++i)
      gateways_[i]->port = static_cast<uint16_t>(first + i);
  }
  for (auto& g : gateways_) {
    if (auto err = write_gateway_config(*g, secret); !err.empty()) return err;
    if (auto err = start_gateway(*g); !err.empty()) return err;
    // The first full sync (by the first instance; a fleet shares its
    // store): the numbers to sell.
    bool synced = false;
    for (int i = 0; i < 600 && !synced; ++i) {
      auto r = test::http("GET", g->port, "/v1/carriers", {},
                          {{"Authorization", "Bearer cgw-demo-key"}});
      synced = r.status == 200 &&
               !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null();
      if (!synced) std::this_thread::sleep_for(50ms);
    }
    if (!synced) return g->name + " did not finish its first sync";
  }
  return {};
}

std::string Cluster::start_gateway(Gateway& g) {
  // Each run of the gateway has its own log.
  const bool fleet = gateways_.size() > 1;
  const auto port_file = o_.dir / (fleet ? g.name + ".port" : std::string("gw.port"));
  fs::remove(port_file);
  std::string why;
  auto port = test::start_and_wait(
      g.process,
      {CGW_GATEWAY_BIN, "--config", (o_.dir / (g.name + ".yaml")).string(), "--port-file",
       port_file.string()},
      o_.dir / (g.name + "." + std::to_string(restarts_) + ".log"), port_file, 30s, &why);
  if (!port) return g.name + ": " + why;
  g.port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
  g.up = true;
  return {};
}

std::string Cluster::kill_and_restart(const std::function<void()>& while_down, int i) {
  std::lock_guard lock(mu_);
  auto& g = *gateways_.at(static_cast<size_t>(i));
  g.up = false;
  g.process.stop(SIGKILL, 10s);
  if (while_down) while_down();
  ++restarts_;
  return start_gateway(g);
}

uint16_t Cluster::gateway_port() {
  const size_t n = gateways_.size();
  const uint64_t t = turn_++;
  for (size_t k = 0; k < n; ++k) {
    const auto& g = *gateways_[(t + k) % n];
    if (g.up) return g.port;
  }
  // None up (a single instance restarting): its port, refused until it is back.
  return gateways_[t % n]->port;
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
  for (auto& g : gateways_) {
    g->up = false;
    g->process.stop(SIGTERM, 10s);
  }
  sim_.stop(SIGTERM, 10s);
}

}  // namespace cgw::reliability
