#include "cgw/sim/mvno/signature.hpp"

#include "cgw/common/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace cgw::sim::mvno {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

int no_passphrase(char*, int, int, void*) {
  return -1;  // an encrypted key is refused, never prompted for
}

KeyHandle load_key(std::string_view pem, std::string_view what, bool is_private) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = !bio ? nullptr
                  : is_private
                      ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr)
                      : PEM_read_bio_PUBKEY(bio.get(), nullptr, &no_passphrase, nullptr);
  KeyHandle handle(key, EVP_PKEY_free);
  if (!key || !EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) < 2048) {
    ERR_clear_error();
    throw std::invalid_argument("mvno: setting '" + std::string(what) + "' is not a PEM RSA " +
                                (is_private ? "private" : "public") + " key of >= 2048 bits");
  }
  return handle;
}

bool header(const net::Request& req, std::string_view name, std::string_view& out) {
  auto it = req.find(name);
  if (it == req.end()) return false;
  out = it->value();
  return true;
}

bool parse_millis(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 15) return false;  // decimal digits only, no sign
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && s.front() != '-' && s.front() != '+';
}

}  // namespace

KeyHandle load_public_key(std::string_view pem, std::string_view what) {
  return load_key(pem, what, false);
}

KeyHandle load_private_key(std::string_view pem, std::string_view what) {
  return load_key(pem, what, true);
}

std::string canonical_string(std::string_view method, std::string_view target,
                             std::string_view timestamp, std::string_view nonce,
                             std::string_view body) {
  std::string s;
  s.append(method).append("\n").append(target).append("\n").append(timestamp).append("\n");
  s.append(nonce).append("\n").append(crypto::sha256_hex(body));
  return s;
}

std::string sign_base64(EVP_PKEY* private_key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  size_t len = 0;
  const auto* d = reinterpret_cast<const unsigned char*>(data.data());
  std::string sig;
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, private_key) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
            EVP_DigestSign(ctx.get(), nullptr, &len, d, data.size()) == 1;
  if (ok) {
    sig.resize(len);
    ok = EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, d,
                        data.size()) == 1;
    sig.resize(len);
  }
  if (!ok) {
    ERR_clear_error();
    throw std::runtime_error("SHA256withRSA signing failed");
  }
  return crypto::base64_encode(sig);
}

std::optional<std::string> decode_base64_strict(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  const size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  const bool shape_ok =
      std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(pad), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
      });
  if (!shape_ok) return std::nullopt;
  return crypto::base64_decode(text);
}

bool verify_base64(EVP_PKEY* public_key, std::string_view data, std::string_view signature_b64) {
  if (signature_b64.size() > 2048) return false;
  const auto sig = decode_base64_strict(signature_b64);
  if (!sig || sig->empty()) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, public_key) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

bool valid_nonce(std::string_view nonce) {
  return nonce.size() >= 16 && nonce.size() <= 64 &&
         std::all_of(nonce.begin(), nonce.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
         });
}

AuthOutcome verify_request(const net::Request& req, std::string_view partner_id,
                           EVP_PKEY* partner_public_key, NonceStore& nonces, int64_t wall_ms) {
  AuthOutcome out;
  std::string_view got_partner, sign_type, ts, nonce, sig;
  if (!header(req, "X-Partner-Id", got_partner) || !crypto::equal_ct(got_partner, partner_id))
    return out.code = "1004", out;
  if (!header(req, "X-Sign-Type", sign_type) || sign_type != kSignType)
    return out.code = "1005", out;
  int64_t millis = 0;
  if (!header(req, "X-Timestamp", ts) || !header(req, "X-Nonce", nonce) ||
      !header(req, "X-Signature", sig) || !parse_millis(ts, millis) || !valid_nonce(nonce))
    return out.code = "1001", out;
  // The method as received (upper case on the wire); the target exactly as
  // received, without re-encoding, as the partner signed it.
  if (!verify_base64(partner_public_key,
                     canonical_string(req.method_string(), req.target(), ts, nonce, req.body()),
                     sig))
    return out.code = "1001", out;
  out.signature_ok = true;
  const int64_t skew = millis - wall_ms;
  if (skew > kTimestampWindowMs || skew < -kTimestampWindowMs) return out.code = "1002", out;
  if (!nonces.check_and_remember(nonce, wall_ms)) return out.code = "1003", out;
  return out;
}

net::HeaderList sign_headers(std::string_view partner_id, EVP_PKEY* carrier_private_key,
                             std::string_view method, std::string_view target,
                             std::string_view body, int64_t wall_ms) {
  const std::string ts = std::to_string(wall_ms);
  // Random, not from the seeded generator: a restarted simulator with the
  // same seed would otherwise repeat nonces the partner still remembers.
  const std::string nonce = crypto::random_hex(16);
  return {{"X-Partner-Id", std::string(partner_id)},
          {"X-Timestamp", ts},
          {"X-Nonce", nonce},
          {"X-Sign-Type", std::string(kSignType)},
          {"X-Signature",
           sign_base64(carrier_private_key, canonical_string(method, target, ts, nonce, body))}};
}

}  // namespace cgw::sim::mvno
