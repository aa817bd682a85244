// A minimal RAII layer over the SQLite C API: a connection, prepared
// statements with typed binds and columns, and a transaction guard. Errors
// are thrown as DbError inside the store and turned into Status values at
// its public surface.
//
// Each connection keeps the statements it prepared, by SQL text: a Stmt for
// SQL seen before takes the prepared one (reset, bindings cleared) instead of
// compiling it again. A connection is used by one thread at a time (the
// store's mutexes), and so is its cache.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

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

  // A prepared statement for `sql`, taken from the cache (or compiled and,
  // while the cache has room, added to it). `entry` is the cache slot to give
  // it back to, null for a statement the caller must finalize.
  struct CacheEntry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3_stmt* acquire(std::string_view sql, CacheEntry*& entry) const;
  size_t cached_statements() const { return cache_.size(); }
  // Rows stepped through in full scans by the cached statements so far.
  int64_t full_scan_steps() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr size_t kMaxCached = 128;  // the store has fewer distinct statements
  sqlite3* db_ = nullptr;
  mutable std::unordered_map<std::string, CacheEntry, Hash, std::equal_to<>> cache_;
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
  Connection::CacheEntry* entry_ = nullptr;  // null: not cached, finalized here
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless commit() was reached. The
// three statements come from the connection's cache.
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
