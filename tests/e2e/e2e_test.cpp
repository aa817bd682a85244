// The e2e suite's first cases: health, authentication and scopes, carriers,
// plans and search (the suite: e2e_suite.hpp).
#include "cgw/common/time_format.hpp"

#include <cgw/abi.h>
#include "e2e_suite.hpp"

#include <ctime>
#include <optional>

using namespace cgw::test;
using namespace cgw::test::e2e_suite;

namespace {

// Unix milliseconds of an RFC 3339 UTC time with second precision
// (2026-11-22T04:56:32Z), as the gateway writes them.
std::optional<int64_t> unix_ms(const std::string& t) {
  std::tm tm{};
  char z = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

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
  const int64_t sent_ms = cgw::system_now_ms();
  auto r = api("GET", "/v1/carriers");
  const int64_t received_ms = cgw::system_now_ms();
  ASSERT_EQ(r.status, 200);
  auto c = r.json().at("carriers").at(0).as_object();
  EXPECT_EQ(c.at("id").as_string(), "mobile");
  EXPECT_EQ(c.at("kind").as_string(), "mno");
  EXPECT_EQ(c.at("plugin").at("name").as_string(), "mobile");
  EXPECT_EQ(c.at("plugin").at("abi").as_string(), "1." + std::to_string(CGW_ABI_MINOR));
  EXPECT_GT(c.at("inventory").at("available").to_number<int64_t>(), 1000);
  // staleness_s is the age of last_sync_at (whole seconds, second
  // precision) at the time of the request, and no older than the gateway.
  const auto staleness = c.at("inventory").at("staleness_s").to_number<int64_t>();
  const auto synced_ms = unix_ms(std::string(c.at("inventory").at("last_sync_at").as_string()));
  ASSERT_TRUE(synced_ms) << c.at("inventory");
  EXPECT_GE(*synced_ms, env->gateway_started_ms / 1000 * 1000);
  EXPECT_LE(*synced_ms, received_ms);
  EXPECT_GE(staleness, (sent_ms - *synced_ms) / 1000 - 1);
  EXPECT_LE(staleness, (received_ms - *synced_ms) / 1000);
  // The six of ABI 1.0 and the six after-sales ones of 1.3.
  EXPECT_EQ(c.at("capabilities").as_array().size(), 12u);
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
