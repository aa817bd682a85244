// Input the gateway judges itself, end to end on the real cgw-sim and
// cgw-gateway (docs/security.md, "Input rules"): what it refuses without a
// carrier call, and how a carrier's 429 reaches the platform.
#include "cgw/common/id_number.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "input-rules-tenant-key";

std::string yyyymmdd(std::chrono::sys_days d) {
  const std::chrono::year_month_day ymd{d};
  const int v =
      int(ymd.year()) * 10000 + int(unsigned(ymd.month())) * 100 + int(unsigned(ymd.day()));
  return std::to_string(v);  // years 1000-9999: always 8 digits
}

struct Env {
  Stack stack{"cgw_e2e_input_rules"};
  uint16_t sim_port = 0, gw_port = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
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
    auto& s = env->stack;
    SimSpec mobile_sim("mobile", 11, 300);
    mobile_sim.activation_delay_ms = std::nullopt;
    mobile_sim.reservation_ttl_s = std::nullopt;
    ASSERT_EQ(s.start_sim(sim_config({mobile_sim}, 1)), "");
    env->sim_port = s.sim_port("mobile");
    GatewaySpec gw;
    gw.limits = "{max_header_bytes: 4096, max_body_bytes: 65536, shutdown_grace_ms: 5000}";
    gw.tenants = {TenantSpec("input", {kKey})};
    CarrierSpec mobile("mobile", s.sim_url("mobile"));
    mobile.extra = "    max_retries: 2\n";
    gw.carriers = {mobile};
    ASSERT_EQ(s.start_gateway(gateway_config(gw), 'e'), "");
    env->gw_port = s.gw_port;
    // The first sync, for number searches.
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, 1, 15s)) << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }

  void TearDown() override { http("DELETE", env->sim_port, "/admin/faults"); }

  static std::string fresh_number() {
    static std::set<std::string> used;
    return cgw::test::fresh_number(env->gw_port, kKey, "mobile", used);
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
