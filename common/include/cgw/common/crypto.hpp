// Thin wrappers over OpenSSL for the primitives cgw uses. No crypto is
// implemented here, only called.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::crypto {

std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

std::string sha256(std::string_view data);  // raw 32 bytes
std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Constant-time comparison (for signatures and MACs).
bool equal_ct(std::string_view a, std::string_view b);

std::string random_bytes(size_t n);
std::string random_hex(size_t n_bytes);

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view b64);

// AES-256-GCM with a 12-byte random IV. Output: iv || ciphertext || tag.
// `aad` is bound to the ciphertext (cgw binds the row id).
std::string aes256gcm_encrypt(std::string_view key32, std::string_view plaintext,
                              std::string_view aad);
std::optional<std::string> aes256gcm_decrypt(std::string_view key32, std::string_view sealed,
                                             std::string_view aad);

}  // namespace cgw::crypto
