// A minimal RAII layer over the SQLite C API: a connection, prepared
// statements with typed binds and columns, and a transaction guard. Errors
// are thrown as DbError inside the store and turned into Status values at
// its public surface.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cgw::gw::db {

struct DbError : std::runtime_error {
  DbError(std::string what, int code) : std::runtime_error(std::move(what)), code(code) {}
  int code;
  bool constraint() const { return (code & 0xff) == SQLITE_CONSTRAINT; }
};

class Connection {
 public:
  Connection() = default;
  explicit Connection(const std::string& path, bool readonly = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  sqlite3* get() const { return db_; }
  void exec(const char* sql);
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(const Connection& c, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_null(int i);
  Stmt& bind_opt(int i, const std::optional<std::string>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }

  bool step();  // true: a row is available
  void run() {
    while (step()) {
    }
  }
  void reset();

  std::string text(int col) const;
  // Valid until the next step() or reset().
  std::string_view view(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string_view();
  }
  std::optional<std::string> opt_text(int col) const;
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless commit() was reached.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace cgw::gw::db
