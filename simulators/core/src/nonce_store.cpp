#include "cgw/sim/nonce_store.hpp"

namespace cgw::sim {

bool NonceStore::check_and_remember(std::string_view nonce, int64_t now_ms) {
  std::lock_guard lock(mu_);
  prune(now_ms);
  std::string key(nonce);
  if (auto it = seen_.find(key); it != seen_.end() && now_ms - it->second < window_ms_)
    return false;
  seen_[key] = now_ms;
  order_.emplace_back(now_ms, std::move(key));
  return true;
}

size_t NonceStore::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

void NonceStore::prune(int64_t now_ms) {
  // Memory stays bounded by the traffic of one window.
  while (!order_.empty() && now_ms - order_.front().first >= window_ms_) {
    auto it = seen_.find(order_.front().second);
    // Only forget the entry this queue element recorded, not a later reuse.
    if (it != seen_.end() && it->second == order_.front().first) seen_.erase(it);
    order_.pop_front();
  }
}

}  // namespace cgw::sim
