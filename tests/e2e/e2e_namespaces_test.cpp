// End to end behind simulator namespaces: the real cgw-sim serving all four
// carriers, a namespace made on each through the admin API, and the real
// cgw-gateway with all four plugins whose base_url points into those
// namespaces (http://127.0.0.1:PORT/ns/<name>), as docs/simulators.md says
// any carrier works. Each carrier's walkthrough (search, reserve, KYC,
// activate) must reach `activated`, by the carrier's signed callback where
// it has callbacks (sent from inside the namespace) and by polling where it
// has none (unicom); the default instances must see no carrier call.
#include "cgw/common/crypto.hpp"
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "namespaces-e2e-key";
const std::vector<std::string> kCarriers = {"mobile", "mvno", "telecom", "unicom"};

struct Env {
  std::filesystem::path dir;
  Process sim, gateway;
  std::map<std::string, uint16_t> sim_port;
  uint16_t gw_port = 0;
};
Env* env = nullptr;

std::string ns_of(const std::string& carrier) {
  return "gw-" + carrier;
}

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + kKey}};
  h.insert(h.end(), extra.begin(), extra.end());
  return http(method, env->gw_port, target, body, h);
}

// The admin API of a carrier's namespace ("" prefix: its default instance).
json::value sim_admin(const std::string& carrier, const std::string& prefix,
                      const std::string& path) {
  auto r = http("GET", env->sim_port.at(carrier), prefix + path);
  EXPECT_EQ(r.status, 200) << carrier << " " << prefix << path << ": " << r.body;
  return r.status == 200 ? r.json() : json::value();
}

std::string secret(const std::string& name) {
  return std::string(CGW_SOURCE_DIR) + "/config/secrets/" + name;
}

// A checksum-valid synthetic ID number (GB 11643) of an adult.
std::string make_id(const std::string& seq3) {
  std::string body = "11010119900101" + seq3;
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kW[i];
  return body + "10X98765432"[sum % 11];
}

std::string sim_config() {
  auto entry = [](const std::string& carrier, const std::string& app, const std::string& key) {
    std::ostringstream s;
    s << "  - carrier: " << carrier << "\n    listen: \"127.0.0.1:0\"\n    seed: 3\n"
      << "    pool_size: 1500\n    app_id: " << app << "\n    secret: {file: " << secret(key)
      << "}\n    activation_delay_ms: 300\n    reservation_ttl_s: 1800\n";
    return s.str();
  };
  std::ostringstream f;
  f << "threads: 2\nsimulators:\n"
    << entry("mobile", "demo-mobile-app", "mobile-demo.secret")
    << entry("unicom", "demo-unicom-app", "unicom-demo.secret")
    << entry("mvno", "demo-mvno-partner", "mvno-demo-id-aes.key") << "    settings:\n"
    << "      gateway_public_key: {file: " << secret("mvno-demo-gateway-public.pem") << "}\n"
    << "      carrier_private_key: {file: " << secret("mvno-demo-carrier-private.pem") << "}\n"
    << entry("telecom", "demo-telecom-app", "telecom-demo.secret") << "    settings:\n"
    << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
  return f.str();
}

std::string gateway_config() {
  // Unicom has no callbacks and is polled every second; the others are
  // polled once a minute, so their activations end by callback.
  auto common = [](const std::string& carrier, int poll_s) {
    std::ostringstream c;
    c << "    required: true\n    base_url: http://127.0.0.1:" << env->sim_port.at(carrier)
      << "/ns/" << ns_of(carrier) << "\n    sync_page_size: 500\n"
      << "    activation_poll_interval_s: " << poll_s << "\n";
    return c.str();
  };
  std::ostringstream f;
  f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
    << "store: {path: cgw.db}\nlog: {level: debug}\n"
    << "security: {pii_key: {file: pii.key}}\n"
    << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: " << cgw::crypto::sha256_hex(kKey)
    << "\ncarriers:\n"
    << "  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n"
    << common("mobile", 60) << "    settings:\n      app_id: demo-mobile-app\n"
    << "      secret: {file: " << secret("mobile-demo.secret") << "}\n"
    << "  - id: unicom\n    plugin: " << CGW_UNICOM_PLUGIN << "\n"
    << common("unicom", 1) << "    settings:\n      app_id: demo-unicom-app\n"
    << "      secret: {file: " << secret("unicom-demo.secret") << "}\n"
    << "  - id: mvno\n    kind: mvno\n    host_network: mixed\n"
    << "    plugin: " << CGW_MVNO_PLUGIN << "\n"
    << common("mvno", 60) << "    settings:\n      partner_id: demo-mvno-partner\n"
    << "      gateway_private_key: {file: " << secret("mvno-demo-gateway-private.pem") << "}\n"
    << "      carrier_public_key: {file: " << secret("mvno-demo-carrier-public.pem") << "}\n"
    << "      id_field_key: {file: " << secret("mvno-demo-id-aes.key") << "}\n"
    << "  - id: telecom\n    plugin: " << CGW_TELECOM_PLUGIN << "\n"
    << common("telecom", 60) << "    settings:\n      client_id: demo-telecom-app\n"
    << "      client_secret: {file: " << secret("telecom-demo.secret") << "}\n"
    << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
  return f.str();
}

class E2ENamespaces : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = fresh_test_dir("cgw_e2e_namespaces");
    std::ofstream(env->dir / "simulators.yaml") << sim_config();
    std::string why;
    auto ports = start_and_wait(env->sim,
                                {CGW_SIM_BIN, "--config", (env->dir / "simulators.yaml").string(),
                                 "--ports-file", (env->dir / "sim.ports").string()},
                                env->dir / "sim.log", env->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    const auto port_of = json::parse(*ports).as_object();
    for (const auto& c : kCarriers) {
      env->sim_port[c] = static_cast<uint16_t>(port_of.at(c).to_number<int>());
      // Another seed than the default instance: another number pool.
      auto made = http("POST", env->sim_port[c], "/admin/namespaces",
                       json::serialize(json::object{{"name", ns_of(c)}, {"seed", 11}}));
      ASSERT_EQ(made.status, 201) << c << ": " << made.body;
      ASSERT_EQ(made.json().at("basePath").as_string(), "/ns/" + ns_of(c));
    }
    std::ofstream(env->dir / "pii.key") << std::string(64, 'f');
    std::ofstream(env->dir / "gateway.yaml") << gateway_config();
    auto port = start_and_wait(env->gateway,
                               {CGW_GATEWAY_BIN, "--config", (env->dir / "gateway.yaml").string(),
                                "--port-file", (env->dir / "gw.port").string()},
                               env->dir / "gateway.log", env->dir / "gw.port", 15s, &why);
    ASSERT_TRUE(port) << why;
    env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
    // Until every carrier has had its first full sync (through its namespace).
    bool synced = false;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!synced && std::chrono::steady_clock::now() < deadline) {
      auto r = api("GET", "/v1/carriers");
      if (r.status == 200) {
        const auto body = r.json();  // alive while iterated
        const auto& list = body.at("carriers").as_array();
        synced = list.size() == kCarriers.size();
        for (const auto& c : list)
          if (c.at("inventory").at("last_sync_at").is_null()) synced = false;
      }
      if (!synced) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(synced) << read_file(env->dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->gateway.stop(SIGTERM, 10s);
    env->sim.stop(SIGTERM, 5s);
    finish_test_dir(env->dir);
    delete env;
    env = nullptr;
  }

  void SetUp() override { ASSERT_NE(env->gw_port, 0) << "the suite set-up failed (see above)"; }
};

// Waits (bounded) until the activation is `until` or final; its last view.
json::value wait_activation(const std::string& id, const std::string& until) {
  json::value last;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = api("GET", "/v1/activations/" + id);
    if (r.status == 200) {
      last = r.json();
      const std::string status(last.at("status").as_string());
      if (status == until || status == "failed") return last;
    }
    std::this_thread::sleep_for(100ms);
  }
  return last;
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
    bool acknowledged = false;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!acknowledged && std::chrono::steady_clock::now() < deadline) {
      const auto cbs = sim_admin(carrier, prefix, "/admin/callbacks");
      for (const auto& c : cbs.at("callbacks").as_array())
        acknowledged = acknowledged || c.at("acknowledged").as_bool();
      if (!acknowledged) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(acknowledged) << carrier << ": no callback acknowledged";
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
