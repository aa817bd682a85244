#include "core/pii.hpp"

#include "cgw/common/crypto.hpp"

#include <stdexcept>

namespace cgw::gw {

std::string PiiCipher::key_id_for(std::string_view key32) {
  return crypto::sha256_hex(key32).substr(0, 8);
}

std::string_view PiiCipher::key_id_of(std::string_view sealed) {
  auto colon = sealed.find(':');
  return colon == std::string_view::npos ? std::string_view{} : sealed.substr(0, colon);
}

PiiCipher::PiiCipher(std::string key32, std::vector<std::string> previous_keys32) {
  previous_keys32.insert(previous_keys32.begin(), std::move(key32));
  for (auto& key : previous_keys32) {
    if (key.size() != 32) throw std::invalid_argument("PII key must be 32 bytes");
    auto id = key_id_for(key);
    if (const auto* known = key_for(id)) {
      if (*known == key) continue;  // the same key twice: harmless
      throw std::invalid_argument("two PII keys share the key id " + id);
    }
    keys_.emplace_back(std::move(id), std::move(key));
  }
}

const std::string* PiiCipher::key_for(std::string_view key_id) const {
  for (const auto& [id, key] : keys_)
    if (id == key_id) return &key;
  return nullptr;
}

bool PiiCipher::knows(std::string_view key_id) const {
  return key_for(key_id) != nullptr;
}

std::vector<std::string> PiiCipher::previous_key_ids() const {
  std::vector<std::string> ids;
  for (size_t i = 1; i < keys_.size(); ++i) ids.push_back(keys_[i].first);
  return ids;
}

std::string PiiCipher::seal(std::string_view plaintext, std::string_view row_id) const {
  const auto& [id, key] = keys_.front();
  return id + ":" + crypto::base64_encode(crypto::aes256gcm_encrypt(key, plaintext, row_id));
}

PiiCipher::Opened PiiCipher::unseal(std::string_view sealed, std::string_view row_id) const {
  const auto id = key_id_of(sealed);
  if (id.empty()) return {std::nullopt, "not a sealed value (no key id)"};
  const auto* key = key_for(id);
  if (!key) {
    std::string error = "sealed under key id " + std::string(id) +
                        ", which is not configured (current key " + key_id() + ", previous keys:";
    auto previous = previous_key_ids();
    if (previous.empty()) error += " none";
    for (const auto& p : previous) error += " " + p;
    return {std::nullopt, error + ")"};
  }
  auto raw = crypto::base64_decode(sealed.substr(id.size() + 1));
  std::optional<std::string> plain;
  if (raw) plain = crypto::aes256gcm_decrypt(*key, *raw, row_id);
  if (!plain)
    return {std::nullopt, "does not open under key id " + std::string(id) +
                              " (altered, or copied from another row)"};
  return {std::move(plain), {}};
}

std::string PiiCipher::lookup_hash(std::string_view value) const {
  return crypto::hmac_sha256_hex(keys_.front().second, value);
}

std::vector<std::string> PiiCipher::lookup_hashes(std::string_view value) const {
  std::vector<std::string> hashes;
  for (const auto& [id, key] : keys_) hashes.push_back(crypto::hmac_sha256_hex(key, value));
  return hashes;
}

}  // namespace cgw::gw
