// The PostgreSQL backend, for several gateway instances on one database
// (docs/reliability.md "PostgreSQL"): every repository over a pool of
// libpq connections.
#pragma once

#include "core/error.hpp"
#include "core/pii.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/repositories.hpp"

#include <memory>
#include <string>

namespace cgw::gw {

// The store in the database named by `dsn` (a libpq connection string or
// URI), migrated if needed under an advisory lock. `pii` seals and opens
// personal data; the repositories keep it as long as they live.
// kStoreUnavailable with the reason when the database cannot be reached.
Result<Repositories> open_postgres_store(const std::string& dsn,
                                         std::shared_ptr<const PiiCipher> pii,
                                         pg::PoolOptions options = {});

}  // namespace cgw::gw
