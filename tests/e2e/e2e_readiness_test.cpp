// End to end: /readyz of a fresh gateway waits for each carrier's first
// inventory sync, so that a load balancer (or a newcomer following the
// README) never gets an empty search from an instance that has not loaded
// any number yet; a restart with a synced store is ready at once.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "readiness-e2e-key";
// The mobile simulator's inventory listing, held for 3 s at its first call.
const std::string kSlowListing =
    R"({"operation":"/open/v1/numbers","kind":"latency","latency_ms":3000,"first":1})";

class Readiness : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(stack.start_sim(sim_config({SimSpec("mobile")})), "");
    GatewaySpec spec;
    spec.tenants = {{"t1", {kKey}}};
    spec.carriers = {CarrierSpec("mobile", stack.sim_url("mobile"))};
    config = gateway_config(spec);
  }
  void TearDown() override { stack.finish(HasFailure()); }

  HttpResult readyz(uint16_t port) { return http("GET", port, "/readyz"); }
  void slow_next_listing() {
    auto fault = http("POST", stack.sim_port(), "/admin/faults", kSlowListing);
    ASSERT_EQ(fault.status, 201) << fault.body;
  }

  Stack stack{"cgw_e2e_readiness"};
  std::string config;
};

TEST_F(Readiness, AFreshGatewayIsNotReadyUntilItsFirstSyncEnded) {
  slow_next_listing();
  ASSERT_EQ(stack.start_gateway(config), "");
  // The first listing is held at the carrier: nothing to search yet.
  auto early = readyz(stack.gw_port);
  EXPECT_EQ(early.status, 503) << early.body;
  EXPECT_EQ(early.error_code(), "NOT_READY");
  EXPECT_NE(early.body.find("first inventory sync"), std::string::npos) << early.body;
  ASSERT_TRUE(wait_until([&] { return readyz(stack.gw_port).status == 200; }, 60s));
  // Once ready, search finds numbers at once.
  auto found = api_call(stack.gw_port, kKey, "GET", "/v1/numbers?carrier=mobile&limit=3");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_FALSE(found.json().at("numbers").as_array().empty()) << found.body;
}

TEST_F(Readiness, ARestartWithASyncedStoreIsReadyAtOnce) {
  ASSERT_EQ(stack.start_gateway(config), "");
  ASSERT_TRUE(wait_until([&] { return readyz(stack.gw_port).status == 200; }, 60s));
  ASSERT_TRUE(stack.gateway.stop(SIGTERM, 30s));
  // The next listing is slow again; the stored inventory serves meanwhile.
  slow_next_listing();
  Process second;
  uint16_t port = 0;
  ASSERT_EQ(stack.start_gateway_into(second, port, "gateway", config, 30s), "");
  auto r = readyz(port);
  EXPECT_EQ(r.status, 200) << r.body;
  auto found = api_call(port, kKey, "GET", "/v1/numbers?carrier=mobile&limit=3");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_FALSE(found.json().at("numbers").as_array().empty()) << found.body;
  second.stop(SIGTERM, 30s);
}

}  // namespace
