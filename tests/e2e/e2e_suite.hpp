// The e2e suite (ctest e2e): the real cgw-sim and cgw-gateway processes on
// 127.0.0.1 with ephemeral ports, the real mobile plugin, a fresh store per
// run. One process for the whole suite: the processes start once, and the
// last cases (e2e_tenants_test.cpp: no plaintext PII in store/logs, graceful
// shutdown) look back on everything the earlier cases did. Its files are
// linked in that order, so gtest registers (and runs) their cases in it.
#pragma once

#include "harness.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace cgw::test::e2e_suite {

namespace json = boost::json;

inline const std::string kKey = "cgw-demo-key";
inline const std::string kOtherKey = "second-tenant-key";
inline const std::string kRivalKey = "rival-tenant-key";      // another tenant, every scope
inline const std::string kLimitedKey = "limited-tenant-key";  // a tenant with tiny quotas

struct Env {
  Stack stack{"cgw_e2e"};
  uint16_t sim_port = 0, gw_port = 0;
  int64_t gateway_started_ms = 0;            // system clock, just before the gateway started
  std::vector<std::string> identities_used;  // plaintext IDs, checked never to leak
};
extern Env* env;

inline Headers auth(const std::string& key = kKey) {
  return bearer(key);
}
inline HttpResult api(const std::string& method, const std::string& target,
                      const std::string& body = {}, const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}

class E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // An available number of the mobile carrier, different on every call.
  static std::string fresh_number();
  static HttpResult reserve(const std::string& msisdn);
  static HttpResult verify(const std::string& name, const std::string& id);
  static json::object activation_body(const std::string& res, const std::string& ver,
                                      const std::string& plan);
  static std::string first_plan();
  static json::value wait_activation(const std::string& id, const std::string& until) {
    return cgw::test::wait_activation(env->gw_port, kKey, id, {until}, std::chrono::seconds(20));
  }
  static json::value sim_state() { return http("GET", env->sim_port, "/admin/state").json(); }
};

}  // namespace cgw::test::e2e_suite
