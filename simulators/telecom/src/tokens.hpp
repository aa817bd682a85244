// OAuth2 access tokens of the simulated carrier. Tokens are random (they are
// credentials, so not drawn from the seeded id stream) and expire on the
// simulated clock: advancing the clock expires them, which is how tests
// reach the explicit "token expired" error (10003). Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cgw::sim::telecom {

class TokenStore {
 public:
  explicit TokenStore(int64_t ttl_s) : ttl_s_(ttl_s) {}

  struct Issued {
    std::string token;
    int64_t expires_in_s = 0;
  };
  Issued issue(int64_t now_ms);

  enum class Check { kValid, kUnknown, kExpired };
  Check check(std::string_view token, int64_t now_ms);

  int64_t ttl_s() const { return ttl_s_; }

  // Saved namespaces: the tokens with their expiries, oldest first, as
  // [[expiry_ms, token], ...]; and back ("" or what is wrong).
  std::vector<std::pair<int64_t, std::string>> saved() const;
  void restore(std::vector<std::pair<int64_t, std::string>> tokens);

 private:
  // Expired tokens are remembered this long, so they are answered
  // "expired" (10003) rather than "invalid" (10002).
  static constexpr int64_t kRetainExpiredMs = 24LL * 3600 * 1000;
  void prune(int64_t now_ms);  // mu_ held

  const int64_t ttl_s_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> expiry_;    // token -> expiry (simulated ms)
  std::deque<std::pair<int64_t, std::string>> order_;  // the same, oldest first
};

}  // namespace cgw::sim::telecom
