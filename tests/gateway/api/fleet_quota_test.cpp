// Quotas across instances sharing a store: each instance admits its share
// (1/N) of every tenant's configured rate and burst, and takes the
// configured quotas back when it is alone again.
#include "api/tenant_quotas.hpp"
#include "core/config.hpp"

#include <gtest/gtest.h>

using namespace cgw::gw;

namespace {

// Requests admitted at once (no refill in between: a burst).
int burst_of(TenantQuotas& q, const std::string& tenant) {
  int n = 0;
  while (n < 10'000 && q.admit_request(tenant) == 0) ++n;
  return n;
}

TenantConfig tenant(double per_s, double burst) {
  TenantConfig t;
  t.id = "t1";
  t.quotas.requests_per_s = per_s;
  t.quotas.request_burst = burst;
  return t;
}

}  // namespace

TEST(FleetQuotas, EachOfNInstancesAdmitsItsShareOfTheBurst) {
  TenantQuotas q({tenant(0.001, 300)});
  q.set_instances(3);
  EXPECT_EQ(burst_of(q, "t1"), 100);
}

TEST(FleetQuotas, AloneAgainTheConfiguredQuotaComesBack) {
  TenantQuotas q({tenant(0.001, 300)});
  q.set_instances(3);
  q.set_instances(1);
  // The tokens saved stay (a third of the burst), the ceiling is whole
  // again: a slow refill brings it back over time.
  EXPECT_EQ(burst_of(q, "t1"), 100);
  TenantQuotas refilled({tenant(0.001, 300)});
  refilled.set_instances(3);
  refilled.set_instances(1);
  EXPECT_EQ(burst_of(refilled, "t1"), 100);
  // The rate is whole again as well: about 1000 s per token at 0.001/s,
  // not 3000 s as a third of it would give.
  EXPECT_LE(refilled.admit_request("t1"), 1000);
}

TEST(FleetQuotas, AShareIsNeverBelowOneRequest) {
  TenantQuotas q({tenant(0.001, 2)});
  q.set_instances(5);
  EXPECT_EQ(burst_of(q, "t1"), 1);  // 2/5 of a burst rounds up to one request
}
