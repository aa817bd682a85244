// Replay protection: remembers nonces for a time window. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cgw::sim {

class NonceStore {
 public:
  explicit NonceStore(int64_t window_ms) : window_ms_(window_ms) {}

  // True (and remembered) when the nonce was not seen in the last window;
  // false for a replay. Check-and-insert is one step under the lock so two
  // concurrent requests with one nonce cannot both pass.
  bool check_and_remember(std::string_view nonce, int64_t now_ms);
  size_t size() const;

 private:
  void prune(int64_t now_ms);  // mu_ held

  const int64_t window_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> seen_;      // nonce -> time seen
  std::deque<std::pair<int64_t, std::string>> order_;  // the same, oldest first, for pruning
};

}  // namespace cgw::sim
