// PII keys over every sealed column (docs/security.md "Key rotation"):
// which key ids the stored values name, and the re-sealing of every value
// into the current key (`cgw-gateway --rotate-pii`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cgw::gw {

struct PiiRotationReport {
  // Key ids (with their value counts) that the keyring does not know. Not
  // empty: the rotation refused and changed nothing.
  std::map<std::string, int64_t> unknown_keys;
  int64_t rows_total = 0;         // rows with a value not under the current key, at the start
  int64_t rows_done = 0;          // re-sealed and committed so far
  int64_t values_resealed = 0;    // sealed values rewritten
  int64_t hashes_recomputed = 0;  // ID-number lookup hashes rewritten
  // "verifications/<id>" or "activations/<id>": a value under a known key
  // that does not open (altered). Left as it is; the rotation goes on.
  std::vector<std::string> unreadable;
  bool stopped = false;  // `progress` returned false
};

class PiiKeyRepository {
 public:
  virtual ~PiiKeyRepository() = default;
  // How many sealed values name each key id, over every sealed column
  // ("" for a value without one).
  virtual std::map<std::string, int64_t> census() = 0;
  // Re-seals every value that is not under the current key, `batch_rows`
  // rows per transaction, and recomputes the lookup hash of every ID number
  // it re-seals (the hash follows the key: see pii.hpp). Rows already under
  // the current key are not touched, so a re-run after an interruption goes
  // on where it stopped and a complete rotation re-run is a no-op. Calls
  // `progress` after each commit; returning false stops there.
  virtual PiiRotationReport rotate(
      size_t batch_rows, const std::function<bool(const PiiRotationReport&)>& progress = {}) = 0;
};

}  // namespace cgw::gw
