// Per-tenant quotas: the token bucket and its configuration.
#include "api/tenant_quotas.hpp"
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace cgw::gw;
using namespace std::chrono_literals;

TEST(TokenBucket, BurstThenRefillAtTheRate) {
  const auto t0 = TokenBucket::Clock::time_point{} + 1h;
  TokenBucket b(2.0, 3.0, t0);  // 2 per second, burst 3
  EXPECT_EQ(b.take(t0), 0);
  EXPECT_EQ(b.take(t0), 0);
  EXPECT_EQ(b.take(t0), 0);
  EXPECT_EQ(b.take(t0), 500);  // half a second to the next token
  EXPECT_EQ(b.take(t0 + 250ms), 250);
  EXPECT_EQ(b.take(t0 + 500ms), 0);
  // Idle time refills up to the burst, never beyond.
  const auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.take(later), 0);
  EXPECT_GT(b.take(later), 0);
}

TEST(TenantQuotas, SeparateBudgetsPerTenantAndKind) {
  TenantConfig a, b;
  a.id = "a";
  a.quotas.requests_per_s = 0.001;
  a.quotas.request_burst = 1;
  a.quotas.kyc_per_minute = 0.06;
  a.quotas.kyc_burst = 1;
  b.id = "b";
  TenantQuotas q({a, b});
  EXPECT_EQ(q.admit_request("a"), 0);
  EXPECT_GE(q.admit_request("a"), 900);  // ~1000 s to the next token, in seconds
  EXPECT_EQ(q.admit_kyc("a"), 0);        // KYC has its own budget
  EXPECT_GE(q.admit_kyc("a"), 900);
  EXPECT_EQ(q.admit_request("b"), 0);  // another tenant is not affected
  EXPECT_EQ(q.admit_request("unknown"), 0);
}

TEST(TenantQuotas, Config) {
  setenv("CGW_TEST_PII_KEY", std::string(64, 'a').c_str(), 1);
  auto cfg = [](const std::string& quotas) {
    std::string y = "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\ntenants:\n  - id: t1\n";
    y += quotas;
    y += "    api_keys:\n      - sha256: ";
    y += std::string(64, 'b');
    y += "\ncarriers:\n  - id: mobile\n    plugin: /x/m.so\n    base_url: http://127.0.0.1:1\n";
    return y;
  };
  auto defaults = parse_config(cfg(""), "g.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_GT(defaults->tenants[0].quotas.requests_per_s, 0);
  auto set = parse_config(cfg("    quotas: {requests_per_s: 50, kyc_per_minute: 30}\n"), "g.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->tenants[0].quotas.request_burst, 50);  // one second's worth
  EXPECT_EQ(set->tenants[0].quotas.kyc_burst, 3);
  auto bad = parse_config(cfg("    quotas: {requests_per_s: -1}\n"), "g.yaml");
  EXPECT_NE(bad.error().message.find("requests_per_s must be positive"), std::string::npos)
      << bad.error().message;
  auto typo = parse_config(cfg("    quotas: {kyc_per_min: 1}\n"), "g.yaml");
  EXPECT_NE(typo.error().message.find("unknown key 'kyc_per_min'"), std::string::npos)
      << typo.error().message;
}
