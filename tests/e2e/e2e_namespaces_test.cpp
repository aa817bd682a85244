// End to end behind simulator namespaces: the real cgw-sim serving all four
// carriers, a namespace made on each through the admin API, and the real
// cgw-gateway with all four plugins whose base_url points into those
// namespaces (http://127.0.0.1:PORT/ns/<name>), as docs/simulators-reference.md says
// any carrier works. Each carrier's walkthrough (search, reserve, KYC,
// activate) must reach `activated`, by the carrier's signed callback where
// it has callbacks (sent from inside the namespace) and by polling where it
// has none (unicom); the default instances must see no carrier call.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <set>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "namespaces-e2e-key";
const std::vector<std::string> kCarriers = {"mobile", "mvno", "telecom", "unicom"};

struct Env {
  Stack stack{"cgw_e2e_namespaces"};
  std::map<std::string, uint16_t> sim_port;
  uint16_t gw_port = 0;
};
Env* env = nullptr;

std::string ns_of(const std::string& carrier) {
  return "gw-" + carrier;
}

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}

// The admin API of a carrier's namespace ("" prefix: its default instance).
json::value sim_admin(const std::string& carrier, const std::string& prefix,
                      const std::string& path) {
  auto r = http("GET", env->sim_port.at(carrier), prefix + path);
  EXPECT_EQ(r.status, 200) << carrier << " " << prefix << path << ": " << r.body;
  return r.status == 200 ? r.json() : json::value();
}

// A checksum-valid synthetic ID number (GB 11643) of an adult.
std::string make_id(const std::string& seq3) {
  return cgw::test::make_id("19900101", seq3);
}

std::string sim_config() {
  std::vector<SimSpec> sims;
  for (const char* carrier : {"mobile", "unicom", "mvno", "telecom"})
    sims.emplace_back(carrier, 3, 1500);
  return cgw::test::sim_config(sims);
}

std::string gateway_config() {
  // Unicom has no callbacks and is polled every second; the others are
  // polled once a minute, so their activations end by callback.
  GatewaySpec gw;
  gw.tenants = {TenantSpec("demo", {kKey})};
  for (const char* carrier : {"mobile", "unicom", "mvno", "telecom"}) {
    CarrierSpec c(carrier, env->stack.sim_url(carrier) + "/ns/" + ns_of(carrier));
    c.activation_poll_interval_s = c.id == "unicom" ? 1 : 60;
    gw.carriers.push_back(c);
  }
  return cgw::test::gateway_config(gw);
}

class E2ENamespaces : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    ASSERT_EQ(s.start_sim(sim_config()), "");
    for (const auto& c : kCarriers) {
      env->sim_port[c] = s.sim_port(c);
      // Another seed than the default instance: another number pool.
      auto made = http("POST", env->sim_port[c], "/admin/namespaces",
                       json::serialize(json::object{{"name", ns_of(c)}, {"seed", 11}}));
      ASSERT_EQ(made.status, 201) << c << ": " << made.body;
      ASSERT_EQ(made.json().at("basePath").as_string(), "/ns/" + ns_of(c));
    }
    ASSERT_EQ(s.start_gateway(gateway_config(), 'f'), "");
    env->gw_port = s.gw_port;
    // Until every carrier has had its first full sync (through its namespace).
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, kCarriers.size(), 60s))
        << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }

  void SetUp() override { ASSERT_NE(env->gw_port, 0) << "the suite set-up failed (see above)"; }
};

// Waits (bounded) until the activation is `until` or final; its last view.
json::value wait_activation(const std::string& id, const std::string& until) {
  return cgw::test::wait_activation(env->gw_port, kKey, id, {until, "failed"});
}

TEST_P(E2ENamespaces, WalkthroughReachesActivated) {
  const std::string carrier = GetParam();
  const std::string prefix = "/ns/" + ns_of(carrier);
  const bool has_callbacks = carrier != "unicom";

  // 1. Search.
  auto numbers = api("GET", "/v1/numbers?carrier=" + carrier + "&limit=5");
  ASSERT_EQ(numbers.status, 200) << numbers.body;
  const auto page = numbers.json();
  ASSERT_FALSE(page.at("numbers").as_array().empty()) << numbers.body;
  const std::string msisdn(page.at("numbers").at(0).at("msisdn").as_string());

  // 2. Reserve.
  auto res = api("POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", carrier}, {"msisdn", msisdn}}),
                 {{"Idempotency-Key", "ns-reserve-" + carrier}});
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string res_id(res.json().at("reservation_id").as_string());

  // 3. KYC.
  auto ver = api("POST", "/v1/kyc/verifications",
                 json::serialize(json::object{
                     {"carrier", carrier}, {"name", "测试用户"}, {"id_number", make_id("902")}}));
  ASSERT_EQ(ver.status, 200) << ver.body;
  ASSERT_EQ(ver.json().at("result").as_string(), "passed") << ver.body;
  const std::string ver_id(ver.json().at("verification_id").as_string());

  // 4. Activate, with a plan the carrier lists.
  auto plans = api("GET", "/v1/plans?carrier=" + carrier);
  ASSERT_EQ(plans.status, 200) << plans.body;
  std::string plan;
  const auto plan_list = plans.json();  // alive while iterated
  for (const auto& p : plan_list.at("plans").as_array())
    if (plan.empty() && !std::string(p.at("plan_id").as_string()).starts_with("SIM-"))
      plan = p.at("plan_id").as_string();  // not a simulator test plan
  ASSERT_FALSE(plan.empty()) << plans.body;
  json::object body{{"reservation_id", res_id},
                    {"plan_id", plan},
                    {"verification_id", ver_id},
                    {"delivery", json::object{{"name", "测试收件人"},
                                              {"phone", "13900000000"},
                                              {"address", "北京市东城区测试路1号"}}}};
  auto act = api("POST", "/v1/activations", json::serialize(body),
                 {{"Idempotency-Key", "ns-activate-" + carrier}});
  ASSERT_EQ(act.status, 202) << act.body;
  const std::string act_id(act.json().at("activation_id").as_string());

  auto done = wait_activation(act_id, "activated");
  ASSERT_TRUE(done.is_object()) << "no answer for " << act_id;
  ASSERT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  EXPECT_EQ(done.at("msisdn").as_string(), msisdn);
  if (has_callbacks) {
    // Ended by the callback the namespace sent (polling is once a minute).
    const auto& history = done.at("history").as_array();
    EXPECT_NE(std::string(history.back().at("cause").as_string()).find("callback"),
              std::string::npos)
        << json::serialize(done);
    // The carrier reads the gateway's answer a moment after the gateway
    // applied the callback.
    EXPECT_TRUE(wait_callback_acknowledged(env->sim_port.at(carrier), 10s, prefix))
        << carrier << ": no callback acknowledged";
  }

  // Every carrier call went to the namespace and passed its signature
  // check; the default instance saw none.
  const auto journal = sim_admin(carrier, prefix, "/admin/requests?limit=5000");
  EXPECT_GT(journal.at("total").to_number<int64_t>(), 0);
  for (const auto& r : journal.at("requests").as_array())
    EXPECT_TRUE(r.at("signature_ok").as_bool()) << carrier << ": " << json::serialize(r);
  const auto root = sim_admin(carrier, "", "/admin/requests");
  EXPECT_EQ(root.at("total").to_number<int64_t>(), 0) << carrier << ": " << json::serialize(root);
  EXPECT_TRUE(sim_admin(carrier, "", "/admin/state").at("orders").as_array().empty());

  // The number is sold: reserving it again is refused.
  auto again = api("POST", "/v1/reservations",
                   json::serialize(json::object{{"carrier", carrier}, {"msisdn", msisdn}}),
                   {{"Idempotency-Key", "ns-reserve-again-" + carrier}});
  EXPECT_EQ(again.status, 409) << again.body;
}

INSTANTIATE_TEST_SUITE_P(AllCarriers, E2ENamespaces, ::testing::ValuesIn(kCarriers),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
