// Request and callback signatures of the mvno protocol
// (docs/carriers/mvno.md, "Transport and signing"): SHA256withRSA, that is
// RSASSA-PKCS1-v1_5 with SHA-256, over a canonical string, base64 in a
// header. Everything is OpenSSL (EVP); nothing here is hand-written crypto.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::mvno {

// Shared so that the immutable Settings can be copied; OpenSSL 3 allows one
// EVP_PKEY to sign or verify from many threads as long as nobody modifies it.
using KeyHandle = std::shared_ptr<EVP_PKEY>;

// An RSA key of at least 2048 bits from PEM text, or nullptr when the text
// is not such a key. Private: PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN
// RSA PRIVATE KEY"), unencrypted (an encrypted key is refused, never
// prompted for). Public: SubjectPublicKeyInfo ("BEGIN PUBLIC KEY").
KeyHandle rsa_private_key_from_pem(std::string_view pem);
KeyHandle rsa_public_key_from_pem(std::string_view pem);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// Standard base64 with padding (RFC 4648 section 4), and its strict inverse:
// nullopt for anything that is not exactly such text.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// METHOD \n TARGET \n TIMESTAMP \n NONCE \n hex(SHA-256(body)); METHOD is
// upper-cased here so callers cannot sign "post" and send "POST".
std::string canonical_string(std::string_view method, std::string_view target,
                             std::string_view timestamp, std::string_view nonce,
                             std::string_view body);

// base64 of the SHA256withRSA signature of `data`. Throws std::runtime_error
// when OpenSSL fails (a bug or an unusable key, never a value to handle).
std::string sign_base64(EVP_PKEY* private_key, std::string_view data);

// True when `signature_b64` is a valid SHA256withRSA signature of `data`.
bool verify_base64(EVP_PKEY* public_key, std::string_view data, std::string_view signature_b64);

}  // namespace cgw::mvno
