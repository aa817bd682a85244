#include "pii.hpp"

#include "cgw/common/crypto.hpp"

#include <stdexcept>

namespace cgw::gw {

PiiCipher::PiiCipher(std::string key32) : key_(std::move(key32)) {
  if (key_.size() != 32) throw std::invalid_argument("PII key must be 32 bytes");
  // The key id names the key without revealing it: a prefix of its hash.
  key_id_ = crypto::sha256_hex(key_).substr(0, 8);
}

std::string PiiCipher::seal(std::string_view plaintext, std::string_view row_id) const {
  return key_id_ + ":" + crypto::base64_encode(crypto::aes256gcm_encrypt(key_, plaintext, row_id));
}

std::optional<std::string> PiiCipher::open(std::string_view sealed, std::string_view row_id) const {
  auto colon = sealed.find(':');
  if (colon == std::string_view::npos || sealed.substr(0, colon) != key_id_) return std::nullopt;
  auto raw = crypto::base64_decode(sealed.substr(colon + 1));
  if (!raw) return std::nullopt;
  return crypto::aes256gcm_decrypt(key_, *raw, row_id);
}

std::string PiiCipher::lookup_hash(std::string_view value) const {
  return crypto::hmac_sha256_hex(key_, value);
}

}  // namespace cgw::gw
