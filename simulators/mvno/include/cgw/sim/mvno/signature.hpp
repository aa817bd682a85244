// Request signatures of the mvno protocol (docs/carriers/mvno.md): X-Signature
// = base64(SHA256withRSA(private key,
//   METHOD \n TARGET \n TIMESTAMP \n NONCE \n hex(SHA-256(body)))).
// The partner (the gateway) signs requests with its private key and the
// carrier checks them with the partner's public key; callbacks go the other
// way with the carrier's key pair. OpenSSL EVP throughout.
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/sim/nonce_store.hpp"

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::sim::mvno {

inline constexpr int64_t kTimestampWindowMs = 300'000;  // code 1002 beyond
inline constexpr int64_t kNonceWindowMs = 600'000;      // code 1003 within
inline constexpr std::string_view kSignType = "SHA256withRSA";

using KeyHandle = std::shared_ptr<EVP_PKEY>;

// PEM text -> RSA key of at least 2048 bits. Throws std::invalid_argument
// naming `what` (a setting name), never the key.
KeyHandle load_public_key(std::string_view pem, std::string_view what);
KeyHandle load_private_key(std::string_view pem, std::string_view what);

std::string canonical_string(std::string_view method, std::string_view target,
                             std::string_view timestamp, std::string_view nonce,
                             std::string_view body);
std::string sign_base64(EVP_PKEY* private_key, std::string_view data);
bool verify_base64(EVP_PKEY* public_key, std::string_view data, std::string_view signature_b64);
bool valid_nonce(std::string_view nonce);  // 16-64 of [A-Za-z0-9]

// Standard padded base64 only (the shape is checked before OpenSSL decodes,
// so untrusted headers and fields cannot reach its lenient corners).
std::optional<std::string> decode_base64_strict(std::string_view text);

struct AuthOutcome {
  std::string code;  // empty: authentic; else 1001-1005
  bool signature_ok = false;
};

// Checks in this order: partner id (1004), sign type (1005), header syntax
// and signature (1001), timestamp window (1002), nonce (1003). The nonce is
// remembered only for authentic requests, so forged requests cannot burn a
// partner's nonces.
AuthOutcome verify_request(const net::Request& req, std::string_view partner_id,
                           EVP_PKEY* partner_public_key, NonceStore& nonces, int64_t wall_ms);

// The five headers for a request this carrier sends (callbacks).
net::HeaderList sign_headers(std::string_view partner_id, EVP_PKEY* carrier_private_key,
                             std::string_view method, std::string_view target,
                             std::string_view body, int64_t wall_ms);

}  // namespace cgw::sim::mvno
