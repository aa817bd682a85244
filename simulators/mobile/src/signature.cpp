#include "cgw/sim/mobile/signature.hpp"

#include "cgw/common/crypto.hpp"

#include <algorithm>
#include <charconv>

namespace cgw::sim::mobile {

std::string string_to_sign(std::string_view method, std::string_view target,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body) {
  std::string s;
  s.reserve(method.size() + target.size() + timestamp.size() + nonce.size() + 68);
  s.append(method).append("\n").append(target).append("\n").append(timestamp).append("\n");
  s.append(nonce).append("\n").append(crypto::sha256_hex(body));
  return s;
}

std::string signature(std::string_view secret, std::string_view sts) {
  return crypto::hmac_sha256_hex(secret, sts);
}

bool valid_nonce(std::string_view nonce) {
  return nonce.size() >= 16 && nonce.size() <= 64 &&
         std::all_of(nonce.begin(), nonce.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

namespace {
bool header(const net::Request& req, std::string_view name, std::string_view& out) {
  auto it = req.find(name);
  if (it == req.end()) return false;
  out = it->value();
  return true;
}

bool parse_seconds(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 12) return false;  // decimal digits only, no sign
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && s.front() != '-' && s.front() != '+';
}
}  // namespace

AuthOutcome verify_request(const net::Request& req, std::string_view app_id,
                           std::string_view secret, NonceStore& nonces, int64_t wall_ms) {
  AuthOutcome out;
  std::string_view got_app, ts, nonce, sig;
  if (!header(req, "X-App-Id", got_app) || !crypto::equal_ct(got_app, app_id))
    return out.code = "1004", out;
  int64_t seconds = 0;
  if (!header(req, "X-Timestamp", ts) || !header(req, "X-Nonce", nonce) ||
      !header(req, "X-Signature", sig) || !parse_seconds(ts, seconds) || !valid_nonce(nonce))
    return out.code = "1001", out;
  // The method as received (upper case on the wire); the target exactly as
  // received, without re-encoding, as the partner signed it.
  const std::string expected =
      signature(secret, string_to_sign(req.method_string(), req.target(), ts, nonce, req.body()));
  if (!crypto::equal_ct(sig, expected)) return out.code = "1001", out;
  out.signature_ok = true;
  const int64_t skew = seconds * 1000 - wall_ms;
  if (skew > kTimestampWindowMs || skew < -kTimestampWindowMs) return out.code = "1002", out;
  if (!nonces.check_and_remember(nonce, wall_ms)) return out.code = "1003", out;
  return out;
}

net::HeaderList sign_headers(std::string_view app_id, std::string_view secret,
                             std::string_view method, std::string_view target,
                             std::string_view body, int64_t wall_ms) {
  const std::string ts = std::to_string(wall_ms / 1000);
  // Random, not from the seeded generator: a restarted simulator with the
  // same seed would otherwise repeat nonces the partner still remembers.
  const std::string nonce = crypto::random_hex(16);
  return {{"X-App-Id", std::string(app_id)},
          {"X-Timestamp", ts},
          {"X-Nonce", nonce},
          {"X-Signature", signature(secret, string_to_sign(method, target, ts, nonce, body))}};
}

}  // namespace cgw::sim::mobile
