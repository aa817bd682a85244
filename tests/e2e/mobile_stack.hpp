// A small real stack for tests of the gateway's edges: one cgw-sim playing
// the mobile carrier and one cgw-gateway with the mobile plugin, on
// ephemeral ports in `dir`, one tenant whose key is kMobileStackKey.
#pragma once

#include "harness.hpp"

#include <string>

namespace cgw::test {

inline const std::string kMobileStackKey = "edge-test-tenant-key";

struct MobileStack : Stack {
  explicit MobileStack(const std::string& name) : Stack(name) {}

  size_t start_requests = 0;  // API requests start() sent (each one access-log line)

  // Starts both and waits for the first inventory sync. "" or what failed.
  std::string start() {
    SimSpec sim_spec("mobile", 5, 300);
    if (auto why = start_sim(sim_config({sim_spec}, 1)); !why.empty()) return why;
    GatewaySpec gw;
    gw.limits = "{max_header_bytes: 4096, max_body_bytes: 65536, shutdown_grace_ms: 5000}";
    gw.tenants = {TenantSpec("edge", {kMobileStackKey})};
    gw.carriers = {CarrierSpec("mobile", sim_url("mobile"))};
    if (auto why = start_gateway(gateway_config(gw)); !why.empty()) return why;
    const bool synced = wait_until(
        [&] {
          ++start_requests;
          auto r = api_call(gw_port, kMobileStackKey, "GET", "/v1/carriers");
          return r.status == 200 &&
                 !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null();
        },
        std::chrono::seconds(15));
    return synced ? std::string() : "no first sync: " + read_file(dir / "gateway.log");
  }
};

}  // namespace cgw::test
