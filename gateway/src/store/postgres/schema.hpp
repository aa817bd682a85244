// The PostgreSQL schema's versions and its migrations (schema.cpp).
#pragma once

#include "store/postgres/pg_connection.hpp"

namespace cgw::gw::pg {

int latest_schema_version();
// The version the database is at (0: empty).
int schema_version(PgConnection& c);
// Applies every missing migration, each in its own transaction, under an
// advisory lock held for the whole run (instances starting together wait
// for one another). Returns the version found before. PgError when the
// database is newer than this gateway or a migration fails.
int migrate_schema(PgConnection& c);

}  // namespace cgw::gw::pg
