// The crypto the gateway and the simulators use. One implementation: the
// SDK's <cgw/crypto.hpp> (OpenSSL), which plugins use too; the SDK header
// stays standalone for partners, and this one builds on it. What is here
// beyond it: the names the gateway and simulators call (thin aliases),
// OpenSSL's CSPRNG (plugins take randomness from their host instead), and
// the PII-at-rest format (AES-256-GCM with a random IV in front).
#pragma once

#include <cgw/crypto.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::crypto {

// sha256_hex and hmac_sha256_hex (lowercase hex) are the SDK's.
inline std::string to_hex(std::string_view bytes) {
  return hex(bytes);
}
// Either case; nullopt for an odd length or a non-hex character.
inline std::optional<std::string> from_hex(std::string_view text) {
  return unhex(text);
}
inline std::string sha256(std::string_view data) {  // raw 32 bytes
  return digest(Digest::kSha256, data);
}
inline std::string hmac_sha256(std::string_view key, std::string_view data) {  // raw 32 bytes
  return hmac(Digest::kSha256, key, data);
}
// Constant-time comparison (for signatures and MACs).
inline bool equal_ct(std::string_view a, std::string_view b) {
  return equal_constant_time(a, b);
}
inline std::string base64_encode(std::string_view data) {
  return base64(data);
}
// Canonical base64 only (padded, no whitespace, zero spare bits).
inline std::optional<std::string> base64_decode(std::string_view b64) {
  return unbase64(b64);
}

// OpenSSL's CSPRNG (RAND_bytes); throws if it fails.
std::string random_bytes(size_t n);
std::string random_hex(size_t n_bytes);

// AES-256-GCM with a 12-byte random IV. Output: iv || ciphertext || tag.
// `aad` is bound to the ciphertext (cgw binds the row id). Throws
// std::invalid_argument for a key that is not 32 bytes.
std::string aes256gcm_encrypt(std::string_view key32, std::string_view plaintext,
                              std::string_view aad);
// nullopt when the key is not 32 bytes or the tag does not verify.
std::optional<std::string> aes256gcm_decrypt(std::string_view key32, std::string_view sealed,
                                             std::string_view aad);

}  // namespace cgw::crypto
