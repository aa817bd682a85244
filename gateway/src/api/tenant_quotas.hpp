// Per-tenant quotas (OWASP API4: unrestricted resource consumption): a
// request rate over every authenticated route and a separate budget for
// KYC verifications, which cost money at the carrier. Both are token
// buckets; a refused call learns when to come back (429 + Retry-After).
#pragma once

#include "core/config.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace cgw::gw {

// Refills `rate_per_s` tokens per second up to `burst`.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate_per_s, double burst, Clock::time_point now = Clock::now());
  // Takes one token: 0 when granted, else the milliseconds until one is
  // available (nothing is taken then).
  int64_t take(Clock::time_point now = Clock::now());
  // New limits from now on; the tokens saved are kept up to the new burst.
  void set_limits(double rate_per_s, double burst, Clock::time_point now = Clock::now());

 private:
  void take_refill(Clock::time_point now);  // adds the tokens earned since the last refill
  double rate_, burst_, tokens_;
  Clock::time_point refilled_at_;
};

class TenantQuotas {
 public:
  explicit TenantQuotas(const std::vector<TenantConfig>& tenants);
  // 0: admitted; else whole seconds to wait (the Retry-After value, >= 1).
  int64_t admit_request(const std::string& tenant);
  int64_t admit_kyc(const std::string& tenant);
  // Instances sharing the store (PostgreSQL): each admits 1/`instances` of
  // every tenant's configured rate and burst, so the fleet admits about
  // the configured quota in all (docs/reliability.md "Instances that share
  // work" states the bound). 1: the configured quotas (SQLite).
  void set_instances(int64_t instances);

 private:
  struct Buckets {
    TokenBucket requests, kyc;
    TenantQuotaConfig configured;
  };
  std::mutex mu_;
  std::map<std::string, Buckets> buckets_;
};

}  // namespace cgw::gw
