#include "signing.hpp"

#include <cgw/crypto.hpp>

#include <cctype>
#include <stdexcept>

namespace cgw::mvno {
namespace {

constexpr int kMinRsaBits = 2048;

KeyHandle checked_rsa(std::optional<crypto::PemKey> key) {
  if (!key || !EVP_PKEY_is_a(key->get(), "RSA") || EVP_PKEY_get_bits(key->get()) < kMinRsaBits)
    return nullptr;
  return key->shared();
}

}  // namespace

// The SDK never prompts for the passphrase of an encrypted key (it is
// refused) and clears OpenSSL's error queue after a failure.
KeyHandle rsa_private_key_from_pem(std::string_view pem) {
  return checked_rsa(crypto::PemKey::private_key(pem));
}

KeyHandle rsa_public_key_from_pem(std::string_view pem) {
  return checked_rsa(crypto::PemKey::public_key(pem));
}

std::string sha256_hex(std::string_view data) {
  return crypto::sha256_hex(data);
}

std::string base64_encode(std::string_view bytes) {
  return crypto::base64(bytes);
}

std::optional<std::string> base64_decode(std::string_view text) {
  // Canonical text only: two texts must never stand for the same bytes.
  if (text.empty()) return std::nullopt;
  return crypto::unbase64(text);
}

std::string canonical_string(std::string_view method, std::string_view target,
                             std::string_view timestamp, std::string_view nonce,
                             std::string_view body) {
  std::string s;
  s.reserve(method.size() + target.size() + timestamp.size() + nonce.size() + 64 + 4);
  for (char c : method) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  s.append("\n").append(target).append("\n").append(timestamp).append("\n").append(nonce);
  s.append("\n").append(sha256_hex(body));
  return s;
}

std::string sign_base64(EVP_PKEY* private_key, std::string_view data) {
  const auto sig = crypto::rsa_sha256_sign(private_key, data);
  if (!sig) throw std::runtime_error("SHA256withRSA signing failed");
  return base64_encode(*sig);
}

bool verify_base64(EVP_PKEY* public_key, std::string_view data, std::string_view signature_b64) {
  const auto sig = base64_decode(signature_b64);
  return sig && crypto::rsa_sha256_verify(public_key, data, *sig);
}

}  // namespace cgw::mvno
