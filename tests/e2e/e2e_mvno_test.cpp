// End to end for the `mvno` carrier: the real cgw-sim (mvno only) and the
// real cgw-gateway with cgw_mvno.so on 127.0.0.1, ephemeral ports, a fresh
// store. Keys are the demo files of config/secrets, referenced with {file:}
// exactly as the shipped configs do.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// The MVNO segments of domain.md, written out here (not the plugin's table).
bool is_mvno_number(const std::string& n) {
  static const std::set<std::string> k4 = {"1700", "1701", "1702", "1703", "1704",
                                           "1705", "1706", "1707", "1708", "1709"};
  static const std::set<std::string> k3 = {"171", "162", "165", "167"};
  return n.size() == 11 && (k4.count(n.substr(0, 4)) || k3.count(n.substr(0, 3)));
}

const std::string kKey = "cgw-demo-key";
const std::string kName = "测试用户";

struct Env {
  Stack stack{"cgw_e2e_mvno"};
  uint16_t sim_port = 0, gw_port = 0;
  std::vector<std::string> identities_used;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}

class E2EMvno : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    ASSERT_EQ(s.start_sim(sim_config({SimSpec("mvno", 5, 2000)})), "");
    env->sim_port = s.sim_port("mvno");
    GatewaySpec gw;
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec mvno("mvno", s.sim_url("mvno"));
    mvno.activation_poll_interval_s = 30;
    mvno.extra = "    display_name: 170 MVNO (simulated)\n";
    gw.carriers = {mvno};
    ASSERT_EQ(s.start_gateway(gateway_config(gw)), "");
    env->gw_port = s.gw_port;
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey)) << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    // A gateway that does not stop cleanly keeps the files for inspection.
    const auto code = env->stack.gateway.stop(SIGTERM, 10s);
    if (code == std::optional<int>(0)) {
      env->stack.finish();
    } else {
      env->stack.sim.stop(SIGTERM, 5s);
      std::cerr << "gateway exit code " << code.value_or(-1) << "; test files kept in "
                << env->stack.dir << "\n";
    }
    delete env;
    env = nullptr;
  }

  static std::string fresh_number() {
    static std::set<std::string> used;
    return cgw::test::fresh_number(env->gw_port, kKey, "mvno", used);
  }
  static HttpResult reserve(const std::string& msisdn) {
    static std::atomic<int> n{0};  // reserve() runs on several threads at once
    return api("POST", "/v1/reservations",
               json::serialize(json::object{{"carrier", "mvno"}, {"msisdn", msisdn}}),
               {{"Idempotency-Key", "reserve-" + std::to_string(++n)}});
  }
  static HttpResult verify(const std::string& id) {
    env->identities_used.push_back(id);
    return api(
        "POST", "/v1/kyc/verifications",
        json::serialize(json::object{{"carrier", "mvno"}, {"name", kName}, {"id_number", id}}));
  }
  static HttpResult activate(const std::string& res, const std::string& ver,
                             const std::string& plan, const std::string& key) {
    json::object body{{"reservation_id", res},
                      {"plan_id", plan},
                      {"verification_id", ver},
                      {"delivery", json::object{{"name", "测试收件人"},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
    return api("POST", "/v1/activations", json::serialize(body), {{"Idempotency-Key", key}});
  }
  static json::value wait_activation(const std::string& id, const std::string& until) {
    return cgw::test::wait_activation(env->gw_port, kKey, id, {until}, 20s);
  }
};

}  // namespace

TEST_F(E2EMvno, CarrierIsLoadedAndSynced) {
  auto r = api("GET", "/v1/carriers");
  ASSERT_EQ(r.status, 200) << r.body;
  auto c = r.json().at("carriers").at(0).as_object();
  EXPECT_EQ(c.at("id").as_string(), "mvno");
  EXPECT_EQ(c.at("kind").as_string(), "mvno");
  EXPECT_EQ(c.at("plugin").at("name").as_string(), "mvno");
  EXPECT_GT(c.at("inventory").at("available").to_number<int64_t>(), 1000);
  auto plans = api("GET", "/v1/plans?carrier=mvno");
  ASSERT_EQ(plans.status, 200) << plans.body;
  const auto plan_list = plans.json();  // alive while iterated
  ASSERT_FALSE(plan_list.at("plans").as_array().empty());
  // The carrier's own plans (MV-) and the simulator's test plans (SIM-).
  for (const auto& p : plan_list.at("plans").as_array()) {
    const std::string id(p.at("plan_id").as_string());
    EXPECT_TRUE(id.starts_with("MV-") || id.starts_with("SIM-")) << id;
  }
}

TEST_F(E2EMvno, SearchReturnsOnlyMvnoSegmentNumbers) {
  auto r = api("GET", "/v1/numbers?carrier=mvno&limit=100");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto page = r.json();
  ASSERT_EQ(page.at("numbers").as_array().size(), 100u);
  for (const auto& n : page.at("numbers").as_array())
    EXPECT_TRUE(is_mvno_number(std::string(n.at("msisdn").as_string()))) << n;
  // Each number reports the network it runs on, by its segment.
  for (const auto& [prefix, host] :
       {std::pair{"1703", "mobile"}, std::pair{"171", "unicom"}, std::pair{"162", "telecom"},
        std::pair{"1700", "telecom"}, std::pair{"165", "mobile"}, std::pair{"167", "unicom"}}) {
    auto p = api("GET", std::string("/v1/numbers?carrier=mvno&limit=5&prefix=") + prefix).json();
    ASSERT_FALSE(p.at("numbers").as_array().empty()) << prefix;
    for (const auto& n : p.at("numbers").as_array()) {
      EXPECT_TRUE(std::string(n.at("msisdn").as_string()).starts_with(prefix));
      EXPECT_EQ(n.at("host_network").as_string(), host) << n;
    }
  }
}

TEST_F(E2EMvno, OneNumberIsNeverReservedTwice) {
  const auto msisdn = fresh_number();
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = reserve(msisdn);
      if (r.status == 201)
        ++created;
      else if (r.status == 409)
        ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  EXPECT_TRUE(api("GET", "/v1/numbers?carrier=mvno&prefix=" + msisdn)
                  .json()
                  .at("numbers")
                  .as_array()
                  .empty());
}

TEST_F(E2EMvno, KycThroughTheEncryptedField) {
  struct Case {
    std::string id, result, reason;
  };
  for (const auto& c :
       std::vector<Case>{{make_id("19900101", "901"), "passed", ""},
                         {make_id("19900101", "911"), "rejected", "ID_NAME_MISMATCH"},
                         {make_id("19900101", "971"), "rejected", "BLACKLISTED"},
                         {make_id("19900101", "981"), "review", ""}}) {
    auto r = verify(c.id);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("result").as_string(), c.result) << c.id;
    if (!c.reason.empty()) {
      EXPECT_EQ(r.json().at("reasons").at(0).as_string(), c.reason);
    }
  }
}

TEST_F(E2EMvno, ReserveVerifyActivateReachesActivatedBySignedCallback) {
  const auto msisdn = fresh_number();
  auto res = reserve(msisdn);
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string res_id(res.json().at("reservation_id").as_string());
  auto ver = verify(make_id("19920202", "902"));
  ASSERT_EQ(ver.json().at("result").as_string(), "passed") << ver.body;
  const std::string ver_id(ver.json().at("verification_id").as_string());
  const std::string plan(
      api("GET", "/v1/plans?carrier=mvno").json().at("plans").at(0).at("plan_id").as_string());
  auto a = activate(res_id, ver_id, plan, "mvno-order-1");
  ASSERT_EQ(a.status, 202) << a.body;
  const std::string act_id(a.json().at("activation_id").as_string());

  auto done = wait_activation(act_id, "activated");
  ASSERT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  EXPECT_EQ(done.at("msisdn").as_string(), msisdn);
  const auto& history = done.at("history").as_array();
  EXPECT_NE(std::string(history.back().at("cause").as_string()).find("callback"), std::string::npos)
      << json::serialize(done);  // by the signed callback, not by polling (30 s)

  // The carrier saw one order under the gateway's id, and its callback was acknowledged.
  const auto state = http("GET", env->sim_port, "/admin/state").json();
  int orders = 0;
  for (const auto& o : state.at("orders").as_array())
    if (o.at("partnerOrderId").as_string() == act_id) {
      ++orders;
      EXPECT_EQ(o.at("submitCount").to_number<int>(), 1);
      EXPECT_EQ(o.at("state").as_string(), "SUCCESS");
    }
  EXPECT_EQ(orders, 1);
  // The gateway applies the callback before it answers, so the activation
  // can show as activated a moment before the carrier has read the answer.
  EXPECT_TRUE(wait_callback_acknowledged(env->sim_port));
  EXPECT_EQ(reserve(msisdn).status, 409);
}

TEST_F(E2EMvno, MagicRejectProductEndsFailed) {
  const auto msisdn = fresh_number();
  const std::string res_id(reserve(msisdn).json().at("reservation_id").as_string());
  const std::string ver_id(
      verify(make_id("19930303", "903")).json().at("verification_id").as_string());
  auto a = activate(res_id, ver_id, "SIM-REJECT", "mvno-order-reject");
  ASSERT_EQ(a.status, 202) << a.body;
  auto done = wait_activation(std::string(a.json().at("activation_id").as_string()), "failed");
  ASSERT_EQ(done.at("status").as_string(), "failed") << json::serialize(done);
  EXPECT_NE(json::serialize(done.at("failure")).find("3008"), std::string::npos);
}

TEST_F(E2EMvno, ForgedCallbackIsRefused) {
  auto r =
      http("POST", env->gw_port, "/v1/callbacks/mvno",
           R"({"notifyId":"N1","orderNo":"MV1","partnerOrderNo":"act_x","orderStatus":"OPENED"})",
           {{"X-Partner-Id", "demo-mvno-partner"},
            {"X-Timestamp", std::to_string(time(nullptr) * 1000LL)},
            {"X-Nonce", "abcdefabcdefabcdef"},
            {"X-Sign-Type", "SHA256withRSA"},
            {"X-Signature", "AAAA"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "CALLBACK_REJECTED");
}

TEST_F(E2EMvno, NoPlaintextIdentityInStoreOrLogs) {
  ASSERT_FALSE(env->identities_used.empty());
  const std::string files = env->stack.run_files();
  for (const auto& id : env->identities_used)
    EXPECT_EQ(files.find(id), std::string::npos) << "identity found in plaintext";
  EXPECT_EQ(files.find(kName), std::string::npos);
}
