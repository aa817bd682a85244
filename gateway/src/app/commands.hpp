// The gateway's one-shot commands besides serving: `--new-api-key` and
// `--rotate-pii` (docs/security.md).
#pragma once

#include "core/config.hpp"
#include "core/pii.hpp"
#include "store/repositories.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace cgw::gw {

// A new API key: "<prefix>_<key id>_<secret>". The prefix and key id stay
// visible (config label, audit log, support tickets); only the SHA-256 of
// the whole key goes into the config.
// Prints it with its config lines; 0, or 2 for a prefix outside a-z, 0-9, '_'.
int new_api_key(const std::string& prefix);

// `--rotate-pii`: re-seals every stored value that is not under the current
// PII key, in transactions of `batch_rows` rows (docs/security.md "Key
// rotation"). SIGINT/SIGTERM stop it after the batch in progress; a re-run
// goes on from there, and re-running a finished rotation changes nothing.
int rotate_pii(const Config& cfg, size_t batch_rows);

// The store the config names (store.kind): the SQLite file or the
// PostgreSQL database. kStoreUnavailable with the reason when it cannot be
// opened.
Result<Repositories> open_configured_store(const Config& cfg, std::shared_ptr<const PiiCipher> pii);
// The store for logs: the SQLite path, or "PostgreSQL" (the DSN may hold a
// password and is never logged).
std::string store_description(const Config& cfg);

}  // namespace cgw::gw
