// End to end for the `unicom` carrier: the real cgw-sim (unicom only) and
// cgw-gateway processes on 127.0.0.1 with ephemeral ports, the real
// cgw_unicom.so, a fresh store per run. This carrier sends no callbacks, so
// every final state here was learned by polling order.query.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <iostream>
#include <set>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "cgw-demo-key";
constexpr int kPoolSize = 3000;
const std::string kApplicant = "联通测试";

struct Env {
  Stack stack{"cgw_e2e_unicom"};
  uint16_t sim_port = 0, gw_port = 0;
  std::vector<std::string> identities_used;  // plaintext IDs, checked never to leak
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}

class E2EUnicom : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    ASSERT_EQ(s.start_sim(sim_config({SimSpec("unicom", 11, kPoolSize)})), "");
    env->sim_port = s.sim_port("unicom");
    GatewaySpec gw;
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec unicom("unicom", s.sim_url("unicom"));
    unicom.sync_page_size = 700;
    unicom.activation_poll_interval_s = 1;
    unicom.extra = "    display_name: China Unicom (simulated)\n";
    gw.carriers = {unicom};
    ASSERT_EQ(s.start_gateway(gateway_config(gw)), "");
    env->gw_port = s.gw_port;
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey)) << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish();
    delete env;
    env = nullptr;
  }

  // An available unicom number, different on every call.
  static std::string fresh_number() {
    static std::set<std::string> used;
    return cgw::test::fresh_number(env->gw_port, kKey, "unicom", used);
  }
  static HttpResult reserve(const std::string& msisdn) {
    static std::atomic<int> n{0};  // reserve() runs on several threads at once
    return api("POST", "/v1/reservations",
               json::serialize(json::object{{"carrier", "unicom"}, {"msisdn", msisdn}}),
               {{"Idempotency-Key", "reserve-" + std::to_string(++n)}});
  }
  static HttpResult verify(const std::string& id) {
    env->identities_used.push_back(id);
    return api("POST", "/v1/kyc/verifications",
               json::serialize(
                   json::object{{"carrier", "unicom"}, {"name", kApplicant}, {"id_number", id}}));
  }
  static std::string id_of(const HttpResult& r, const char* key) {
    return r.status / 100 == 2 ? std::string(r.json().at(key).as_string()) : std::string();
  }
  static HttpResult activate(const std::string& res, const std::string& ver,
                             const std::string& plan, const std::string& key) {
    json::object body{{"reservation_id", res},
                      {"plan_id", plan},
                      {"verification_id", ver},
                      {"delivery", json::object{{"name", kApplicant},
                                                {"phone", "13900000000"},
                                                {"address", "北京市西城区测试路2号"}}}};
    return api("POST", "/v1/activations", json::serialize(body), {{"Idempotency-Key", key}});
  }
  static json::value wait_activation(const std::string& id, const std::string& until) {
    return cgw::test::wait_activation(env->gw_port, kKey, id, {until});
  }
};

}  // namespace

TEST_F(E2EUnicom, CarrierSyncedWithoutCallbackCapability) {
  auto r = api("GET", "/v1/carriers");
  ASSERT_EQ(r.status, 200) << r.body;
  auto c = r.json().at("carriers").at(0).as_object();
  EXPECT_EQ(c.at("id").as_string(), "unicom");
  EXPECT_EQ(c.at("plugin").at("name").as_string(), "unicom");
  EXPECT_EQ(c.at("inventory").at("available").to_number<int64_t>(), kPoolSize);
  std::set<std::string> caps;
  for (const auto& v : c.at("capabilities").as_array()) caps.emplace(v.as_string());
  // No callbacks and no SIM replacement (docs/after-sales.md).
  EXPECT_EQ(caps, (std::set<std::string>{"plans", "inventory_sync", "reserve", "kyc", "activation",
                                         "fulfilment", "cancel", "subscriber_query", "recharge",
                                         "suspend"}));
  auto plans = api("GET", "/v1/plans?carrier=unicom");
  ASSERT_EQ(plans.status, 200) << plans.body;
  const auto list = plans.json().at("plans").as_array();
  ASSERT_GE(list.size(), 3u);
  // The carrier's plans have a fee; the simulator's SIM- test plans are free.
  for (const auto& p : list) {
    const std::string id(p.at("plan_id").as_string());
    const auto fee = p.at("monthly_fee_fen").to_number<int64_t>();
    if (id.starts_with("SIM-"))
      EXPECT_EQ(fee, 0) << id;
    else
      EXPECT_GT(fee, 0) << id;
  }
}

TEST_F(E2EUnicom, SearchOffersUnicomSegmentsOnly) {
  static const std::set<std::string> kSegments = {"130", "131", "132", "145", "146", "155", "156",
                                                  "166", "175", "176", "185", "186", "196"};
  auto r = api("GET", "/v1/numbers?carrier=unicom&limit=100");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto page = r.json();
  ASSERT_EQ(page.at("numbers").as_array().size(), 100u);
  for (const auto& n : page.at("numbers").as_array()) {
    const std::string m(n.at("msisdn").as_string());
    EXPECT_EQ(kSegments.count(m.substr(0, 3)), 1u) << m;
    EXPECT_EQ(n.at("carrier").as_string(), "unicom");
  }
  auto pre = api("GET", "/v1/numbers?carrier=unicom&prefix=186&limit=20").json();
  ASSERT_FALSE(pre.at("numbers").as_array().empty());
  for (const auto& n : pre.at("numbers").as_array())
    EXPECT_EQ(std::string(n.at("msisdn").as_string()).substr(0, 3), "186");
}

TEST_F(E2EUnicom, ReserveHoldsAndReleases) {
  const auto msisdn = fresh_number();
  auto r = reserve(msisdn);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "held");
  const std::string id = id_of(r, "reservation_id");
  auto again = reserve(msisdn);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "NUMBER_UNAVAILABLE");
  EXPECT_TRUE(api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array().empty());
  auto del = api("DELETE", "/v1/reservations/" + id);
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(reserve(msisdn).status, 201) << "released at the carrier too";
}

TEST_F(E2EUnicom, OneNumberIsNeverReservedTwice) {
  const auto msisdn = fresh_number();
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = reserve(msisdn);
      if (r.status == 201) ++created;
      if (r.status == 409) ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  int locks = 0;
  const auto state = http("GET", env->sim_port, "/admin/state").json();
  for (const auto& l : state.at("reservations").as_array())
    if (l.at("number").as_string() == msisdn) ++locks;
  EXPECT_EQ(locks, 1) << "the carrier locked it once";
}

TEST_F(E2EUnicom, KycPassAndRejections) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {make_id("19900101", "901"), "passed", ""},
      {make_id("19850505", "123"), "passed", ""},
      {make_id("19900101", "911"), "rejected", "ID_NAME_MISMATCH"},
      {make_id("19900101", "971"), "rejected", "BLACKLISTED"},
      {make_id("20150101", "123"), "rejected", "UNDERAGE"},
  };
  for (const auto& [id, result, reason] : cases) {
    auto r = verify(id);
    ASSERT_EQ(r.status, 200) << r.body;
    auto v = r.json().as_object();
    EXPECT_EQ(v.at("result").as_string(), result) << id;
    if (!reason.empty()) {
      ASSERT_FALSE(v.at("reasons").as_array().empty());
      EXPECT_EQ(v.at("reasons").at(0).as_string(), reason);
    }
    EXPECT_EQ(r.body.find(id), std::string::npos);
  }
}

TEST_F(E2EUnicom, ActivationReachesActivatedByPolling) {
  const std::string plan(
      api("GET", "/v1/plans?carrier=unicom").json().at("plans").at(0).at("plan_id").as_string());
  const auto msisdn = fresh_number();
  const auto res = id_of(reserve(msisdn), "reservation_id");
  const auto ver = id_of(verify(make_id("19920202", "902")), "verification_id");
  ASSERT_FALSE(res.empty());
  ASSERT_FALSE(ver.empty());
  auto a = activate(res, ver, plan, "unicom-order-1");
  ASSERT_EQ(a.status, 202) << a.body;
  const std::string act_id = id_of(a, "activation_id");
  auto replay = activate(res, ver, plan, "unicom-order-1");
  EXPECT_EQ(replay.body, a.body);

  auto done = wait_activation(act_id, "activated");
  ASSERT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  EXPECT_TRUE(std::string(done.at("carrier_order_id").as_string()).starts_with("UO"));
  const auto history = done.at("history").as_array();
  EXPECT_EQ(history.front().at("status").as_string(), "pending");
  EXPECT_EQ(history.back().at("status").as_string(), "activated");
  EXPECT_EQ(history.back().at("cause").as_string(), "status query");

  const auto state = http("GET", env->sim_port, "/admin/state").json();
  int orders = 0;
  for (const auto& o : state.at("orders").as_array())
    if (o.at("partnerOrderId").as_string() == act_id) {
      ++orders;
      EXPECT_EQ(o.at("submitCount").to_number<int>(), 1);
      EXPECT_EQ(o.at("state").as_string(), "SUCCESS");
    }
  EXPECT_EQ(orders, 1);
  EXPECT_TRUE(state.at("callbacks").as_array().empty());
  EXPECT_TRUE(api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array().empty());
}

TEST_F(E2EUnicom, RejectedOrderEndsFailedByPolling) {
  const auto res = id_of(reserve(fresh_number()), "reservation_id");
  const auto ver = id_of(verify(make_id("19930303", "903")), "verification_id");
  auto a = activate(res, ver, "SIM-REJECT", "unicom-order-reject");
  ASSERT_EQ(a.status, 202) << a.body;
  auto done = wait_activation(id_of(a, "activation_id"), "failed");
  ASSERT_EQ(done.at("status").as_string(), "failed") << json::serialize(done);
  EXPECT_TRUE(done.at("carrier_order_id").is_string());
  EXPECT_EQ(done.at("failure").at("code").as_string(), "CARRIER_REJECTED");
  EXPECT_NE(std::string(done.at("failure").at("message").as_string()).find("4009"),
            std::string::npos)
      << json::serialize(done);
}

TEST_F(E2EUnicom, CallbacksAreNotAccepted) {
  auto r = http("POST", env->gw_port, "/v1/callbacks/unicom",
                R"({"order_id":"UO1","out_order_id":"act_x","order_state":"ACTIVATED"})");
  // A carrier without the callbacks capability has no callback endpoint.
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(r.error_code(), "UNKNOWN_CARRIER");
}

TEST_F(E2EUnicom, StoreAndLogsHoldNoPlaintextIdentity) {
  ASSERT_FALSE(env->identities_used.empty());
  const std::string files = env->stack.run_files();
  for (const auto& id : env->identities_used)
    EXPECT_EQ(files.find(id), std::string::npos) << "identity found in plaintext";
  EXPECT_EQ(files.find(kApplicant), std::string::npos);
}

TEST_F(E2EUnicom, GracefulShutdownExitsZero) {
  auto code = env->stack.gateway.stop(SIGTERM, 10s);
  ASSERT_TRUE(code.has_value()) << "gateway did not stop within 10 s";
  EXPECT_EQ(*code, 0);
  code = env->stack.sim.stop(SIGTERM, 10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}
