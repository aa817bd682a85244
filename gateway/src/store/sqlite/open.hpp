// The SQLite backend, the embedded default: every repository over one
// store file (docs/reliability.md).
#pragma once

#include "core/error.hpp"
#include "core/pii.hpp"
#include "store/repositories.hpp"

#include <filesystem>
#include <memory>

namespace cgw::gw {

// The store at `path` (created and migrated if needed). `pii` seals and
// opens personal data; the repositories keep it as long as they live.
// kStoreUnavailable with the reason when the file cannot be opened.
Result<Repositories> open_sqlite_store(const std::filesystem::path& path,
                                       std::shared_ptr<const PiiCipher> pii);

}  // namespace cgw::gw
