// Crypto and encoding for carrier signing, on OpenSSL (libcrypto). Header-only;
// link OpenSSL::Crypto (find_package(cgw_sdk) does). Nothing here is written
// by hand that OpenSSL already does: digests, HMAC, RSA and AES-GCM are
// EVP calls; only hex and the canonical base64 check are spelled out.
//
// Expected failures are values: decoders return std::nullopt for malformed
// input, verify() returns false, sign/encrypt return std::nullopt when the
// key is unusable. Every function is safe to call from several threads.
#pragma once

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::crypto {

// ------------------------------------------------------------------ hex

inline std::string hex(std::string_view bytes, bool upper = false) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Either case; nullopt for an odd length or a non-hex character.
inline std::optional<std::string> unhex(std::string_view text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2) return std::nullopt;
  std::string out(text.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

// --------------------------------------------------------------- base64

// Standard alphabet with padding (RFC 4648 section 4), one line.
inline std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Canonical base64 only: padded, no whitespace or line breaks, and the
// unused bits of the last character zero, so that one byte string has
// exactly one accepted text (a signature over the text cannot be varied).
inline std::optional<std::string> unbase64(std::string_view text) {
  if (text.size() % 4) return std::nullopt;
  if (text.empty()) return std::string();
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock skips leading/trailing whitespace and does not count
  // padding; the round trip catches both, and non-zero spare bits too.
  const size_t pad = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  if (base64(out) != text) return std::nullopt;
  return out;
}

// --------------------------------------------------- digests and HMAC

// A digest of OpenSSL's default provider. SM3 is there in OpenSSL 3.
enum class Digest { kMd5, kSha1, kSha256, kSha512, kSm3 };

inline const EVP_MD* evp_md(Digest d) {
  switch (d) {
    case Digest::kMd5:
      return EVP_md5();
    case Digest::kSha1:
      return EVP_sha1();
    case Digest::kSha256:
      return EVP_sha256();
    case Digest::kSha512:
      return EVP_sha512();
    case Digest::kSm3:
      return EVP_sm3();
  }
  return nullptr;
}

// Raw digest bytes; empty only if OpenSSL itself fails.
inline std::string digest(Digest d, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, evp_md(d), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(md), len);
}
inline std::string sha256_hex(std::string_view data) {
  return hex(digest(Digest::kSha256, data));
}

// Raw HMAC bytes. The one-shot HMAC() keeps no state between calls.
inline std::string hmac(Digest d, std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(evp_md(d), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(md), len);
}
inline std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  return hex(hmac(Digest::kSha256, key, data));
}

// Constant time for equal lengths (CRYPTO_memcmp), so a forger cannot learn
// an expected signature byte by byte from timing. Lengths are public.
inline bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---------------------------------------------------------- RSA-SHA256

namespace detail {
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Refuses to prompt: without it OpenSSL would ask on the terminal for the
// passphrase of an encrypted key, blocking the gateway at startup.
inline int no_passphrase(char*, int, int, void*) {
  return -1;
}
inline Pkey read_pem(std::string_view pem, bool private_key) {
  if (pem.size() > static_cast<size_t>(INT32_MAX)) return nullptr;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  Pkey key(private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, &no_passphrase, nullptr));
  // Failures leave entries on OpenSSL's per-thread error queue; the host's
  // own TLS code on the same thread must not find them later.
  if (!key) ERR_clear_error();
  return key;
}
}  // namespace detail

// A parsed PEM key, reused across calls (parsing is the expensive part).
class PemKey {
 public:
  // PKCS#8 / traditional private key, or an X.509 SubjectPublicKeyInfo
  // public key. nullopt when the text is not such a key.
  static std::optional<PemKey> private_key(std::string_view pem) { return make(pem, true); }
  static std::optional<PemKey> public_key(std::string_view pem) { return make(pem, false); }
  EVP_PKEY* get() const { return key_.get(); }
  std::shared_ptr<EVP_PKEY> shared() const { return key_; }

 private:
  static std::optional<PemKey> make(std::string_view pem, bool priv) {
    detail::Pkey key = detail::read_pem(pem, priv);
    if (!key) return std::nullopt;
    PemKey k;
    k.key_ = std::shared_ptr<EVP_PKEY>(key.release(), detail::PkeyFree{});
    return k;
  }
  std::shared_ptr<EVP_PKEY> key_;  // shared: copies of a PemKey reuse one parse
};

// RSASSA-PKCS1-v1_5 with SHA-256: raw signature bytes; nullopt when the key
// cannot sign. Any EVP_PKEY: OpenSSL 3 lets many threads use one key.
inline std::optional<std::string> rsa_sha256_sign(EVP_PKEY* key, std::string_view data) {
  detail::MdCtx ctx(EVP_MD_CTX_new());
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  size_t len = 0;
  std::string sig;
  if (ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) == 1) {
      sig.resize(len);
      return sig;
    }
  }
  ERR_clear_error();
  return std::nullopt;
}
inline std::optional<std::string> rsa_sha256_sign(const PemKey& key, std::string_view data) {
  return rsa_sha256_sign(key.get(), data);
}

inline bool rsa_sha256_verify(EVP_PKEY* key, std::string_view data, std::string_view sig) {
  detail::MdCtx ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}
inline bool rsa_sha256_verify(const PemKey& key, std::string_view data, std::string_view sig) {
  return rsa_sha256_verify(key.get(), data, sig);
}

// -------------------------------------------------------------- AES-GCM

// AES-128/192/256-GCM (by key length 16/24/32) with a 16-byte tag. Returns
// ciphertext || tag; nullopt for a bad key or IV length (12 bytes advised).
inline std::optional<std::string> aes_gcm_seal(std::string_view key, std::string_view iv,
                                               std::string_view plaintext,
                                               std::string_view aad = {}) {
  const EVP_CIPHER* cipher = key.size() == 16   ? EVP_aes_128_gcm()
                             : key.size() == 24 ? EVP_aes_192_gcm()
                             : key.size() == 32 ? EVP_aes_256_gcm()
                                                : nullptr;
  detail::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!cipher || iv.empty() || !ctx || plaintext.size() > INT32_MAX - 64 || aad.size() > INT32_MAX)
    return std::nullopt;
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  const auto* v = reinterpret_cast<const unsigned char*>(iv.data());
  int len = 0;
  std::string out(plaintext.size() + 16, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k, v) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                                         reinterpret_cast<const unsigned char*>(aad.data()),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), o, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, o + plaintext.size()) != 1)
    return std::nullopt;
  return out;
}

// The inverse of aes_gcm_seal; nullopt when the tag does not verify (the
// text was altered, or the key, IV or AAD differ).
inline std::optional<std::string> aes_gcm_open(std::string_view key, std::string_view iv,
                                               std::string_view sealed, std::string_view aad = {}) {
  const EVP_CIPHER* cipher = key.size() == 16   ? EVP_aes_128_gcm()
                             : key.size() == 24 ? EVP_aes_192_gcm()
                             : key.size() == 32 ? EVP_aes_256_gcm()
                                                : nullptr;
  detail::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!cipher || iv.empty() || sealed.size() < 16 || !ctx) return std::nullopt;
  const size_t n = sealed.size() - 16;
  std::string tag(sealed.substr(n)), out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                         reinterpret_cast<const unsigned char*>(key.data()),
                         reinterpret_cast<const unsigned char*>(iv.data())) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                                         reinterpret_cast<const unsigned char*>(aad.data()),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), o, &len, reinterpret_cast<const unsigned char*>(sealed.data()),
                        static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + len, &len) != 1)
    return std::nullopt;
  return out;
}

}  // namespace cgw::crypto
