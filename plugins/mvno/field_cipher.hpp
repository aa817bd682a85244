// Encryption of the ID number field (docs/carriers/mvno.md, "Encrypted
// fields"): AES-256-GCM under a 32-byte key the carrier issues, a fresh
// 12-byte IV per value, sent as base64(IV || ciphertext || 16-byte tag)
// with no additional authenticated data (the request signature already
// binds the field to its request). OpenSSL EVP does the work.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cgw::mvno {

inline constexpr size_t kFieldKeyBytes = 32;
inline constexpr size_t kFieldIvBytes = 12;
inline constexpr size_t kFieldTagBytes = 16;

// The key as the carrier issues it: 64 hex digits or base64 of 32 bytes
// (surrounding whitespace ignored). nullopt for anything else.
std::optional<std::string> decode_field_key(std::string_view text);

// base64(iv || ciphertext || tag). `key` is 32 bytes and `iv` 12 bytes (the
// caller's fresh random bytes: an IV must never repeat under one key).
// Throws std::invalid_argument for wrong sizes, std::runtime_error when
// OpenSSL fails.
std::string seal_field(std::string_view key, std::string_view iv, std::string_view plaintext);

}  // namespace cgw::mvno
