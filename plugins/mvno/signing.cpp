#include "signing.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

namespace cgw::mvno {
namespace {

constexpr int kMinRsaBits = 2048;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Refuses to prompt: without it OpenSSL would ask on the terminal for the
// passphrase of an encrypted key, blocking the gateway at startup.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return nullptr;
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Failures leave entries on OpenSSL's per-thread error queue; the host's
// own TLS code on the same thread must not find them later.
template <class T>
T cleared(T value) {
  ERR_clear_error();
  return value;
}

KeyHandle checked_rsa(EVP_PKEY* key) {
  KeyHandle handle(key, EVP_PKEY_free);
  if (!key || !EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) < kMinRsaBits)
    return cleared<KeyHandle>(nullptr);
  return handle;
}

}  // namespace

KeyHandle rsa_private_key_from_pem(std::string_view pem) {
  auto bio = memory_bio(pem);
  if (!bio) return nullptr;
  return checked_rsa(PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr));
}

KeyHandle rsa_public_key_from_pem(std::string_view pem) {
  auto bio = memory_bio(pem);
  if (!bio) return nullptr;
  return checked_rsa(PEM_read_bio_PUBKEY(bio.get(), nullptr, &no_passphrase, nullptr));
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max() / 4 * 3))
    throw std::length_error("base64: input too long");
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock skips surrounding whitespace and keeps padding bytes, so
  // the shape is checked here and the padding is cut off afterwards.
  if (text.empty() || text.size() % 4 != 0 ||
      text.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    return std::nullopt;
  const size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  const auto is_b64 = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  };
  if (!std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(pad), is_b64))
    return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);
  // The last symbol before the padding has bits that encode nothing. When
  // they are not zero ("QR==" beside "QQ=="), two texts would stand for the
  // same bytes: only the canonical text is accepted.
  if (base64_encode(out) != text) return std::nullopt;
  return out;
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
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, private_key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1)
    throw cleared(std::runtime_error("SHA256withRSA signing failed"));
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    throw cleared(std::runtime_error("SHA256withRSA signing failed"));
  sig.resize(len);
  return base64_encode(sig);
}

bool verify_base64(EVP_PKEY* public_key, std::string_view data, std::string_view signature_b64) {
  const auto sig = base64_decode(signature_b64);
  if (!sig) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, public_key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
    return cleared(false);
  const bool ok =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  return ok || cleared(false);
}

}  // namespace cgw::mvno
