#include "api/tenant_quotas.hpp"

#include <algorithm>
#include <cmath>

namespace cgw::gw {

TokenBucket::TokenBucket(double rate_per_s, double burst, Clock::time_point now)
    : rate_(rate_per_s), burst_(std::max(1.0, burst)), tokens_(burst_), refilled_at_(now) {}

int64_t TokenBucket::take(Clock::time_point now) {
  take_refill(now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return 0;
  }
  return static_cast<int64_t>(std::ceil((1 - tokens_) / rate_ * 1000));
}

void TokenBucket::set_limits(double rate_per_s, double burst, Clock::time_point now) {
  take_refill(now);
  rate_ = rate_per_s;
  burst_ = std::max(1.0, burst);
  tokens_ = std::min(tokens_, burst_);
}

void TokenBucket::take_refill(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
  if (elapsed > 0) {
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    refilled_at_ = now;
  }
}

TenantQuotas::TenantQuotas(const std::vector<TenantConfig>& tenants) {
  for (const auto& t : tenants)
    buckets_.emplace(
        t.id, Buckets{TokenBucket(t.quotas.requests_per_s, t.quotas.request_burst),
                      TokenBucket(t.quotas.kyc_per_minute / 60.0, t.quotas.kyc_burst), t.quotas});
}

void TenantQuotas::set_instances(int64_t instances) {
  const double n = static_cast<double>(std::max<int64_t>(1, instances));
  std::lock_guard lock(mu_);
  for (auto& [id, b] : buckets_) {
    const auto& q = b.configured;
    b.requests.set_limits(q.requests_per_s / n, q.request_burst / n);
    b.kyc.set_limits(q.kyc_per_minute / 60.0 / n, q.kyc_burst / n);
  }
}

namespace {
int64_t retry_after_s(int64_t wait_ms) {
  return wait_ms == 0 ? 0 : std::max<int64_t>(1, (wait_ms + 999) / 1000);
}
}  // namespace

int64_t TenantQuotas::admit_request(const std::string& tenant) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(tenant);
  return it == buckets_.end() ? 0 : retry_after_s(it->second.requests.take());
}

int64_t TenantQuotas::admit_kyc(const std::string& tenant) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(tenant);
  return it == buckets_.end() ? 0 : retry_after_s(it->second.kyc.take());
}

}  // namespace cgw::gw
