// One libpq connection: parameterized statements (never SQL built from
// values), prepared once per connection and reused, results as RAII
// values. Errors are thrown as PgError inside the store, like DbError in
// the SQLite backend, and become values at the store's edge: a lost
// connection is `connection_lost()`, which the pool and the API answer with
// 503 STORE_UNAVAILABLE instead of 500.
#pragma once

#include "store/database.hpp"

#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cgw::gw::pg {

class PgError : public StoreError {
 public:
  PgError(const std::string& what, std::string sqlstate, bool connection_lost)
      : StoreError(what), sqlstate_(std::move(sqlstate)), lost_(connection_lost) {}
  bool unavailable() const override { return lost_; }
  // The SQLSTATE (e.g. 23505 unique_violation); "" when there is none.
  const std::string& sqlstate() const { return sqlstate_; }
  // The server went away (restart, network): the statement may or may not
  // have run; the connection is unusable until reset.
  bool connection_lost() const { return lost_; }
  bool unique_violation() const { return sqlstate_ == "23505"; }

 private:
  std::string sqlstate_;
  bool lost_;
};

// A statement's result; rows and columns by index. Text format: values are
// read as strings and converted here.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string(text(row, col)); }
  int64_t int64(int row, int col) const;
  std::optional<int64_t> opt_int64(int row, int col) const;
  // Rows a command changed (UPDATE, DELETE, INSERT).
  int64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// A statement parameter: text or SQL NULL.
using Param = std::optional<std::string>;
inline Param p(std::string_view s) {
  return std::string(s);
}
inline Param p(int64_t v) {
  return std::to_string(v);
}

class PgConnection {
 public:
  // Connects (connect_timeout from the DSN, else 5 s); PgError when it
  // cannot, with libpq's message.
  explicit PgConnection(const std::string& dsn);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` with `params` ($1, $2, ...): prepared on first use on this
  // connection, then executed by name.
  PgResult exec(const std::string& sql, const std::vector<Param>& params = {});
  // Runs SQL without parameters (BEGIN, COMMIT, DDL); several statements allowed.
  void exec_simple(const std::string& sql);
  // Whether the connection still works; reconnects when it does not (and
  // forgets its prepared statements). False when the server is still gone.
  bool ensure_ok();
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  bool in_transaction() const;

 private:
  [[noreturn]] void fail(const std::string& what, PGresult* r);
  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

}  // namespace cgw::gw::pg
