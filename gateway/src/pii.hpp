// Personal data at rest: AES-256-GCM with the row id bound as additional
// authenticated data (a value copied to another row does not decrypt), a key
// id stored beside each value so keys can rotate, and a keyed hash
// (HMAC-SHA256) for equality lookups such as the per-ID card count.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cgw::gw {

class PiiCipher {
 public:
  explicit PiiCipher(std::string key32);
  // "k1:" + base64(iv || ciphertext || tag)
  std::string seal(std::string_view plaintext, std::string_view row_id) const;
  std::optional<std::string> open(std::string_view sealed, std::string_view row_id) const;
  std::string lookup_hash(std::string_view value) const;  // hex HMAC-SHA256
  const std::string& key_id() const { return key_id_; }

 private:
  std::string key_, key_id_;
};

}  // namespace cgw::gw
