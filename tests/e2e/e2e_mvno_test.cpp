// End to end for the `mvno` carrier: the real cgw-sim (mvno only) and the
// real cgw-gateway with cgw_mvno.so on 127.0.0.1, ephemeral ports, a fresh
// store. Keys are the demo files of config/secrets, referenced with {file:}
// exactly as the shipped configs do.
#include "cgw/common/crypto.hpp"
#include "http.hpp"
#include "process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A checksum-valid synthetic ID number (GB 11643).
std::string make_id(const std::string& birth, const std::string& seq) {
  std::string body = "110101" + birth + seq;
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kW[i];
  return body + "10X98765432"[sum % 11];
}

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
  std::filesystem::path dir;
  Process sim, gateway;
  uint16_t sim_port = 0, gw_port = 0;
  std::vector<std::string> identities_used;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + kKey}};
  h.insert(h.end(), extra.begin(), extra.end());
  return http(method, env->gw_port, target, body, h);
}

std::string secret(const std::string& name) {
  return std::string(CGW_SOURCE_DIR) + "/config/secrets/" + name;
}

class E2EMvno : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir =
        std::filesystem::temp_directory_path() / ("cgw_e2e_mvno_" + std::to_string(getpid()));
    std::filesystem::remove_all(env->dir);
    std::filesystem::create_directories(env->dir);
    {
      std::ofstream f(env->dir / "simulators.yaml");
      f << "threads: 2\nsimulators:\n  - carrier: mvno\n    listen: \"127.0.0.1:0\"\n"
        << "    seed: 5\n    pool_size: 2000\n    app_id: demo-mvno-partner\n"
        << "    secret: {file: " << secret("mvno-demo-id-aes.key") << "}\n"
        << "    activation_delay_ms: 300\n    reservation_ttl_s: 1800\n"
        << "    settings:\n"
        << "      gateway_public_key: {file: " << secret("mvno-demo-gateway-public.pem") << "}\n"
        << "      carrier_private_key: {file: " << secret("mvno-demo-carrier-private.pem") << "}\n";
    }
    ASSERT_TRUE(env->sim.start({CGW_SIM_BIN, "--config", (env->dir / "simulators.yaml").string(),
                                "--ports-file", (env->dir / "sim.ports").string()},
                               env->dir / "sim.log"));
    auto ports = wait_for_file(env->dir / "sim.ports", 15s);
    ASSERT_TRUE(ports) << read_file(env->dir / "sim.log");
    env->sim_port = static_cast<uint16_t>(json::parse(*ports).at("mvno").to_number<int>());

    {
      std::ofstream k(env->dir / "pii.key");
      k << std::string(64, 'd');
      std::ofstream f(env->dir / "gateway.yaml");
      f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
        << "store: {path: cgw.db}\nlog: {level: debug}\n"
        << "security: {pii_key: {file: pii.key}}\n"
        << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: "
        << cgw::crypto::sha256_hex(kKey) << "\n"
        << "carriers:\n  - id: mvno\n    display_name: 170 MVNO (simulated)\n"
        << "    kind: mvno\n    host_network: mixed\n"
        << "    plugin: " << CGW_MVNO_PLUGIN << "\n    required: true\n"
        << "    base_url: http://127.0.0.1:" << env->sim_port << "\n"
        << "    sync_page_size: 500\n    activation_poll_interval_s: 30\n"
        << "    settings:\n      partner_id: demo-mvno-partner\n"
        << "      gateway_private_key: {file: " << secret("mvno-demo-gateway-private.pem") << "}\n"
        << "      carrier_public_key: {file: " << secret("mvno-demo-carrier-public.pem") << "}\n"
        << "      id_field_key: {file: " << secret("mvno-demo-id-aes.key") << "}\n";
    }
    ASSERT_TRUE(
        env->gateway.start({CGW_GATEWAY_BIN, "--config", (env->dir / "gateway.yaml").string(),
                            "--port-file", (env->dir / "gw.port").string()},
                           env->dir / "gateway.log"));
    auto port = wait_for_file(env->dir / "gw.port", 15s);
    ASSERT_TRUE(port) << read_file(env->dir / "gateway.log");
    env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
    for (int i = 0; i < 300; ++i) {  // the first full sync
      auto r = api("GET", "/v1/carriers");
      if (r.status == 200 &&
          !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null())
        break;
      std::this_thread::sleep_for(50ms);
    }
  }

  static void TearDownTestSuite() {
    const auto code = env->gateway.stop(SIGTERM, 10s);
    env->sim.stop(SIGTERM, 5s);
    const bool failed = ::testing::UnitTest::GetInstance()->failed_test_count() > 0;
    if (!failed && code == std::optional<int>(0))
      std::filesystem::remove_all(env->dir);
    else
      std::cerr << "test files kept in " << env->dir << "\n";
    delete env;
    env = nullptr;
  }

  static std::string fresh_number() {
    static std::set<std::string> used;
    auto r = api("GET", "/v1/numbers?carrier=mvno&limit=100");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto page = r.json();
    for (const auto& n : page.at("numbers").as_array()) {
      std::string m(n.at("msisdn").as_string());
      if (used.insert(m).second) return m;
    }
    ADD_FAILURE() << "no fresh number";
    return {};
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
    json::value last;
    for (int i = 0; i < 200; ++i) {  // 20 s at most
      auto r = api("GET", "/v1/activations/" + id);
      last = r.json();
      if (r.status == 200 && last.at("status").as_string() == until) return last;
      std::this_thread::sleep_for(100ms);
    }
    return last;
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
  bool acknowledged = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!acknowledged && std::chrono::steady_clock::now() < deadline) {
    // Kept in a variable: the loop must not iterate into a destroyed temporary.
    const auto now_state = http("GET", env->sim_port, "/admin/state").json();
    for (const auto& c : now_state.at("callbacks").as_array())
      acknowledged = acknowledged || c.at("acknowledged").as_bool();
    if (!acknowledged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(acknowledged);
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
  std::string files;
  for (const auto& f : std::filesystem::directory_iterator(env->dir))
    if (f.path().extension() != ".yaml") files += read_file(f.path());
  for (const auto& id : env->identities_used)
    EXPECT_EQ(files.find(id), std::string::npos) << "identity found in plaintext";
  EXPECT_EQ(files.find(kName), std::string::npos);
}
