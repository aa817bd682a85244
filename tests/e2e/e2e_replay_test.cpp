// A replayable request whose reused connection dies before any reply byte
// is sent once more on a fresh connection, end to end: the mobile plugin
// marks its lock and order requests CGW_REQUEST_REPLAYABLE (the carrier
// deduplicates them), the gateway's plugin host hands the flag to its
// HTTP client, and the client resends (docs/reliability.md, "Stale pooled
// connections"). The simulator's `reset` fault reads a request and resets
// the connection without serving it; a call just before leaves the pooled
// connection the request then goes out on.
#include "cgw/common/crypto.hpp"
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "replay-test-key";

struct Env {
  std::filesystem::path dir;
  Process sim, gateway;
  uint16_t sim_port = 0, gw_port = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               std::vector<std::pair<std::string, std::string>> extra = {}) {
  extra.emplace_back("Authorization", "Bearer " + kKey);
  return http(method, env->gw_port, target, body, extra);
}
HttpResult sim(const std::string& method, const std::string& target, const std::string& body = {}) {
  return http(method, env->sim_port, target, body);
}

// Polls `check` every 50 ms for up to `limit`.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit = 15s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return check();
}

class Replay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = fresh_test_dir("cgw_e2e_replay");
    const auto secret = std::string(CGW_SOURCE_DIR) + "/config/secrets/mobile-demo.secret";
    {
      std::ofstream f(env->dir / "simulators.yaml");
      f << "threads: 2\nsimulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n"
        << "    seed: 13\n    pool_size: 500\n    app_id: demo-mobile-app\n"
        << "    secret: {file: " << secret << "}\n    activation_delay_ms: 200\n";
    }
    std::string why;
    auto ports = start_and_wait(env->sim,
                                {CGW_SIM_BIN, "--config", (env->dir / "simulators.yaml").string(),
                                 "--ports-file", (env->dir / "sim.ports").string()},
                                env->dir / "sim.log", env->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    env->sim_port = static_cast<uint16_t>(json::parse(*ports).at("mobile").to_number<int>());
    std::ofstream(env->dir / "pii.key") << std::string(64, 'e');
    {
      std::ofstream f(env->dir / "gateway.yaml");
      f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\nstore: {path: cgw.db}\n"
        << "security: {pii_key: {file: pii.key}}\n"
        << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: "
        << cgw::crypto::sha256_hex(kKey) << "\n"
        << "carriers:\n  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n"
        << "    required: true\n    base_url: http://127.0.0.1:" << env->sim_port << "\n"
        << "    request_timeout_ms: 10000\n    max_retries: 0\n"
        << "    activation_poll_interval_s: 1\n"
        << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
    }
    auto port = start_and_wait(env->gateway,
                               {CGW_GATEWAY_BIN, "--config", (env->dir / "gateway.yaml").string(),
                                "--port-file", (env->dir / "gw.port").string()},
                               env->dir / "gateway.log", env->dir / "gw.port", 15s, &why);
    ASSERT_TRUE(port) << why;
    env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
    ASSERT_TRUE(eventually([] {
      auto r = api("GET", "/v1/carriers");
      return r.status == 200 &&
             !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null();
    }));
  }
  static void TearDownTestSuite() {
    env->gateway.stop(SIGTERM, 10s);
    env->sim.stop(SIGTERM, 5s);
    finish_test_dir(env->dir);
    delete env;
    env = nullptr;
  }
  void TearDown() override { sim("DELETE", "/admin/faults"); }

  // A passed verification: also a carrier call, so the connection it used
  // is back in the pool, idle, for the next request.
  static std::string verify() {
    auto r = api("POST", "/v1/kyc/verifications",
                 R"({"carrier":"mobile","name":"测试","id_number":"11010519491231002X"})");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(r.json().at("verification_id").as_string()) : "";
  }
  // The simulator's journal of `operation`: the fault each request met
  // ("" when served), sorted.
  static std::vector<std::string> journal(const std::string& operation) {
    std::vector<std::string> faults;
    auto j = sim("GET", "/admin/requests?limit=100&operation=" + operation).json();
    for (const auto& e : j.at("requests").as_array())
      faults.emplace_back(e.at("fault").as_string());
    std::sort(faults.begin(), faults.end());
    return faults;
  }
  static void reset_once(const std::string& operation) {
    auto r = sim("POST", "/admin/faults",
                 R"({"operation":")" + operation + R"(","kind":"reset","first":1})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Polls the activation until it is final; its last view.
  static json::value final_activation(const std::string& id) {
    json::value last;
    eventually([&] {
      auto r = api("GET", "/v1/activations/" + id);
      if (r.status != 200) return false;
      last = r.json();
      const auto& s = last.at("status").as_string();
      return s == "activated" || s == "failed";
    });
    return last;
  }
};

}  // namespace

TEST_F(Replay, ALockAndAnOrderLostOnAReusedConnectionAreSentAgain) {
  auto page = api("GET", "/v1/numbers?carrier=mobile&limit=1");
  ASSERT_EQ(page.status, 200) << page.body;
  const std::string msisdn(page.json().at("numbers").at(0).at("msisdn").as_string());

  // The lock: reset once, sent again, held (not 504 CARRIER_TIMEOUT).
  reset_once("/open/v1/numbers/lock");
  const std::string verification = verify();
  auto r = api("POST", "/v1/reservations", R"({"carrier":"mobile","msisdn":")" + msisdn + R"("})",
               {{"Idempotency-Key", "replay-res-1"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(journal("/open/v1/numbers/lock"), (std::vector<std::string>{"", "reset"}));
  const std::string res(r.json().at("reservation_id").as_string());

  // The order: reset once, sent again; the activation never passes through
  // `unknown` (a lost submit would make it so until a query settled it).
  auto plans = api("GET", "/v1/plans?carrier=mobile");
  ASSERT_EQ(plans.status, 200) << plans.body;
  std::string plan;  // an ordinary plan (the SIM- test plans misbehave on purpose)
  const auto listed = plans.json();
  for (const auto& p : listed.at("plans").as_array())
    if (!p.at("plan_id").as_string().starts_with("SIM-") && plan.empty())
      plan = std::string(p.at("plan_id").as_string());
  ASSERT_FALSE(plan.empty()) << plans.body;
  reset_once("/open/v1/orders");
  verify();
  json::object order{{"reservation_id", res},
                     {"plan_id", plan},
                     {"verification_id", verification},
                     {"delivery", json::object{{"name", "测试收件人"},
                                               {"phone", "13900000000"},
                                               {"address", "北京市东城区测试路1号"}}}};
  auto a = api("POST", "/v1/activations", json::serialize(order),
               {{"Idempotency-Key", "replay-act-1"}, {"Content-Type", "application/json"}});
  ASSERT_EQ(a.status, 202) << a.body;
  const std::string id(a.json().at("activation_id").as_string());
  const auto done = final_activation(id);
  ASSERT_TRUE(done.is_object());
  EXPECT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  for (const auto& h : done.at("history").as_array())
    EXPECT_NE(h.at("status").as_string(), "unknown") << json::serialize(done);
  EXPECT_EQ(journal("/open/v1/orders"), (std::vector<std::string>{"", "reset"}));
}
