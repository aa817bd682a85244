// A small real stack for tests of the gateway's edges: one cgw-sim playing
// the mobile carrier and one cgw-gateway with the mobile plugin, on
// ephemeral ports in `dir`, one tenant whose key is kMobileStackKey.
#pragma once

#include "cgw/common/crypto.hpp"
#include "http.hpp"
#include "process.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace cgw::test {

inline const std::string kMobileStackKey = "edge-test-tenant-key";

struct MobileStack {
  std::filesystem::path dir;
  Process sim, gateway;
  uint16_t gw_port = 0;
  size_t start_requests = 0;  // API requests start() sent (each one access-log line)

  // Starts both and waits for the first inventory sync. "" or what failed.
  std::string start(const std::string& sim_bin, const std::string& gateway_bin,
                    const std::string& plugin, const std::string& source_dir) {
    using namespace std::chrono_literals;
    const auto secret = source_dir + "/config/secrets/mobile-demo.secret";
    {
      std::ofstream f(dir / "simulators.yaml");
      f << "threads: 1\nsimulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n"
        << "    seed: 5\n    pool_size: 300\n    app_id: demo-mobile-app\n"
        << "    secret: {file: " << secret << "}\n    activation_delay_ms: 300\n"
        << "    reservation_ttl_s: 1800\n";
    }
    std::string why;
    auto ports = start_and_wait(sim,
                                {sim_bin, "--config", (dir / "simulators.yaml").string(),
                                 "--ports-file", (dir / "sim.ports").string()},
                                dir / "sim.log", dir / "sim.ports", 15s, &why);
    if (!ports) return "simulator: " + why;
    const int sim_port = boost::json::parse(*ports).at("mobile").to_number<int>();
    {
      std::ofstream k(dir / "pii.key");
      k << std::string(64, 'd');
      std::ofstream f(dir / "gateway.yaml");
      f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
        << "store: {path: cgw.db}\nlog: {level: debug}\n"
        << "limits: {max_header_bytes: 4096, max_body_bytes: 65536, shutdown_grace_ms: 5000}\n"
        << "security: {pii_key: {file: pii.key}}\n"
        << "tenants:\n  - id: edge\n    api_keys:\n      - sha256: "
        << crypto::sha256_hex(kMobileStackKey) << "\n"
        << "carriers:\n  - id: mobile\n    plugin: " << plugin << "\n    required: true\n"
        << "    base_url: http://127.0.0.1:" << sim_port << "\n    sync_page_size: 500\n"
        << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
    }
    auto port = start_and_wait(gateway,
                               {gateway_bin, "--config", (dir / "gateway.yaml").string(),
                                "--port-file", (dir / "gw.port").string()},
                               dir / "gateway.log", dir / "gw.port", 15s, &why);
    if (!port) return "gateway: " + why;
    gw_port = static_cast<uint16_t>(boost::json::parse(*port).at("port").to_number<int>());
    for (int i = 0; i < 300; ++i) {
      ++start_requests;
      auto r = http("GET", gw_port, "/v1/carriers", {},
                    {{"Authorization", "Bearer " + kMobileStackKey}});
      if (r.status == 200 &&
          !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null())
        return {};
      std::this_thread::sleep_for(50ms);
    }
    return "no first sync: " + read_file(dir / "gateway.log");
  }
};

}  // namespace cgw::test
