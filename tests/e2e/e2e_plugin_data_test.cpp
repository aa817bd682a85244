// Per-order plugin data end to end (docs/sdk.md 10.6): the data a plugin
// attaches to an order at submit is stored with the activation and handed
// back on every later query, also after the gateway was killed with SIGKILL
// and started again. The plugin (order_data_carrier.so, the mobile plugin
// wrapped by tests/fixtures/plugins/wrapped_mobile.cpp) fails every query
// that lacks its data, and sends no callbacks: the order can only reach
// `activated` through a query that carries it.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <set>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "cgw-demo-key";
const std::string kIdNumber = "11010519491231002X";  // a published example; passes

class PluginData : public ::testing::Test {
 protected:
  void SetUp() override {
    SimSpec mobile("mobile", 13, 500);
    // Long enough that the order is still open when the gateway dies.
    mobile.activation_delay_ms = 3000;
    ASSERT_EQ(stack_.start_sim(sim_config({mobile})), "");
    std::ofstream(stack_.dir / "pii.key") << std::string(64, 'd');
  }
  void TearDown() override {
    if (gateway_) gateway_->stop(SIGTERM, 10s);
    stack_.finish();
  }

  void start_gateway() {
    GatewaySpec gw;
    gw.limits = "{shutdown_grace_ms: 2000}";
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec mobile("mobile", stack_.sim_url("mobile"));
    mobile.plugin = std::string(CGW_FIXTURE_DIR) + "/order_data_carrier.so";
    mobile.activation_poll_interval_s = 1;
    gw.carriers = {mobile};
    gateway_ = std::make_unique<Process>();
    ASSERT_EQ(stack_.start_gateway_into(*gateway_, gw_port_, "gateway" + std::to_string(++starts_),
                                        gateway_config(gw), 15s),
              "");
    ASSERT_TRUE(wait_first_sync(gw_port_, kKey, 1, 20s));
  }

  HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
                 const Headers& extra = {}) {
    return api_call(gw_port_, kKey, method, target, body, extra);
  }

  // Reserve, verify and submit one activation; its id.
  std::string submit_activation() {
    std::set<std::string> used;
    const std::string msisdn = fresh_number(gw_port_, kKey, "mobile", used);
    const Headers json_body = {{"Content-Type", "application/json"}};
    auto r = api("POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                 {{"Idempotency-Key", "pd-res"}, json_body[0]});
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string reservation(r.json().at("reservation_id").as_string());
    auto plans = api("GET", "/v1/plans?carrier=mobile");
    const std::string plan(plans.json().at("plans").at(0).at("plan_id").as_string());
    auto v = api("POST", "/v1/kyc/verifications",
                 json::serialize(json::object{
                     {"carrier", "mobile"}, {"name", "测试"}, {"id_number", kIdNumber}}));
    EXPECT_EQ(v.status, 200) << v.body;
    json::object body{{"reservation_id", reservation},
                      {"plan_id", plan},
                      {"verification_id", v.json().at("verification_id")},
                      {"delivery", json::object{{"name", "测试收件人"},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
    auto a = api("POST", "/v1/activations", json::serialize(body),
                 {{"Idempotency-Key", "pd-act"}, json_body[0]});
    EXPECT_EQ(a.status, 202) << a.body;
    return std::string(a.json().at("activation_id").as_string());
  }

  Stack stack_{"cgw_e2e_plugin_data"};
  std::unique_ptr<Process> gateway_;
  uint16_t gw_port_ = 0;
  int starts_ = 0;
};

}  // namespace

TEST_F(PluginData, ItSurvivesAGatewayKilledWhileTheOrderIsOpen) {
  start_gateway();
  const std::string id = submit_activation();
  ASSERT_FALSE(id.empty());
  auto seen = wait_activation(gw_port_, kKey, id, {"submitted", "activated", "failed"}, 15s);
  ASSERT_EQ(seen.at("status"), "submitted") << json::serialize(seen);

  gateway_->stop(SIGKILL, 5s);
  start_gateway();
  // Only a query carrying the stored plugin data can finish the order.
  auto done = wait_activation(gw_port_, kKey, id, {"activated", "failed", "unknown"}, 30s);
  EXPECT_EQ(done.at("status"), "activated") << json::serialize(done);

  // One order at the carrier: the restart queried, it did not resubmit.
  auto submits =
      http("GET", stack_.sim_port("mobile"), "/admin/requests?limit=100&operation=/open/v1/orders")
          .json();
  EXPECT_EQ(submits.at("requests").as_array().size(), 1u);
}
