// Input the gateway judges itself, end to end on the real cgw-sim and
// cgw-gateway (docs/security.md, "Input rules"): what it refuses without a
// carrier call, and how a carrier's 429 reaches the platform.
#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "input-rules-tenant-key";

// A checksum-valid synthetic ID number (GB 11643): address, birth, sequence.
std::string make_id(const std::string& birth, const std::string& seq) {
  std::string body = "110101" + birth + seq;
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kW[i];
  return body + "10X98765432"[sum % 11];
}

std::string yyyymmdd(std::chrono::sys_days d) {
  const std::chrono::year_month_day ymd{d};
  const int v =
      int(ymd.year()) * 10000 + int(unsigned(ymd.month())) * 100 + int(unsigned(ymd.day()));
  return std::to_string(v);  // years 1000-9999: always 8 digits
}

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

// How many requests of `operation` the simulator has seen.
size_t carrier_calls(const std::string& operation) {
  auto r = http("GET", env->sim_port, "/admin/requests?limit=5000&operation=" + operation);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json().at("requests").as_array().size();
}
const std::string kVerifyOp = "/open/v1/realname/verify";

HttpResult verify_body(const std::string& body) {
  return api("POST", "/v1/kyc/verifications", body);
}
HttpResult verify(const std::string& name, const std::string& id) {
  return verify_body(
      json::serialize(json::object{{"carrier", "mobile"}, {"name", name}, {"id_number", id}}));
}

class InputRules : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    env->dir = fresh_test_dir("cgw_e2e_input_rules");
    const auto secret = std::string(CGW_SOURCE_DIR) + "/config/secrets/mobile-demo.secret";
    {
      std::ofstream f(env->dir / "simulators.yaml");
      f << "threads: 1\nsimulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n"
        << "    seed: 11\n    pool_size: 300\n    app_id: demo-mobile-app\n"
        << "    secret: {file: " << secret << "}\n";
    }
    std::string why;
    auto ports = start_and_wait(env->sim,
                                {CGW_SIM_BIN, "--config", (env->dir / "simulators.yaml").string(),
                                 "--ports-file", (env->dir / "sim.ports").string()},
                                env->dir / "sim.log", env->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    env->sim_port = static_cast<uint16_t>(json::parse(*ports).at("mobile").to_number<int>());
    {
      std::ofstream k(env->dir / "pii.key");
      k << std::string(64, 'e');
      std::ofstream f(env->dir / "gateway.yaml");
      f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
        << "store: {path: cgw.db}\nlog: {level: debug}\n"
        << "limits: {max_header_bytes: 4096, max_body_bytes: 65536, shutdown_grace_ms: 5000}\n"
        << "security: {pii_key: {file: pii.key}}\n"
        << "tenants:\n  - id: input\n    api_keys:\n      - sha256: "
        << cgw::crypto::sha256_hex(kKey) << "\n"
        << "carriers:\n  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n"
        << "    required: true\n    base_url: http://127.0.0.1:" << env->sim_port << "\n"
        << "    sync_page_size: 500\n    max_retries: 2\n"
        << "    settings:\n      app_id: demo-mobile-app\n      secret: {file: " << secret << "}\n";
    }
    auto port = start_and_wait(env->gateway,
                               {CGW_GATEWAY_BIN, "--config", (env->dir / "gateway.yaml").string(),
                                "--port-file", (env->dir / "gw.port").string()},
                               env->dir / "gateway.log", env->dir / "gw.port", 15s, &why);
    ASSERT_TRUE(port) << why;
    env->gw_port = static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>());
    for (int i = 0; i < 300; ++i) {  // the first sync, for number searches
      auto r = api("GET", "/v1/carriers");
      if (r.status == 200 &&
          !r.json().at("carriers").at(0).at("inventory").at("last_sync_at").is_null())
        break;
      std::this_thread::sleep_for(50ms);
    }
  }

  static void TearDownTestSuite() {
    env->gateway.stop(SIGTERM, 10s);
    env->sim.stop(SIGTERM, 5s);
    finish_test_dir(env->dir);
    delete env;
    env = nullptr;
  }

  void TearDown() override { http("DELETE", env->sim_port, "/admin/faults"); }

  static std::string fresh_number() {
    static std::set<std::string> used;
    auto r = api("GET", "/v1/numbers?carrier=mobile&limit=100");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto page = r.json();
    for (const auto& n : page.at("numbers").as_array()) {
      std::string m(n.at("msisdn").as_string());
      if (used.insert(m).second) return m;
    }
    ADD_FAILURE() << "no fresh number";
    return {};
  }
};

}  // namespace

TEST_F(InputRules, FullWidthIdNumberIsIdInvalidWithoutACarrierCall) {
  const size_t before = carrier_calls(kVerifyOp);
  auto r = verify("测试用户", "１１０１０５１９４９１２３１００２Ｘ");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("result").as_string(), "rejected");
  EXPECT_EQ(r.json().at("reasons").at(0).as_string(), "ID_INVALID");
  EXPECT_EQ(carrier_calls(kVerifyOp), before);
}

TEST_F(InputRules, UnderSixteenIsUnderageWithoutACarrierCall) {
  // Birthdays on the gateway's calendar (Beijing time, the system clock).
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto today = cgw::id::beijing_date(now_ms);
  const std::chrono::sys_days sixteenth{std::chrono::year(today.year - 16) /
                                        std::chrono::month(unsigned(today.month)) /
                                        std::chrono::day(unsigned(today.day))};
  const size_t before = carrier_calls(kVerifyOp);
  // 16 tomorrow: still 15.
  const std::string young_id = make_id(yyyymmdd(sixteenth + std::chrono::days(1)), "123");
  auto young = verify("测试用户", young_id);
  ASSERT_EQ(young.status, 200) << young.body;
  EXPECT_EQ(young.json().at("result").as_string(), "rejected");
  EXPECT_EQ(young.json().at("reasons").at(0).as_string(), "UNDERAGE");
  EXPECT_EQ(young.body.find(young_id), std::string::npos);  // masked, never echoed
  EXPECT_EQ(carrier_calls(kVerifyOp), before);
  // 16 today: the carrier decides (and passes this synthetic identity).
  auto of_age = verify("测试用户", make_id(yyyymmdd(sixteenth), "123"));
  ASSERT_EQ(of_age.status, 200) << of_age.body;
  EXPECT_EQ(of_age.json().at("result").as_string(), "passed") << of_age.body;
  EXPECT_EQ(carrier_calls(kVerifyOp), before + 1);
}

TEST_F(InputRules, LengthLimitsCountCharacters) {
  // 22 characters are 66 bytes: within the 64-character limit (the
  // carrier's own limits are its business).
  std::string name;
  for (int i = 0; i < 22; ++i) name += "张";
  auto ok = verify(name, make_id("19900101", "123"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json().at("result").as_string(), "passed");
  // 65 characters are refused by the gateway itself.
  for (int i = 22; i < 64; ++i) name += "张";
  auto too_long = verify(name + "张", make_id("19900101", "123"));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(too_long.error_code(), "INVALID_ARGUMENT");
  // A 64-character province is a valid (empty) search, not an error.
  std::string province;
  for (int i = 0; i < 64; ++i) province += "%E5%8C%97";  // 北
  auto search = api("GET", "/v1/numbers?carrier=mobile&province=" + province);
  EXPECT_EQ(search.status, 200) << search.body;
}

TEST_F(InputRules, QueryValueThatIsNotUtf8IsInvalidArgument) {
  for (const char* target :
       {"/v1/numbers?province=%C0%AF", "/v1/numbers?city=%ED%A0%80", "/v1/numbers?province=%E5%8C",
        "/v1/numbers?city=a%00b", "/v1/plans?carrier=%FF"}) {
    auto r = api("GET", target);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    EXPECT_EQ(r.error_code(), "INVALID_ARGUMENT") << target;
    EXPECT_NO_THROW(json::parse(r.body)) << target;
  }
  auto ok = api("GET", "/v1/numbers?carrier=mobile&province=%E5%8C%97%E4%BA%AC&limit=1");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(InputRules, DuplicateKeysAreInvalidJson) {
  const size_t before = carrier_calls(kVerifyOp);
  const std::string id = make_id("19900101", "123");
  auto kyc =
      verify_body(R"({"carrier":"mobile","name":"张三","name":"李四","id_number":")" + id + "\"}");
  EXPECT_EQ(kyc.status, 400) << kyc.body;
  EXPECT_EQ(kyc.error_code(), "INVALID_JSON");
  EXPECT_EQ(carrier_calls(kVerifyOp), before);

  const std::string msisdn = fresh_number();
  auto res = api("POST", "/v1/reservations",
                 R"({"carrier":"unicom","carrier":"mobile","msisdn":")" + msisdn + "\"}",
                 {{"Idempotency-Key", "dup-keys-1"}});
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(res.error_code(), "INVALID_JSON");
  // Nothing was held: the same number can be reserved at once.
  auto held = api("POST", "/v1/reservations",
                  json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                  {{"Idempotency-Key", "dup-keys-2"}});
  EXPECT_EQ(held.status, 201) << held.body;
}

TEST_F(InputRules, NulInsideATextFieldIsInvalidArgument) {
  const size_t before = carrier_calls(kVerifyOp);
  const std::string id = make_id("19900101", "123");
  for (const std::string& body :
       {R"({"carrier":"mobile","name":"张\u0000三","id_number":")" + id + "\"}",
        R"({"carrier":"mobile","name":"张三","id_number":")" + id + "\\u0000\"}"}) {
    auto r = verify_body(body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.error_code(), "INVALID_ARGUMENT") << r.body;
  }
  EXPECT_EQ(carrier_calls(kVerifyOp), before);
}

TEST_F(InputRules, Carrier429IsUnavailableWithItsRetryAfter) {
  auto fault = http("POST", env->sim_port, "/admin/faults",
                    R"({"operation":"/open/v1/numbers/lock","kind":"http_status","status":429,)"
                    R"("retry_after_s":7,"first":1})");
  ASSERT_EQ(fault.status, 201) << fault.body;
  const std::string body =
      json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", fresh_number()}});
  auto r = api("POST", "/v1/reservations", body, {{"Idempotency-Key", "rate-limited-1"}});
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.error_code(), "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(r.json().at("error").at("retryable").as_bool());
  EXPECT_EQ(r.headers["retry-after"], "7");
  // Retryable, so not stored under the key: the retry goes through.
  auto again = api("POST", "/v1/reservations", body, {{"Idempotency-Key", "rate-limited-1"}});
  EXPECT_EQ(again.status, 201) << again.body;
}

TEST_F(InputRules, Carrier429WithoutRetryAfterIsNotRetriedAtOnce) {
  auto fault =
      http("POST", env->sim_port, "/admin/faults",
           R"({"operation":"/open/v1/plans","kind":"http_status","status":429,"first":5})");
  ASSERT_EQ(fault.status, 201) << fault.body;
  const size_t before = carrier_calls("/open/v1/plans");
  auto r = api("GET", "/v1/plans?carrier=mobile");
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.error_code(), "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(r.json().at("error").at("retryable").as_bool());
  EXPECT_EQ(r.headers.count("retry-after"), 0u);
  // A read that fails retryably is normally tried again (max_retries: 2);
  // a carrier that asked to slow down is asked once.
  EXPECT_EQ(carrier_calls("/open/v1/plans"), before + 1);
}
