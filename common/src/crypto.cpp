#include "cgw/common/crypto.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace cgw::crypto {
namespace {
constexpr size_t kIvLen = 12, kTagLen = 16;
}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string random_hex(size_t n_bytes) {
  return hex(random_bytes(n_bytes));
}

std::string aes256gcm_encrypt(std::string_view key32, std::string_view plaintext,
                              std::string_view aad) {
  if (key32.size() != 32) throw std::invalid_argument("AES-256 key must be 32 bytes");
  std::string out = random_bytes(kIvLen);
  auto sealed = aes_gcm_seal(key32, out, plaintext, aad);
  if (!sealed) throw std::runtime_error("AES-256-GCM encryption failed");
  return out + *sealed;
}

std::optional<std::string> aes256gcm_decrypt(std::string_view key32, std::string_view sealed,
                                             std::string_view aad) {
  if (key32.size() != 32 || sealed.size() < kIvLen + kTagLen) return std::nullopt;
  return aes_gcm_open(key32, sealed.substr(0, kIvLen), sealed.substr(kIvLen), aad);
}

}  // namespace cgw::crypto
