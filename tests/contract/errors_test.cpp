// Every documented error the test can cause, through Prism
// (contract_env.hpp): requests the description allows go through the strict
// proxy, requests that break it on purpose through the lenient one; either
// way the answer must match docs/openapi.yaml. 409 IDEMPOTENCY_KEY_IN_USE
// and 422 RESERVATION_EXPIRED depend on time: errors_timing_test.cpp. Not
// caused: 500 INTERNAL and 503 NOT_READY (no fault of a client's request
// makes them; README.md says why), 400 BAD_REQUEST (malformed HTTP, which
// Prism's own HTTP parser refuses first; tests/e2e covers it on a raw
// socket), and an object named twice in a body (Prism parses the JSON and
// forwards it re-serialized).
#include "contract_env.hpp"

using namespace cgw::contract;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}

std::string reserve(const std::string& carrier, const std::string& key) {
  const std::string msisdn = free_number(carrier);
  auto r = call("POST", "/v1/reservations",
                R"({"carrier":")" + carrier + R"(","msisdn":")" + msisdn + R"("})",
                {{"Idempotency-Key", key}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? str(r.json(), "reservation_id") : std::string();
}

std::string verify(const std::string& carrier, const std::string& id_number) {
  auto r =
      call("POST", "/v1/kyc/verifications",
           R"({"carrier":")" + carrier + R"(","name":"张三","id_number":")" + id_number + R"("})");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? str(r.json(), "verification_id") : std::string();
}

std::string activation_body(const std::string& reservation, const std::string& plan,
                            const std::string& verification) {
  return R"({"reservation_id":")" + reservation + R"(","plan_id":")" + plan +
         R"(","verification_id":")" + verification +
         R"(","delivery":{"name":"张三","phone":"13900000000","address":"北京市东城区示例路1号"}})";
}

TEST(ContractErrors, BadRequests) {
  expect_error(call("GET", "/v1/plans?carrier=acme"), 400, "UNKNOWN_CARRIER");
  expect_error(call("GET", "/v1/numbers?price_min=500&price_max=100"), 400, "INVALID_ARGUMENT");
  // The schema itself refuses these: through the lenient proxy.
  // Each under its own key: a refused request's answer is kept for its key.
  auto key = [](const char* k) { return Headers{{"Idempotency-Key", k}}; };
  expect_error(call_invalid("POST", "/v1/reservations", R"({"carrier":"mobile","msisdn":"123"})",
                            key("contract-bad-1")),
               400, "INVALID_ARGUMENT");
  expect_error(call_invalid("POST", "/v1/reservations",
                            R"({"carrier":"mobile","msisdn":"13800138000","phone":"1"})",
                            key("contract-bad-2")),
               400, "UNKNOWN_FIELD");
  expect_error(call_invalid("POST", "/v1/reservations", "[1]", key("contract-bad-3")), 400,
               "INVALID_JSON");
  expect_error(
      call_invalid("POST", "/v1/reservations", R"({"carrier":"mobile","msisdn":"13800138000"})"),
      400, "IDEMPOTENCY_KEY_REQUIRED");
  expect_error(call_invalid("GET", "/v1/numbers?limit=500"), 400, "INVALID_ARGUMENT");
}

TEST(ContractErrors, AuthenticationAndScopes) {
  expect_error(call_invalid("GET", "/v1/carriers", {}, {}, ""), 401, "UNAUTHENTICATED");
  expect_error(call("GET", "/v1/carriers", {}, {}, "not-a-key"), 401, "UNAUTHENTICATED");
  expect_error(call("GET", "/metrics"), 403, "FORBIDDEN");
  expect_error(call("POST", "/v1/reservations", R"({"carrier":"mobile","msisdn":"13800138000"})",
                    {{"Idempotency-Key", "contract-scope-1"}}, kReadOnlyKey),
               403, "FORBIDDEN");
  expect_error(call("POST", "/v1/callbacks/mobile", R"({"eventId":"E1"})", {}, ""), 401,
               "CALLBACK_REJECTED");
}

TEST(ContractErrors, NotFoundAndMethods) {
  expect_error(call("GET", "/v1/reservations/rsv_none"), 404, "NOT_FOUND");
  expect_error(call("DELETE", "/v1/reservations/rsv_none"), 404, "NOT_FOUND");
  expect_error(call("GET", "/v1/kyc/verifications/kyc_none"), 404, "NOT_FOUND");
  expect_error(call("GET", "/v1/activations/act_none"), 404, "NOT_FOUND");
  expect_error(call("GET", "/v1/activations/act_none/webhooks"), 404, "NOT_FOUND");
  expect_error(call("POST", "/v1/callbacks/acme", "{}", {}, ""), 404, "UNKNOWN_CARRIER");
  // unicom sends no callbacks, so it has no callback endpoint.
  expect_error(call("POST", "/v1/callbacks/unicom", "{}", {}, ""), 404, "UNKNOWN_CARRIER");
  // Routes and methods the description does not have.
  expect_error(call_invalid("GET", "/v1/nothing"), 404, "NOT_FOUND");
  auto r = call_invalid("PUT", "/v1/reservations", "{}");
  expect_error(r, 405, "METHOD_NOT_ALLOWED");
  auto health = call_invalid("POST", "/healthz", "{}", {}, "");
  expect_error(health, 405, "METHOD_NOT_ALLOWED");
  EXPECT_FALSE(health.headers["allow"].empty());
}

TEST(ContractErrors, LimitsOfTheHttpLayer) {
  // 65536 bytes of body at most (the test's config): a portrait makes it larger.
  const std::string big = R"({"carrier":"mobile","name":"张三","id_number":"11010119900101901X",)"
                          R"("portrait_b64":")" +
                          std::string(80000, 'A') + R"("})";
  expect_error(call("POST", "/v1/kyc/verifications", big), 413, "BODY_TOO_LARGE");
  // 8192 bytes of headers at most.
  expect_error(call("GET", "/v1/carriers", {}, {{"X-Padding", std::string(9000, 'p')}}), 431,
               "HEADERS_TOO_LARGE");
}

TEST(ContractErrors, ReservationsAndActivations) {
  const std::string mobile_res = reserve("mobile", "contract-err-res-1");
  ASSERT_FALSE(mobile_res.empty());
  auto held = call("GET", "/v1/reservations/" + mobile_res);
  const std::string msisdn = str(held.json(), "msisdn");
  // The same number again, under another key.
  expect_error(
      call("POST", "/v1/reservations", R"({"carrier":"mobile","msisdn":")" + msisdn + R"("})",
           {{"Idempotency-Key", "contract-err-res-2"}}),
      409, "NUMBER_UNAVAILABLE");
  // The first key with another body.
  expect_error(call("POST", "/v1/reservations", R"({"carrier":"mobile","msisdn":"13800138000"})",
                    {{"Idempotency-Key", "contract-err-res-1"}}),
               422, "IDEMPOTENCY_KEY_REUSED");

  const std::string passed = verify("mobile", "11010119900101901X");
  const std::string rejected = verify("mobile", "110101199001019116");  // name mismatch
  const std::string unicom_kyc = verify("unicom", "11010119900101901X");
  const Headers order = {{"Idempotency-Key", "contract-err-order-1"}};
  expect_error(
      call("POST", "/v1/activations", activation_body(mobile_res, "MB-DGDD-19", "kyc_none"),
           {{"Idempotency-Key", "contract-err-order-2"}}),
      422, "VERIFICATION_NOT_FOUND");
  expect_error(call("POST", "/v1/activations", activation_body("rsv_none", "MB-DGDD-19", passed),
                    {{"Idempotency-Key", "contract-err-order-3"}}),
               422, "RESERVATION_NOT_FOUND");
  expect_error(call("POST", "/v1/activations", activation_body(mobile_res, "MB-DGDD-19", rejected),
                    {{"Idempotency-Key", "contract-err-order-4"}}),
               422, "VERIFICATION_NOT_PASSED");
  expect_error(
      call("POST", "/v1/activations", activation_body(mobile_res, "MB-DGDD-19", unicom_kyc),
           {{"Idempotency-Key", "contract-err-order-5"}}),
      422, "CARRIER_MISMATCH");

  // A plan the carrier does not have: refused before any carrier call.
  expect_error(call("POST", "/v1/activations", activation_body(mobile_res, "NO-SUCH-PLAN", passed),
                    {{"Idempotency-Key", "contract-err-order-7"}}),
               422, "PLAN_NOT_FOUND");
  // An applicant under 16 is a verdict, not an error.
  auto young = call("POST", "/v1/kyc/verifications",
                    R"({"carrier":"mobile","name":"张三","id_number":"110101201501010038"})");
  ASSERT_EQ(young.status, 200) << young.body;
  EXPECT_EQ(young.json().at("reasons").as_array(), boost::json::array{"UNDERAGE"}) << young.body;

  // Consumed by an activation: not releasable, not usable again.
  auto accepted =
      call("POST", "/v1/activations", activation_body(mobile_res, "MB-DGDD-19", passed), order);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  expect_error(call("DELETE", "/v1/reservations/" + mobile_res), 409, "RESERVATION_NOT_HELD");
  expect_error(call("POST", "/v1/activations", activation_body(mobile_res, "MB-DGDD-19", passed),
                    {{"Idempotency-Key", "contract-err-order-6"}}),
               422, "RESERVATION_NOT_HELD");
}

TEST(ContractErrors, TenantQuotas) {
  // A tenant with a burst of one request: the second is refused.
  EXPECT_EQ(call("GET", "/v1/carriers", {}, {}, kRateKey).status, 200);
  auto limited = call("GET", "/v1/carriers", {}, {}, kRateKey);
  expect_error(limited, 429, "RATE_LIMITED");
  EXPECT_FALSE(limited.headers["retry-after"].empty());
  // A tenant with a budget of one KYC verification.
  const std::string kyc = R"({"carrier":"mobile","name":"张三","id_number":"11010119900101901X"})";
  EXPECT_EQ(call("POST", "/v1/kyc/verifications", kyc, {}, kKycQuotaKey).status, 200);
  auto spent = call("POST", "/v1/kyc/verifications", kyc, {}, kKycQuotaKey);
  expect_error(spent, 429, "KYC_QUOTA_EXCEEDED");
  EXPECT_FALSE(spent.headers["retry-after"].empty());
}

// The carrier's failures as the API reports them, made by the simulator's
// fault injection on mobile's plans call (each rule fires once).
TEST(ContractErrors, CarrierFailures) {
  struct Case {
    std::string rule;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {R"("kind":"malformed")", 502, "CARRIER_BAD_RESPONSE"},
      {R"("kind":"business_error","code":"1004")", 502, "CARRIER_AUTH_FAILED"},
      {R"("kind":"business_error","code":"7777")", 502, "CARRIER_REJECTED"},
      {R"("kind":"business_error","code":"9999")", 503, "CARRIER_UNAVAILABLE"},
      {R"("kind":"timeout","hold_ms":5000)", 504, "CARRIER_TIMEOUT"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.rule);
    auto added = sim_admin("mobile", "POST", "/admin/faults",
                           R"({"operation":"/open/v1/plans","first":1,)" + c.rule + "}");
    ASSERT_EQ(added.status, 201) << added.body;
    expect_error(call("GET", "/v1/plans?carrier=mobile"), c.status, c.code);
    sim_admin("mobile", "DELETE", "/admin/faults");
  }
  // A carrier 429 asks to slow down: 503 CARRIER_UNAVAILABLE, retryable,
  // with the carrier's Retry-After passed on.
  auto added =
      sim_admin("mobile", "POST", "/admin/faults",
                R"({"operation":"/open/v1/plans","first":1,"kind":"http_status","status":429,)"
                R"("retry_after_s":7})");
  ASSERT_EQ(added.status, 201) << added.body;
  auto busy = call("GET", "/v1/plans?carrier=mobile");
  expect_error(busy, 503, "CARRIER_UNAVAILABLE");
  EXPECT_EQ(busy.headers["retry-after"], "7");
  sim_admin("mobile", "DELETE", "/admin/faults");
}

}  // namespace
