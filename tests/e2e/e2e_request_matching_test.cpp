// Request matching end to end, through the real cgw-gateway and cgw-sim
// (mobile and mvno): a fault rule matching one msisdn fails only that
// number's reservation, and the mvno journal shows the ID number left the
// gateway encrypted (docs/simulators-reference.md, "Request journal").
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <iostream>
#include <set>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "cgw-demo-key";

struct Env {
  Stack stack{"cgw_e2e_request_matching"};
  uint16_t gw_port = 0;
  std::set<std::string> used;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}

HttpResult sim(const std::string& carrier, const std::string& method, const std::string& target,
               const json::value& body = nullptr) {
  return http(method, env->stack.sim_port(carrier), target,
              body.is_null() ? std::string() : json::serialize(body));
}

HttpResult reserve(const std::string& carrier, const std::string& msisdn) {
  static int n = 0;
  return api("POST", "/v1/reservations",
             json::serialize(json::object{{"carrier", carrier}, {"msisdn", msisdn}}),
             {{"Idempotency-Key", "match-reserve-" + std::to_string(++n)}});
}

class E2ERequestMatching : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    ASSERT_EQ(s.start_sim(sim_config({SimSpec("mobile", 7, 500), SimSpec("mvno", 5, 500)})), "");
    GatewaySpec gw;
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec mobile("mobile", s.sim_url("mobile")), mvno("mvno", s.sim_url("mvno"));
    mobile.extra = "    max_retries: 0\n";
    mvno.activation_poll_interval_s = 30;
    gw.carriers = {mobile, mvno};
    ASSERT_EQ(s.start_gateway(gateway_config(gw)), "");
    env->gw_port = s.gw_port;
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, 2)) << read_file(s.dir / "gateway.log");
  }
  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }
};

TEST_F(E2ERequestMatching, AFaultMatchingOneMsisdnFailsOnlyThatReservation) {
  const std::string a = fresh_number(env->gw_port, kKey, "mobile", env->used);
  const std::string b = fresh_number(env->gw_port, kKey, "mobile", env->used);
  auto added = sim("mobile", "POST", "/admin/faults",
                   json::object{{"operation", "/open/v1/numbers/lock"},
                                {"kind", "business_error"},
                                {"code", "3002"},
                                {"match", {{"msisdn", a}}}});
  ASSERT_EQ(added.status, 201) << added.body;

  auto ok = reserve("mobile", b);
  EXPECT_EQ(ok.status, 201) << ok.body;
  auto refused = reserve("mobile", a);
  EXPECT_NE(refused.status, 201) << refused.body;
  EXPECT_GE(refused.status, 400) << refused.body;

  const auto rule = sim("mobile", "GET", "/admin/faults").json().at("faults").at(0);
  EXPECT_EQ(rule.at("fired").as_int64(), rule.at("seen").as_int64());  // only a's locks counted
  EXPECT_GE(rule.at("fired").as_int64(), 1);
  auto faulted =
      sim("mobile", "POST", "/admin/requests/verify",
          json::object{{"filters", {{"msisdn", b}, {"operation", "/open/v1/numbers/lock"}}},
                       {"count", 1}});
  EXPECT_EQ(faulted.status, 200) << faulted.body;
  sim("mobile", "DELETE", "/admin/faults");
}

TEST_F(E2ERequestMatching, TheMvnoJournalShowsTheIdNumberWentOutEncrypted) {
  const std::string id = make_id("19920202", "904");
  const std::string msisdn = fresh_number(env->gw_port, kKey, "mvno", env->used);
  auto res = reserve("mvno", msisdn);
  ASSERT_EQ(res.status, 201) << res.body;
  auto ver = api(
      "POST", "/v1/kyc/verifications",
      json::serialize(json::object{{"carrier", "mvno"}, {"name", "测试用户"}, {"id_number", id}}));
  ASSERT_EQ(ver.status, 200) << ver.body;
  ASSERT_EQ(ver.json().at("result").as_string(), "passed") << ver.body;  // 90x: pass
  const std::string plan(
      api("GET", "/v1/plans?carrier=mvno").json().at("plans").at(0).at("plan_id").as_string());
  json::object body{{"reservation_id", res.json().at("reservation_id")},
                    {"plan_id", plan},
                    {"verification_id", ver.json().at("verification_id")},
                    {"delivery", json::object{{"name", "测试收件人"},
                                              {"phone", "13900000000"},
                                              {"address", "北京市东城区测试路1号"}}}};
  auto act =
      api("POST", "/v1/activations", json::serialize(body), {{"Idempotency-Key", "match-act"}});
  ASSERT_EQ(act.status, 202) << act.body;
  const std::string act_id(act.json().at("activation_id").as_string());
  ASSERT_TRUE(wait_until(
      [&] {
        return sim("mvno", "GET", "/admin/requests/count?operation=order.create&order_id=" + act_id)
                   .json()
                   .at("count")
                   .as_int64() >= 1;
      },
      10s));

  auto entries = sim("mvno", "GET", "/admin/requests?operation=order.create&order_id=" + act_id)
                     .json()
                     .at("requests")
                     .as_array();
  ASSERT_FALSE(entries.empty());
  const auto& e = entries.back();
  EXPECT_EQ(e.at("msisdn").as_string(), msisdn);
  EXPECT_EQ(e.at("partner_order_id").as_string(), act_id);
  const auto sent = json::parse(e.at("request").at("body").as_string());
  const std::string enc(sent.at("certNoEnc").as_string());
  // Ciphertext as sent: long, not the ID number, not a masked ID number.
  EXPECT_GT(enc.size(), id.size());
  EXPECT_EQ(enc.find(id), std::string::npos);
  EXPECT_EQ(enc.find(id.substr(0, 6)), std::string::npos);
  EXPECT_EQ(enc.find('*'), std::string::npos);
  EXPECT_EQ(sent.at("certName").as_string(), "测***");  // the name masked like the gateway
  // Nowhere in the whole journal is the ID number in the clear.
  const std::string all = sim("mvno", "GET", "/admin/requests?limit=5000").body;
  EXPECT_EQ(all.find(id), std::string::npos);
  EXPECT_EQ(all.find("测试用户"), std::string::npos);
}

}  // namespace
