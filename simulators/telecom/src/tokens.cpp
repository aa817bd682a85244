#include "tokens.hpp"

#include "cgw/common/crypto.hpp"

namespace cgw::sim::telecom {

TokenStore::Issued TokenStore::issue(int64_t now_ms) {
  Issued out{"CT." + crypto::random_hex(24), ttl_s_};
  std::lock_guard lock(mu_);
  prune(now_ms);
  const int64_t expires = now_ms + ttl_s_ * 1000;
  expiry_.emplace(out.token, expires);
  order_.emplace_back(expires, out.token);
  return out;
}

TokenStore::Check TokenStore::check(std::string_view token, int64_t now_ms) {
  std::lock_guard lock(mu_);
  prune(now_ms);
  auto it = expiry_.find(std::string(token));
  if (it == expiry_.end()) return Check::kUnknown;
  return it->second > now_ms ? Check::kValid : Check::kExpired;
}

std::vector<std::pair<int64_t, std::string>> TokenStore::saved() const {
  std::lock_guard lock(mu_);
  return {order_.begin(), order_.end()};
}

void TokenStore::restore(std::vector<std::pair<int64_t, std::string>> tokens) {
  std::lock_guard lock(mu_);
  for (auto& [expires, token] : tokens) {
    expiry_[token] = expires;
    order_.emplace_back(expires, std::move(token));
  }
}

void TokenStore::prune(int64_t now_ms) {
  // Every token has the same lifetime, so issue order is expiry order.
  while (!order_.empty() && order_.front().first + kRetainExpiredMs < now_ms) {
    expiry_.erase(order_.front().second);
    order_.pop_front();
  }
}

}  // namespace cgw::sim::telecom
