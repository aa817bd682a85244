// End to end for the telecom carrier: the real cgw-sim (telecom only, access
// tokens living 2 s so refreshes happen during the run) and the real
// cgw-gateway with the real cgw_telecom.so, on 127.0.0.1 with ephemeral
// ports and a fresh store.
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

std::string telecom_id(const std::string& birth, const std::string& seq) {
  return cgw::test::make_id(birth, seq, "440106");
}

const std::string kKey = "cgw-demo-key";
const std::string kName = "电信测试";

struct Env {
  Stack stack{"cgw_e2e_telecom"};
  uint16_t sim_port = 0, gw_port = 0;
  std::vector<std::string> identities_used;
  std::set<std::string> numbers_used;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}
json::value sim_get(const std::string& target) {
  return http("GET", env->sim_port, target).json();
}

// Requests the simulator received, as (target, code) pairs.
std::vector<std::pair<std::string, std::string>> journal() {
  std::vector<std::pair<std::string, std::string>> out;
  const auto j = sim_get("/admin/requests?limit=5000");
  for (const auto& e : j.at("requests").as_array())
    out.emplace_back(e.at("target").as_string(), e.at("code").as_string());
  return out;
}
int token_calls() {
  int n = 0;
  for (const auto& [target, code] : journal()) n += target == "/oauth/token" && code == "0";
  return n;
}

class E2ETelecom : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    SimSpec telecom_sim("telecom", 11, 3000);
    telecom_sim.settings = "      token_ttl_s: \"2\"\n";
    ASSERT_EQ(s.start_sim(sim_config({telecom_sim})), "");
    env->sim_port = s.sim_port("telecom");
    GatewaySpec gw;
    gw.limits = "{max_header_bytes: 8192, max_body_bytes: 65536, shutdown_grace_ms: 5000}";
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec telecom("telecom", s.sim_url("telecom"));
    telecom.activation_poll_interval_s = 60;
    telecom.extra =
        "    display_name: China Telecom (simulated)\n    kind: mno\n"
        "    host_network: telecom\n";
    gw.carriers = {telecom};
    ASSERT_EQ(s.start_gateway(gateway_config(gw)), "");
    env->gw_port = s.gw_port;
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey)) << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish();
    delete env;
    env = nullptr;
  }

  static std::string fresh_number() {
    return cgw::test::fresh_number(env->gw_port, kKey, "telecom", env->numbers_used);
  }
  static HttpResult reserve(const std::string& msisdn) {
    static std::atomic<int> n{0};  // reserve() runs on several threads at once
    return api("POST", "/v1/reservations",
               json::serialize(json::object{{"carrier", "telecom"}, {"msisdn", msisdn}}),
               {{"Idempotency-Key", "reserve-" + std::to_string(++n)}});
  }
  static HttpResult verify(const std::string& id) {
    env->identities_used.push_back(id);
    return api(
        "POST", "/v1/kyc/verifications",
        json::serialize(json::object{{"carrier", "telecom"}, {"name", kName}, {"id_number", id}}));
  }
  static HttpResult activate(const std::string& key, const std::string& plan) {
    auto res = reserve(fresh_number());
    EXPECT_EQ(res.status, 201) << res.body;
    auto ver = verify(telecom_id("19920202", "902"));
    EXPECT_EQ(ver.json().at("result"), "passed") << ver.body;
    json::object body{{"reservation_id", res.json().at("reservation_id")},
                      {"plan_id", plan},
                      {"verification_id", ver.json().at("verification_id")},
                      {"delivery", json::object{{"name", kName},
                                                {"phone", "18900000000"},
                                                {"address", "广州市天河区测试路1号"}}}};
    return api("POST", "/v1/activations", json::serialize(body), {{"Idempotency-Key", key}});
  }
  static json::value wait_activation(const std::string& id, const std::string& until) {
    return cgw::test::wait_activation(env->gw_port, kKey, id, {until}, 20s);
  }
};

}  // namespace

TEST_F(E2ETelecom, CarrierLoadedAndInventorySynced) {
  auto r = api("GET", "/v1/carriers");
  ASSERT_EQ(r.status, 200) << r.body;
  auto c = r.json().at("carriers").at(0).as_object();
  EXPECT_EQ(c.at("id"), "telecom");
  EXPECT_EQ(c.at("plugin").at("name"), "telecom");
  // The six of ABI 1.0 and five after-sales ones (no suspend).
  EXPECT_EQ(c.at("capabilities").as_array().size(), 11u);
  EXPECT_EQ(c.at("inventory").at("available").to_number<int64_t>(), 3000);
}

TEST_F(E2ETelecom, PlansAndSearchOverTelecomSegments) {
  auto plans = api("GET", "/v1/plans?carrier=telecom");
  ASSERT_EQ(plans.status, 200) << plans.body;
  const auto listed = plans.json();  // alive while iterated
  ASSERT_FALSE(listed.at("plans").as_array().empty());
  // The carrier's own plans (CT-) and the simulator's test plans (SIM-).
  for (const auto& p : listed.at("plans").as_array()) {
    const std::string id(p.at("plan_id").as_string());
    EXPECT_TRUE(id.starts_with("CT-") || id.starts_with("SIM-")) << id;
  }
  const std::set<std::string> segments = {"133", "149", "153", "173", "177", "180",
                                          "181", "189", "190", "191", "193", "199"};
  auto all = api("GET", "/v1/numbers?carrier=telecom&limit=100").json();
  for (const auto& n : all.at("numbers").as_array())
    EXPECT_EQ(segments.count(std::string(n.at("msisdn").as_string()).substr(0, 3)), 1u);
  auto prefixed = api("GET", "/v1/numbers?carrier=telecom&prefix=189&limit=20").json();
  ASSERT_FALSE(prefixed.at("numbers").as_array().empty());
  for (const auto& n : prefixed.at("numbers").as_array())
    EXPECT_TRUE(std::string(n.at("msisdn").as_string()).starts_with("189"));
}

TEST_F(E2ETelecom, OneNumberIsNeverReservedTwice) {
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
  int holds = 0;
  const auto state = sim_get("/admin/state");
  for (const auto& r : state.at("reservations").as_array())
    holds += r.at("number").as_string() == msisdn;
  EXPECT_EQ(holds, 1);  // the carrier saw one hold, not eight
}

TEST_F(E2ETelecom, KycOutcomesThroughThePlugin) {
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {telecom_id("19900101", "123"), "passed", ""},
      {telecom_id("19900101", "911"), "rejected", "ID_NAME_MISMATCH"},
      {telecom_id("19900101", "971"), "rejected", "BLACKLISTED"},
      {telecom_id("19900101", "981"), "review", ""},
      {telecom_id("20150101", "123"), "rejected", "UNDERAGE"}};
  for (const auto& [id, result, reason] : cases) {
    auto r = verify(id);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("result"), result.c_str()) << id;
    if (!reason.empty()) {
      EXPECT_EQ(r.json().at("reasons").at(0), reason.c_str()) << id;
    }
    EXPECT_EQ(r.body.find(id), std::string::npos);
  }
}

TEST_F(E2ETelecom, ActivationReachesActivatedByCallback) {
  auto a = activate("telecom-order-1", "CT-5G-CX-59");
  ASSERT_EQ(a.status, 202) << a.body;
  const std::string act(a.json().at("activation_id").as_string());
  auto done = wait_activation(act, "activated");
  ASSERT_EQ(done.at("status"), "activated") << json::serialize(done);
  const auto& history = done.at("history").as_array();
  EXPECT_TRUE(std::string(history.back().at("cause").as_string()).starts_with("callback EV"))
      << json::serialize(done);
  // The carrier saw one order: created once, photos once, confirmed.
  int orders = 0;
  const auto o = sim_get("/admin/telecom/orders");
  for (const auto& order : o.at("orders").as_array())
    if (order.at("partnerOrderId").as_string() == act) {
      ++orders;
      EXPECT_EQ(order.at("createCount"), 1);
      EXPECT_EQ(order.at("photoUploads"), 1);
      EXPECT_EQ(order.at("status"), "ACTIVATED");
      EXPECT_EQ(done.at("carrier_order_id"), order.at("orderId"));
    }
  EXPECT_EQ(orders, 1);
  const auto msisdn = std::string(done.at("msisdn").as_string());
  EXPECT_TRUE(api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array().empty());
}

TEST_F(E2ETelecom, RejectedOrderEndsFailed) {
  auto a = activate("telecom-order-reject", "SIM-REJECT");
  ASSERT_EQ(a.status, 202) << a.body;
  auto done = wait_activation(std::string(a.json().at("activation_id").as_string()), "failed");
  ASSERT_EQ(done.at("status"), "failed") << json::serialize(done);
  EXPECT_EQ(done.at("failure").at("code"), "CARRIER_REJECTED");
  EXPECT_NE(std::string(done.at("failure").at("message").as_string()).find("40008"),
            std::string::npos);
}

TEST_F(E2ETelecom, AccessTokenIsRefreshedDuringTheRun) {
  const int before = token_calls();
  ASSERT_GE(before, 1);
  // The 2 s token is cached for 1.6 s: verifications until the plugin has
  // fetched a new one by itself, each one passing.
  bool all_passed = true;
  EXPECT_TRUE(wait_until(
      [&] {
        all_passed =
            verify(telecom_id("19880808", "123")).json().at("result") == "passed" && all_passed;
        return token_calls() > before;
      },
      10s, 200ms));
  EXPECT_TRUE(all_passed);
  // Tokens expire on the simulator's clock: moving it makes the plugin's
  // cached token stale at the carrier (10003 when it is still cached), and
  // the plugin recovers by itself either way.
  auto r = reserve(fresh_number());
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(set_sim_clock(env->sim_port, {{"advance_ms", 600000}}).status, 200);
  auto again = reserve(fresh_number());
  EXPECT_EQ(again.status, 201) << again.body;
  const auto j = journal();
  int expired = 0;
  for (const auto& entry : j) expired += entry.second == "10003";
  std::cout << "token calls: " << token_calls() << ", calls refused as expired: " << expired
            << "\n";
  for (size_t i = 0; i < j.size(); ++i) {
    EXPECT_NE(j[i].second, "10001") << j[i].first;  // never a call without a token
    if (j[i].second == "10003") {
      ASSERT_LT(i + 2, j.size());
      EXPECT_EQ(j[i + 1].first, "/oauth/token");  // refreshed at once ...
      EXPECT_EQ(j[i + 2].first, j[i].first);      // ... and the call sent again
    }
  }
}

TEST_F(E2ETelecom, StoreAndLogsHoldNoPlaintextIdentity) {
  ASSERT_FALSE(env->identities_used.empty());
  const std::string files = env->stack.run_files();
  for (const auto& id : env->identities_used)
    EXPECT_EQ(files.find(id), std::string::npos) << "identity found in plaintext";
  EXPECT_EQ(files.find(kName), std::string::npos);
}

TEST_F(E2ETelecom, GracefulShutdownExitsZero) {
  auto code = env->stack.gateway.stop(SIGTERM, 10s);
  ASSERT_TRUE(code.has_value()) << "gateway did not stop within 10 s";
  EXPECT_EQ(*code, 0);
}
