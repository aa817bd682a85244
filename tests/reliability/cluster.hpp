// The real processes of a reliability run: one cgw-sim (mobile carrier) and
// one or more cgw-gateway instances on 127.0.0.1, in their own directory.
// One instance listens on an ephemeral port; several (a fleet, all on one
// PostgreSQL) listen on consecutive free ports, as behind a load balancer,
// and keep their port across restarts. Any instance can be SIGKILLed and
// restarted on the same store at any time.
#pragma once

#include "process.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::reliability {

struct ClusterOptions {
  std::filesystem::path dir;
  uint64_t seed = 1;
  int pool_size = 3000;
  int activation_delay_ms = 400;
  uint16_t webhook_port = 0;  // 0: no tenant webhook
  std::string webhook_secret_b64;
  // A libpq DSN: the gateway's store is PostgreSQL there (else SQLite in dir).
  std::string postgres_dsn;
  int instances = 1;  // more than one needs postgres_dsn
};

// The key of the tenant `monitoring`, whose only scope is metrics:read.
inline constexpr const char* kMetricsKey = "cgw-reliability-metrics-key";

class Cluster {
 public:
  explicit Cluster(ClusterOptions o);
  ~Cluster();
  // Starts the simulator and the gateways and waits for the first sync.
  // Empty string or what failed.
  std::string start();
  // SIGKILL instance `i`, then start it again on the same store (after
  // `while_down`, if given, has run). Empty string or the error.
  std::string kill_and_restart(const std::function<void()>& while_down = {}, int i = 0);
  // The gateway's store files are copied aside / put back (while it is
  // down), for the checker's vacuity run: a store that loses its writes.
  void snapshot_store();
  void restore_store();
  bool has_snapshot() const;
  void stop();

  // The port of an instance that is up, taken in turn (round robin): what
  // a load balancer in front of the fleet would pick. With one instance,
  // its port.
  uint16_t gateway_port();
  uint16_t instance_port(int i) const { return gateways_[static_cast<size_t>(i)]->port.load(); }
  bool instance_up(int i) const { return gateways_[static_cast<size_t>(i)]->up.load(); }
  int instances() const { return static_cast<int>(gateways_.size()); }
  uint16_t sim_port() const { return sim_port_; }
  int restarts() const { return restarts_.load(); }
  const std::filesystem::path& dir() const { return o_.dir; }

 private:
  struct Gateway {
    test::Process process;
    std::atomic<uint16_t> port{0};
    std::atomic<bool> up{false};
    std::string name;  // its config, port file and logs: <name>.yaml, ...
  };
  std::string write_gateway_config(Gateway& g, const std::string& secret);
  std::string start_gateway(Gateway& g);
  ClusterOptions o_;
  test::Process sim_;
  std::vector<std::unique_ptr<Gateway>> gateways_;
  uint16_t sim_port_ = 0;
  std::atomic<int> restarts_{0};
  std::atomic<uint64_t> turn_{0};
  std::mutex mu_;
};

}  // namespace cgw::reliability
