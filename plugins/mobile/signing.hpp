// Request signing of the mobile protocol (docs/carriers/mobile.md, "Transport
// and signing"). Pure functions over the SDK crypto so tests can check them
// alone.
#pragma once

#include <cgw/crypto.hpp>

#include <string>
#include <string_view>

namespace cgw::mobile {

// Lower-case hex SHA-256 / HMAC-SHA256 and the constant-time compare the
// signature needs, from the SDK (on OpenSSL).
using crypto::equal_constant_time;
using crypto::hmac_sha256_hex;
using crypto::sha256_hex;

// METHOD \n TARGET \n TIMESTAMP \n NONCE \n hex(SHA-256(body)). METHOD is
// upper-cased here so callers cannot sign "post" and send "POST".
std::string string_to_sign(std::string_view method, std::string_view target,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body);

// The X-Signature value for one request.
std::string signature(std::string_view secret, std::string_view method, std::string_view target,
                      std::string_view timestamp, std::string_view nonce, std::string_view body);

}  // namespace cgw::mobile
