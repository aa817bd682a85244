// Request signing of the mobile protocol (docs/carriers/mobile.md, "Transport
// and signing"). Pure functions over OpenSSL so tests can check them alone.
#pragma once

#include <string>
#include <string_view>

namespace cgw::mobile {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Lower-case hex HMAC-SHA256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// METHOD \n TARGET \n TIMESTAMP \n NONCE \n hex(SHA-256(body)). METHOD is
// upper-cased here so callers cannot sign "post" and send "POST".
std::string string_to_sign(std::string_view method, std::string_view target,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body);

// The X-Signature value for one request.
std::string signature(std::string_view secret, std::string_view method, std::string_view target,
                      std::string_view timestamp, std::string_view nonce, std::string_view body);

// Constant-time equality (CRYPTO_memcmp) so a forger cannot learn the
// expected signature byte by byte from response timing. Lengths are public.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace cgw::mobile
