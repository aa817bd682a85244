// End to end: the real cgw-sim and cgw-gateway processes on 127.0.0.1 with
// ephemeral ports, the real mobile plugin, a fresh store per run.
#include "cgw/common/crypto.hpp"
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// A checksum-valid synthetic ID number (GB 11643): address, birth, sequence.
std::string make_id(const std::string& birth, const std::string& seq,
                    const std::string& address = "110101") {
  std::string body = address + birth + seq;
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kW[i];
  return body + "10X98765432"[sum % 11];
}

const std::string kKey = "cgw-demo-key";
const std::string kKeyHash = "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123";
const std::string kOtherKey = "second-tenant-key";
const std::string kRivalKey = "rival-tenant-key";      // another tenant, every scope
const std::string kLimitedKey = "limited-tenant-key";  // a tenant with tiny quotas

struct Env {
  std::filesystem::path dir;
  Process sim, gateway;
  uint16_t sim_port = 0, gw_port = 0;
  std::vector<std::string> identities_used;  // plaintext IDs, checked never to leak
};
Env* env = nullptr;

std::vector<std::pair<std::string, std::string>> auth(const std::string& key = kKey) {
  return {{"Authorization", "Bearer " + key}};
}
HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               std::vector<std::pair<std::string, std::string>> extra = {}) {
  auto h = auth();
  h.insert(h.end(), extra.begin(), extra.end());
  return http(method, env->gw_port, target, body, h);
}

std::string sha256_hex_of(const std::string& s) {
  return cgw::crypto::sha256_hex(s);
}

class E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = std::filesystem::temp_directory_path() / ("cgw_e2e_" + std::to_string(getpid()));
    std::filesystem::remove_all(env->dir);
    std::filesystem::create_directories(env->dir);
    const auto secret = std::string(CGW_SOURCE_DIR) + "/config/secrets/mobile-demo.secret";
    {
      std::ofstream f(env->dir / "simulators.yaml");
      f << "threads: 2\nsimulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n"
        << "    seed: 7\n    pool_size: 3000\n    app_id: demo-mobile-app\n"
        << "    secret: {file: " << secret << "}\n    activation_delay_ms: 300\n"
        << "    reservation_ttl_s: 1800\n";
    }
    ASSERT_TRUE(env->sim.start({CGW_SIM_BIN, "--config", (env->dir / "simulators.yaml").string(),
                                "--ports-file", (env->dir / "sim.ports").string()},
                               env->dir / "sim.log"));
    auto ports = wait_for_file(env->dir / "sim.ports", 15s);
    ASSERT_TRUE(ports) << read_file(env->dir / "sim.log");
    env->sim_port = static_cast<uint16_t>(json::parse(*ports).at("mobile").to_number<int>());

    {
      std::ofstream k(env->dir / "pii.key");
      k << std::string(64, 'c');
      std::ofstream f(env->dir / "gateway.yaml");
      f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
        << "store: {path: cgw.db}\nlog: {level: debug}\n"
        << "limits: {max_header_bytes: 4096, max_body_bytes: 65536, shutdown_grace_ms: 5000}\n"
        << "security: {pii_key: {file: pii.key}}\n"
        << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: " << kKeyHash << "\n"
        << "  - id: other\n    api_keys:\n      - sha256: " << sha256_hex_of(kOtherKey) << "\n"
        << "        scopes: [inventory:read]\n"
        << "  - id: rival\n    api_keys:\n      - sha256: " << sha256_hex_of(kRivalKey) << "\n"
        << "        label: rival-key\n"
        << "  - id: limited\n    quotas: {requests_per_s: 0.2, request_burst: 4, "
           "kyc_per_minute: 1, kyc_burst: 1}\n"
        << "    api_keys:\n      - sha256: " << sha256_hex_of(kLimitedKey) << "\n"
        << "carriers:\n  - id: mobile\n    display_name: China Mobile (simulated)\n"
        << "    plugin: " << CGW_MOBILE_PLUGIN << "\n    required: true\n"
        << "    base_url: http://127.0.0.1:" << env->sim_port << "\n"
        << "    sync_page_size: 500\n    activation_poll_interval_s: 2\n"
        << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
    }
    ASSERT_TRUE(
        env->gateway.start({CGW_GATEWAY_BIN, "--config", (env->dir / "gateway.yaml").string(),
                            "--port-file", (env->dir / "gw.port").string()},
                           env->dir / "gateway.log"));
    auto port = wait_for_file(env->dir / "gw.port", 15s);
    ASSERT_TRUE(port) << read_file(env->dir / "gateway.log");
    env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
    // Wait for the first full sync.
    for (int i = 0; i < 300; ++i) {
      auto r = api("GET", "/v1/carriers");
      if (r.status == 200) {
        auto inv = r.json().at("carriers").at(0).at("inventory");
        if (!inv.at("last_sync_at").is_null()) break;
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  static void TearDownTestSuite() {
    env->gateway.stop(SIGKILL, 5s);
    env->sim.stop(SIGTERM, 5s);
    // Kept for inspection when anything failed.
    finish_test_dir(env->dir);
    delete env;
    env = nullptr;
  }

  // An available number of the mobile carrier, different on every call.
  static std::string fresh_number() {
    static std::set<std::string> used;
    auto r = api("GET", "/v1/numbers?carrier=mobile&limit=100");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto page = r.json();  // keep the value alive while iterating it
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
               json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
               {{"Idempotency-Key", "reserve-" + std::to_string(++n)}});
  }

  static HttpResult verify(const std::string& name, const std::string& id) {
    env->identities_used.push_back(id);
    return api(
        "POST", "/v1/kyc/verifications",
        json::serialize(json::object{{"carrier", "mobile"}, {"name", name}, {"id_number", id}}));
  }

  static json::object activation_body(const std::string& res, const std::string& ver,
                                      const std::string& plan) {
    return json::object{{"reservation_id", res},
                        {"plan_id", plan},
                        {"verification_id", ver},
                        {"delivery", json::object{{"name", "测试收件人"},
                                                  {"phone", "13900000000"},
                                                  {"address", "北京市东城区测试路1号"}}}};
  }

  static std::string first_plan() {
    auto r = api("GET", "/v1/plans?carrier=mobile");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(r.json().at("plans").at(0).at("plan_id").as_string());
  }

  static json::value wait_activation(const std::string& id, const std::string& until,
                                     std::chrono::seconds limit = 20s) {
    json::value last;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = api("GET", "/v1/activations/" + id);
      last = r.json();
      if (r.status == 200 && last.at("status").as_string() == until) return last;
      std::this_thread::sleep_for(100ms);
    }
    return last;
  }

  static json::value sim_state() { return http("GET", env->sim_port, "/admin/state").json(); }
};

}  // namespace

TEST_F(E2E, HealthReadinessAndRequestIds) {
  EXPECT_EQ(http("GET", env->gw_port, "/healthz").status, 200);
  EXPECT_EQ(http("GET", env->gw_port, "/readyz").status, 200);
  auto r = http("GET", env->gw_port, "/healthz", {}, {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(r.headers["x-request-id"], "abc-123");
  auto g = http("GET", env->gw_port, "/healthz");
  EXPECT_FALSE(g.headers["x-request-id"].empty());
}

TEST_F(E2E, AuthenticationAndScopes) {
  auto none = http("GET", env->gw_port, "/v1/carriers");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.error_code(), "UNAUTHENTICATED");
  auto body = none.json().at("error").as_object();
  EXPECT_TRUE(body.contains("message"));
  EXPECT_EQ(body.at("retryable").as_bool(), false);
  EXPECT_EQ(http("GET", env->gw_port, "/v1/carriers", {}, auth("wrong")).status, 401);
  // The second tenant's key has inventory:read only.
  EXPECT_EQ(http("GET", env->gw_port, "/v1/carriers", {}, auth(kOtherKey)).status, 200);
  auto denied = http("POST", env->gw_port, "/v1/reservations", "{}", auth(kOtherKey));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.error_code(), "FORBIDDEN");
  EXPECT_EQ(api("GET", "/v1/nothing-here").status, 404);
  // Found by fuzz_api: the bare prefix (the rest may be a query) once read
  // past the path's end.
  EXPECT_EQ(api("GET", "/v1").status, 404);
  EXPECT_EQ(api("POST", "/v1?/kyc/verifications", "{}").status, 404);
  EXPECT_EQ(api("PUT", "/v1/carriers").status, 405);
}

TEST_F(E2E, CarriersAndPlans) {
  auto r = api("GET", "/v1/carriers");
  ASSERT_EQ(r.status, 200);
  auto c = r.json().at("carriers").at(0).as_object();
  EXPECT_EQ(c.at("id").as_string(), "mobile");
  EXPECT_EQ(c.at("kind").as_string(), "mno");
  EXPECT_EQ(c.at("plugin").at("name").as_string(), "mobile");
  EXPECT_EQ(c.at("plugin").at("abi").as_string(), "1.1");
  EXPECT_GT(c.at("inventory").at("available").to_number<int64_t>(), 1000);
  // Synced at start: its age is a few seconds at most.
  const auto staleness = c.at("inventory").at("staleness_s").to_number<int64_t>();
  EXPECT_GE(staleness, 0);
  EXPECT_LT(staleness, 120);
  EXPECT_EQ(c.at("capabilities").as_array().size(), 6u);
  auto plans = api("GET", "/v1/plans?carrier=mobile");
  ASSERT_EQ(plans.status, 200);
  auto p = plans.json().at("plans").at(0).as_object();
  EXPECT_EQ(p.at("carrier").as_string(), "mobile");
  EXPECT_GT(p.at("monthly_fee_fen").to_number<int64_t>(), 0);
  EXPECT_EQ(api("GET", "/v1/plans?carrier=nope").error_code(), "UNKNOWN_CARRIER");
}

TEST_F(E2E, SearchFiltersAndPagination) {
  auto r = api("GET", "/v1/numbers?carrier=mobile&suffix=8&limit=10");
  ASSERT_EQ(r.status, 200) << r.body;
  auto nums = r.json().at("numbers").as_array();
  ASSERT_FALSE(nums.empty());
  for (const auto& n : nums) {
    std::string m(n.at("msisdn").as_string());
    EXPECT_EQ(m.back(), '8');
    EXPECT_EQ(m.size(), 11u);
  }
  auto no4 = api("GET", "/v1/numbers?exclude_digits=4&limit=50").json().at("numbers").as_array();
  for (const auto& n : no4)
    EXPECT_EQ(std::string(n.at("msisdn").as_string()).find('4'), std::string::npos);
  auto pre = api("GET", "/v1/numbers?prefix=139&limit=20").json().at("numbers").as_array();
  for (const auto& n : pre) EXPECT_EQ(std::string(n.at("msisdn").as_string()).substr(0, 3), "139");
  // Pages are disjoint and continue in order.
  auto p1 = api("GET", "/v1/numbers?limit=5").json();
  ASSERT_TRUE(p1.at("next_cursor").is_string());
  auto p2 =
      api("GET", "/v1/numbers?limit=5&cursor=" + std::string(p1.at("next_cursor").as_string()))
          .json();
  EXPECT_LT(p1.at("numbers").at(4).at("msisdn").as_string(),
            p2.at("numbers").at(0).at("msisdn").as_string());
  EXPECT_EQ(api("GET", "/v1/numbers?limit=101").error_code(), "INVALID_ARGUMENT");
  EXPECT_EQ(api("GET", "/v1/numbers?suffix=8a").error_code(), "INVALID_ARGUMENT");
  EXPECT_EQ(api("GET", "/v1/numbers?cursor=zzz").error_code(), "INVALID_ARGUMENT");
  EXPECT_EQ(api("GET", "/v1/numbers?colour=red").error_code(), "INVALID_ARGUMENT");
}

TEST_F(E2E, ReservationLifecycle) {
  auto msisdn = fresh_number();
  auto r = reserve(msisdn);
  ASSERT_EQ(r.status, 201) << r.body;
  auto res = r.json().as_object();
  EXPECT_EQ(res.at("status").as_string(), "held");
  EXPECT_EQ(res.at("msisdn").as_string(), msisdn);
  std::string id(res.at("reservation_id").as_string());
  // Held: a second reservation fails and search no longer offers it.
  auto again = reserve(msisdn);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "NUMBER_UNAVAILABLE");
  auto found = api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array();
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(api("GET", "/v1/reservations/" + id).json().at("status").as_string(), "held");
  // Another tenant cannot see it.
  EXPECT_EQ(http("GET", env->gw_port, "/v1/reservations/" + id, {}, auth(kOtherKey)).status, 403);
  auto del = api("DELETE", "/v1/reservations/" + id);
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.json().at("status").as_string(), "released");
  EXPECT_EQ(reserve(msisdn).status, 201);
  // Bad input.
  const std::vector<std::pair<std::string, std::string>> key{{"Idempotency-Key", "bad-input"}};
  EXPECT_EQ(api("POST", "/v1/reservations", "{\"carrier\":\"mobile\"}", key).error_code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(
      api("POST", "/v1/reservations", "not json", {{"Idempotency-Key", "bad-json"}}).error_code(),
      "INVALID_JSON");
  EXPECT_EQ(
      api("POST", "/v1/reservations", "{\"carrier\":\"mobile\",\"msisdn\":\"13800000000\",\"x\":1}",
          {{"Idempotency-Key", "bad-field"}})
          .error_code(),
      "UNKNOWN_FIELD");
  auto no_key = api("POST", "/v1/reservations", "{\"carrier\":\"mobile\"}");
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.error_code(), "IDEMPOTENCY_KEY_REQUIRED");
  EXPECT_EQ(api("GET", "/v1/reservations/res_missing").status, 404);
}

TEST_F(E2E, ReservationIdempotencyKey) {
  auto msisdn = fresh_number();
  auto body = json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}});
  auto first = api("POST", "/v1/reservations", body, {{"Idempotency-Key", "hold-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = api("POST", "/v1/reservations", body, {{"Idempotency-Key", "hold-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  auto other = json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", fresh_number()}});
  EXPECT_EQ(api("POST", "/v1/reservations", other, {{"Idempotency-Key", "hold-1"}}).error_code(),
            "IDEMPOTENCY_KEY_REUSED");
  // Another key is a new request: the number is taken.
  EXPECT_EQ(api("POST", "/v1/reservations", body, {{"Idempotency-Key", "hold-2"}}).error_code(),
            "NUMBER_UNAVAILABLE");
}

TEST_F(E2E, OneNumberIsNeverSoldTwice) {
  auto msisdn = fresh_number();
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
}

TEST_F(E2E, KycOutcomes) {
  struct Case {
    std::string id, result, reason;
  };
  const std::vector<Case> cases = {
      {make_id("19900101", "901"), "passed", ""},
      {make_id("19850505", "123"), "passed", ""},  // not magic: passes
      {make_id("19900101", "911"), "rejected", "ID_NAME_MISMATCH"},
      {make_id("19900101", "941"), "rejected", "FACE_MISMATCH"},
      {make_id("19900101", "961"), "rejected", "QUOTA_EXCEEDED"},
      {make_id("20150101", "123"), "rejected", "UNDERAGE"},
  };
  for (const auto& c : cases) {
    auto r = verify("测试用户", c.id);
    ASSERT_EQ(r.status, 200) << c.id << " " << r.body;
    auto v = r.json().as_object();
    EXPECT_EQ(v.at("result").as_string(), c.result) << c.id;
    if (!c.reason.empty()) {
      ASSERT_FALSE(v.at("reasons").as_array().empty()) << c.id;
      EXPECT_EQ(v.at("reasons").at(0).as_string(), c.reason) << c.id;
    }
    // Never echoed in full.
    EXPECT_EQ(r.body.find(c.id), std::string::npos);
    EXPECT_EQ(v.at("id_number_masked").as_string().size(), 18u);
  }
}

TEST_F(E2E, InvalidIdNumberIsRejectedWithoutACarrierCall) {
  auto before = http("GET", env->sim_port, "/admin/requests?limit=1000").json();
  auto bad = make_id("19900101", "123");
  bad.back() = bad.back() == '0' ? '1' : '0';  // break the check character
  auto r = verify("测试用户", bad);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("result").as_string(), "rejected");
  EXPECT_EQ(r.json().at("reasons").at(0).as_string(), "ID_INVALID");
  auto after = http("GET", env->sim_port, "/admin/requests?limit=1000").json();
  EXPECT_EQ(json::serialize(before), json::serialize(after));
}

TEST_F(E2E, ActivationEndToEndWithIdempotency) {
  auto plan = first_plan();
  auto msisdn = fresh_number();
  auto res = reserve(msisdn);
  ASSERT_EQ(res.status, 201) << res.body;
  std::string res_id(res.json().at("reservation_id").as_string());
  auto ver = verify("测试用户", make_id("19920202", "902"));
  std::string ver_id(ver.json().at("verification_id").as_string());
  auto body = json::serialize(activation_body(res_id, ver_id, plan));

  EXPECT_EQ(api("POST", "/v1/activations", body).error_code(), "IDEMPOTENCY_KEY_REQUIRED");
  auto a = api("POST", "/v1/activations", body, {{"Idempotency-Key", "order-1"}});
  ASSERT_EQ(a.status, 202) << a.body;
  std::string act_id(a.json().at("activation_id").as_string());
  EXPECT_EQ(a.json().at("status").as_string(), "pending");

  auto replay = api("POST", "/v1/activations", body, {{"Idempotency-Key", "order-1"}});
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(replay.body, a.body);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  auto other = activation_body(res_id, ver_id, plan);
  other["plan_id"] = "another-plan";
  EXPECT_EQ(api("POST", "/v1/activations", json::serialize(other), {{"Idempotency-Key", "order-1"}})
                .error_code(),
            "IDEMPOTENCY_KEY_REUSED");

  auto done = wait_activation(act_id, "activated");
  ASSERT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  EXPECT_TRUE(done.at("carrier_order_id").is_string());
  EXPECT_EQ(done.at("msisdn").as_string(), msisdn);
  auto history = done.at("history").as_array();
  ASSERT_GE(history.size(), 3u);
  EXPECT_EQ(history.front().at("status").as_string(), "pending");
  EXPECT_EQ(history.back().at("status").as_string(), "activated");

  // The carrier saw exactly one order for it.
  int orders = 0;
  const auto state = sim_state();
  for (const auto& o : state.at("orders").as_array())
    if (o.at("partnerOrderId").as_string() == act_id) {
      ++orders;
      EXPECT_EQ(o.at("submitCount").to_number<int>(), 1);
      EXPECT_EQ(o.at("state").as_string(), "SUCCESS");
    }
  EXPECT_EQ(orders, 1);
  // Sold: never offered again, the reservation cannot be used twice.
  EXPECT_TRUE(api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array().empty());
  EXPECT_EQ(api("POST", "/v1/activations", body, {{"Idempotency-Key", "order-2"}}).error_code(),
            "RESERVATION_NOT_HELD");
  EXPECT_EQ(api("GET", "/v1/activations/act_nope").status, 404);
}

TEST_F(E2E, ActivationRejectedByCarrierEndsFailed) {
  auto msisdn = fresh_number();
  std::string res_id(reserve(msisdn).json().at("reservation_id").as_string());
  std::string ver_id(
      verify("测试用户", make_id("19930303", "903")).json().at("verification_id").as_string());
  auto a =
      api("POST", "/v1/activations", json::serialize(activation_body(res_id, ver_id, "SIM-REJECT")),
          {{"Idempotency-Key", "order-reject"}});
  ASSERT_EQ(a.status, 202) << a.body;
  auto done = wait_activation(std::string(a.json().at("activation_id").as_string()), "failed");
  ASSERT_EQ(done.at("status").as_string(), "failed") << json::serialize(done);
  // Failed by the carrier after it accepted the order (not refused up front).
  EXPECT_TRUE(done.at("carrier_order_id").is_string()) << json::serialize(done);
  EXPECT_EQ(done.at("failure").at("code").as_string(), "CARRIER_REJECTED");
  EXPECT_NE(std::string(done.at("failure").at("message").as_string()).find("4008"),
            std::string::npos);
}

TEST_F(E2E, ActivationNeedsPassedVerification) {
  auto msisdn = fresh_number();
  std::string res_id(reserve(msisdn).json().at("reservation_id").as_string());
  std::string ver_id(
      verify("测试用户", make_id("19900101", "912")).json().at("verification_id").as_string());
  auto a =
      api("POST", "/v1/activations", json::serialize(activation_body(res_id, ver_id, first_plan())),
          {{"Idempotency-Key", "order-unverified"}});
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.error_code(), "VERIFICATION_NOT_PASSED");
}

TEST_F(E2E, CallbackWithBadSignatureIsRefused) {
  auto r = http("POST", env->gw_port, "/v1/callbacks/mobile",
                "{\"eventId\":\"E1\",\"orderId\":\"O1\",\"partnerOrderId\":\"act_x\","
                "\"orderState\":\"SUCCESS\"}",
                {{"X-App-Id", "demo-mobile-app"},
                 {"X-Timestamp", std::to_string(time(nullptr))},
                 {"X-Nonce", "abcdefabcdefabcdef"},
                 {"X-Signature", std::string(64, '0')}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "CALLBACK_REJECTED");
  EXPECT_EQ(http("POST", env->gw_port, "/v1/callbacks/nope", "{}").status, 404);
}

TEST_F(E2E, LimitsOnHeadersAndBodies) {
  auto big_header = http("GET", env->gw_port, "/healthz", {}, {{"X-Big", std::string(8000, 'a')}});
  EXPECT_EQ(big_header.status, 431);
  auto big_body = api("POST", "/v1/reservations", std::string(70000, ' '));
  EXPECT_EQ(big_body.status, 413);
  // Nesting deeper than 8 levels is refused before any field is looked at.
  const std::string deep = R"({"carrier":)" + std::string(9, '[') + std::string(9, ']') + "}";
  auto nested = api("POST", "/v1/reservations", deep, {{"Idempotency-Key", "deep"}});
  EXPECT_EQ(nested.status, 400);
  EXPECT_EQ(nested.error_code(), "INVALID_JSON");
}

// OWASP API1: another tenant's objects do not exist for it (404, never 403,
// so ids cannot be probed), on every route that names an object.
TEST_F(E2E, AnotherTenantSeesNothingOnEveryRoute) {
  auto msisdn = fresh_number();
  auto res = reserve(msisdn);
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string res_id(res.json().at("reservation_id").as_string());
  const std::string ver_id(
      verify("测试用户", make_id("19900505", "031")).json().at("verification_id").as_string());
  auto act =
      api("POST", "/v1/activations", json::serialize(activation_body(res_id, ver_id, first_plan())),
          {{"Idempotency-Key", "tenant-check"}});
  ASSERT_EQ(act.status, 202) << act.body;
  const std::string act_id(act.json().at("activation_id").as_string());

  auto rival = [](const std::string& method, const std::string& target,
                  const std::string& body = {}) {
    auto h = auth(kRivalKey);
    h.emplace_back("Idempotency-Key", "rival-" + target);
    return http(method, env->gw_port, target, body, h);
  };
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/reservations/" + res_id},
           {"DELETE", "/v1/reservations/" + res_id},
           {"GET", "/v1/kyc/verifications/" + ver_id},
           {"GET", "/v1/activations/" + act_id},
           {"GET", "/v1/activations/" + act_id + "/webhooks"}}) {
    auto r = rival(method, target);
    EXPECT_EQ(r.status, 404) << method << " " << target << ": " << r.body;
    EXPECT_EQ(r.error_code(), "NOT_FOUND") << method << " " << target;
  }
  // Nor can it activate with them: the same answers as for ids that do not
  // exist at all.
  auto other = rival("POST", "/v1/activations",
                     json::serialize(activation_body(res_id, ver_id, first_plan())));
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.error_code(), "VERIFICATION_NOT_FOUND");
  // The owner still sees its own objects, unchanged.
  EXPECT_EQ(api("GET", "/v1/reservations/" + res_id).json().at("status").as_string(), "consumed");
  EXPECT_EQ(api("GET", "/v1/activations/" + act_id + "/webhooks").status, 200);
}

// OWASP API4: per-tenant request rate and KYC budgets, with Retry-After.
TEST_F(E2E, TenantQuotasAnswer429WithRetryAfter) {
  auto limited = [](const std::string& method, const std::string& target,
                    const std::string& body = {}) {
    return http(method, env->gw_port, target, body, auth(kLimitedKey));
  };
  // KYC: a burst of one verification, then refused before any carrier call.
  auto id = make_id("19880808", "041");
  env->identities_used.push_back(id);
  const auto kyc_body =
      json::serialize(json::object{{"carrier", "mobile"}, {"name", "测试用户"}, {"id_number", id}});
  EXPECT_EQ(limited("POST", "/v1/kyc/verifications", kyc_body).status, 200);
  auto kyc = limited("POST", "/v1/kyc/verifications", kyc_body);
  EXPECT_EQ(kyc.status, 429) << kyc.body;
  EXPECT_EQ(kyc.error_code(), "KYC_QUOTA_EXCEEDED");
  EXPECT_GE(std::stoi(kyc.headers["retry-after"]), 1);
  // Requests: a burst of four in all (two used above), then 429.
  EXPECT_EQ(limited("GET", "/v1/carriers").status, 200);
  EXPECT_EQ(limited("GET", "/v1/carriers").status, 200);
  auto r = limited("GET", "/v1/carriers");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_code(), "RATE_LIMITED");
  EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
  EXPECT_TRUE(r.json().at("error").at("retryable").as_bool());
  // Other tenants are not affected.
  EXPECT_EQ(api("GET", "/v1/carriers").status, 200);
}

// Who did what to which object, and how it ended: reservations,
// verifications and activations, including refused probes.
TEST_F(E2E, AuditLogRecordsCallsWithoutPersonalData) {
  const auto lines = read_file(env->dir / "audit.log");
  std::map<std::string, int> actions;
  bool rival_probe = false;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    auto e = json::parse(line).as_object();
    for (const char* k :
         {"at", "request_id", "tenant", "key", "action", "object_id", "http_status", "outcome"})
      EXPECT_TRUE(e.contains(k)) << line;
    ++actions[std::string(e.at("action").as_string())];
    if (e.at("tenant") == "rival" && e.at("key") == "rival-key" &&
        e.at("action") == "activation.read" && e.at("outcome") == "NOT_FOUND")
      rival_probe = true;
  }
  for (const char* a : {"reservation.create", "reservation.read", "reservation.release",
                        "verification.create", "activation.create", "activation.read"})
    EXPECT_GT(actions[a], 0) << a;
  EXPECT_TRUE(rival_probe);
}

TEST_F(E2E, StoreAndLogsHoldNoPlaintextIdentity) {
  // Runs after the others (gtest runs in declaration order in one process).
  ASSERT_FALSE(env->identities_used.empty());
  std::string files;
  for (const auto& f : std::filesystem::directory_iterator(env->dir))
    if (f.path().extension() != ".yaml") files += read_file(f.path());
  for (const auto& id : env->identities_used)
    EXPECT_EQ(files.find(id), std::string::npos) << "identity found in plaintext";
  EXPECT_EQ(files.find("测试用户"), std::string::npos);
}

TEST_F(E2E, GracefulShutdownExitsZero) {
  auto code = env->gateway.stop(SIGTERM, 10s);
  ASSERT_TRUE(code.has_value()) << "gateway did not stop within 10 s";
  EXPECT_EQ(*code, 0);
}
