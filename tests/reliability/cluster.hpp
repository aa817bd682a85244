// The real processes of a reliability run: one cgw-sim (mobile carrier) and
// one cgw-gateway on 127.0.0.1 with ephemeral ports, in their own directory.
// The gateway can be SIGKILLed and restarted on the same store at any time.
#pragma once

#include "process.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

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
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions o) : o_(std::move(o)) {}
  ~Cluster();
  // Starts the simulator and the gateway and waits for the first sync.
  // Empty string or what failed.
  std::string start();
  // SIGKILL, then start again on the same store (after `while_down`, if
  // given, has run). Empty string or the error.
  std::string kill_and_restart(const std::function<void()>& while_down = {});
  // The gateway's store files are copied aside / put back (while it is
  // down), for the checker's vacuity run: a store that loses its writes.
  void snapshot_store();
  void restore_store();
  bool has_snapshot() const;
  void stop();

  uint16_t gateway_port() const { return gw_port_.load(); }
  uint16_t sim_port() const { return sim_port_; }
  int restarts() const { return restarts_.load(); }
  const std::filesystem::path& dir() const { return o_.dir; }

 private:
  std::string start_gateway();
  ClusterOptions o_;
  test::Process sim_, gateway_;
  std::atomic<uint16_t> gw_port_{0};
  uint16_t sim_port_ = 0;
  std::atomic<int> restarts_{0};
  std::mutex mu_;
};

}  // namespace cgw::reliability
