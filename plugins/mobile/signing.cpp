#include "signing.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <stdexcept>

namespace cgw::mobile {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return to_hex(md, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // One-shot HMAC() is not deprecated in OpenSSL 3 (only HMAC_CTX is), and
  // it keeps no state, so concurrent callers are safe.
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  return to_hex(md, len);
}

std::string string_to_sign(std::string_view method, std::string_view target,
                           std::string_view timestamp, std::string_view nonce,
                           std::string_view body) {
  std::string s;
  s.reserve(method.size() + target.size() + timestamp.size() + nonce.size() + 64 + 4);
  for (char c : method) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  s.append("\n").append(target).append("\n").append(timestamp).append("\n").append(nonce);
  s.append("\n").append(sha256_hex(body));
  return s;
}

std::string signature(std::string_view secret, std::string_view method, std::string_view target,
                      std::string_view timestamp, std::string_view nonce, std::string_view body) {
  return hmac_sha256_hex(secret, string_to_sign(method, target, timestamp, nonce, body));
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cgw::mobile
