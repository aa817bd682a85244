// Read-only access to a gateway's store for the benchmark tools: a SQLite
// file or the PostgreSQL database a fleet shares. The tools count rows with
// it instead of asking the API, so the counting adds no load to the
// gateway being measured.
#pragma once

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace cgw::bench {

// The gateway's store, read-only: a SQLite file or a PostgreSQL database.
// The statements are the same on both (one schema, docs/reliability.md).
class StoreReader {
 public:
  ~StoreReader() {
    if (db_) sqlite3_close(db_);
    if (pg_) PQfinish(pg_);
  }
  StoreReader() = default;
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;
  // Empty on success, else why it cannot be opened.
  std::string open(const std::string& sqlite_path, const std::string& pg_dsn) {
    if (!pg_dsn.empty()) {
      pg_ = PQconnectdb(pg_dsn.c_str());
      if (PQstatus(pg_) != CONNECTION_OK) return PQerrorMessage(pg_);
      // Only reads: a mistake here can never change the store measured.
      PGresult* r = PQexec(pg_, "SET default_transaction_read_only = on");
      PQclear(r);
      return {};
    }
    if (sqlite3_open_v2(sqlite_path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      return "cannot open " + sqlite_path;
    sqlite3_busy_timeout(db_, 2000);
    return {};
  }
  // -1 when the statement failed.
  int64_t scalar(const char* sql) {
    int64_t v = -1;
    if (pg_) {
      PGresult* r = PQexec(pg_, sql);
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        v = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
      PQclear(r);
      return v;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
  PGconn* pg_ = nullptr;
};

}  // namespace cgw::bench
