// Personal data at rest: AES-256-GCM with the row id bound as additional
// authenticated data (a value copied to another row does not decrypt), a key
// id stored beside each value so keys can rotate, and a keyed hash
// (HMAC-SHA256) for equality lookups such as the per-ID verification count.
//
// A PiiCipher is a keyring: the current key seals every new value and keys
// every new lookup hash; previous keys (security.pii_previous_keys) only
// open values, and match lookup hashes, made before a rotation. A stored
// lookup hash is always made under the key that its row's sealed ID number
// names: `cgw-gateway --rotate-pii` (PiiKeyRepository::rotate) re-seals a row and
// recomputes its hash in one update, so the two move together.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw::gw {

class PiiCipher {
 public:
  // `key32`: the current key; `previous_keys32`: older keys, open only.
  // Throws std::invalid_argument for a key that is not 32 bytes, or two
  // different keys with the same key id.
  explicit PiiCipher(std::string key32, std::vector<std::string> previous_keys32 = {});

  // "<key id>:" + base64(iv || ciphertext || tag), under the current key.
  std::string seal(std::string_view plaintext, std::string_view row_id) const;

  // The plaintext, or why there is none: not a sealed value, a key id that
  // is not configured, or a value that does not open under its key (altered,
  // or copied from another row). The reason names key ids, never data.
  struct Opened {
    std::optional<std::string> value;
    std::string error;
    explicit operator bool() const { return value.has_value(); }
  };
  Opened unseal(std::string_view sealed, std::string_view row_id) const;
  std::optional<std::string> open(std::string_view sealed, std::string_view row_id) const {
    return unseal(sealed, row_id).value;
  }

  // Hex HMAC-SHA256 of `value` under the current key (what new rows store).
  std::string lookup_hash(std::string_view value) const;
  // The same under every configured key, the current key first: an equality
  // lookup matches these, so it also finds rows that a rotation has not
  // re-sealed yet.
  std::vector<std::string> lookup_hashes(std::string_view value) const;

  const std::string& key_id() const { return keys_.front().first; }  // the current key's
  bool knows(std::string_view key_id) const;
  std::vector<std::string> previous_key_ids() const;

  // The key id a sealed value names ("" when it is not a sealed value).
  static std::string_view key_id_of(std::string_view sealed);
  // A key's id: the first 8 hex digits of its SHA-256 (names the key
  // without revealing it).
  static std::string key_id_for(std::string_view key32);

 private:
  const std::string* key_for(std::string_view key_id) const;
  std::vector<std::pair<std::string, std::string>> keys_;  // (key id, key), current first
};

}  // namespace cgw::gw
