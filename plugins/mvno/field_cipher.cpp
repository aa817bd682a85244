#include "field_cipher.hpp"

#include "signing.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>
#include <stdexcept>

namespace cgw::mvno {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

[[noreturn]] void openssl_failed() {
  ERR_clear_error();
  throw std::runtime_error("AES-256-GCM encryption failed");
}

}  // namespace

std::optional<std::string> decode_field_key(std::string_view text) {
  text = trimmed(text);
  if (text.size() == 2 * kFieldKeyBytes && is_hex(text)) {
    long len = 0;
    const std::string hex(text);
    std::unique_ptr<unsigned char, void (*)(unsigned char*)> raw(
        OPENSSL_hexstr2buf(hex.c_str(), &len), [](unsigned char* p) { OPENSSL_free(p); });
    if (!raw || len != static_cast<long>(kFieldKeyBytes)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(raw.get()), kFieldKeyBytes);
  }
  auto bytes = base64_decode(text);
  if (!bytes || bytes->size() != kFieldKeyBytes) return std::nullopt;
  return bytes;
}

std::string seal_field(std::string_view key, std::string_view iv, std::string_view plaintext) {
  if (key.size() != kFieldKeyBytes || iv.size() != kFieldIvBytes)
    throw std::invalid_argument("AES-256-GCM needs a 32-byte key and a 12-byte IV");
  if (plaintext.size() > static_cast<size_t>(std::numeric_limits<int>::max()) - 64)
    throw std::invalid_argument("AES-256-GCM: field too long");
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* v = reinterpret_cast<const unsigned char*>(iv.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kFieldIvBytes),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k, v) != 1)
    openssl_failed();

  std::string out(iv);
  out.resize(kFieldIvBytes + plaintext.size() + kFieldTagBytes);
  auto* ct = reinterpret_cast<unsigned char*>(out.data()) + kFieldIvBytes;
  int n = 0, fin = 0;
  if (EVP_EncryptUpdate(ctx.get(), ct, &n, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + n, &fin) != 1 ||
      static_cast<size_t>(n + fin) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kFieldTagBytes),
                          ct + plaintext.size()) != 1)
    openssl_failed();
  return base64_encode(out);
}

}  // namespace cgw::mvno
