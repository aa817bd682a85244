// Request signing of the mobile protocol (docs/carriers/mobile.md):
// X-Signature = hex(HMAC-SHA256(secret,
//   METHOD \n TARGET \n TIMESTAMP \n NONCE \n hex(SHA-256(body)))).
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/sim/nonce_store.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::sim::mobile {

inline constexpr int64_t kTimestampWindowMs = 300'000;  // code 1002 beyond
inline constexpr int64_t kNonceWindowMs = 600'000;      // code 1003 within

std::string string_to_sign(std::string_view method, std::string_view target,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body);
std::string signature(std::string_view secret, std::string_view string_to_sign);
bool valid_nonce(std::string_view nonce);  // 16-64 of [A-Za-z0-9]

struct AuthOutcome {
  std::string code;  // empty: authentic; else 1001-1004
  bool signature_ok = false;
};

// Checks in this order: app id (1004), header syntax and HMAC (1001),
// timestamp window (1002), nonce (1003). The nonce is remembered only for
// authentic requests, so forged requests cannot burn a partner's nonces.
AuthOutcome verify_request(const net::Request& req, std::string_view app_id,
                           std::string_view secret, NonceStore& nonces, int64_t wall_ms);

// The four headers for a request this carrier sends (callbacks).
net::HeaderList sign_headers(std::string_view app_id, std::string_view secret,
                             std::string_view method, std::string_view target,
                             std::string_view body, int64_t wall_ms);

}  // namespace cgw::sim::mobile
