#include "store/sqlite/sqlite_db.hpp"

namespace cgw::gw::db {

namespace {
[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  throw DbError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
                db ? sqlite3_extended_errcode(db) : rc);
}
}  // namespace

Connection::Connection(const std::string& path, bool readonly) {
  int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;  // the store serializes access per connection itself
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DbError("open " + path + ": " + msg, rc);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
}

Connection::~Connection() {
  for (auto& [sql, e] : cache_) sqlite3_finalize(e.stmt);
  sqlite3_close_v2(db_);
}

sqlite3_stmt* Connection::acquire(std::string_view sql, CacheEntry*& entry) const {
  entry = nullptr;
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    entry = &it->second;
    return it->second.stmt;
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, "prepare");
  // The same SQL in use twice at once (rare) gets a private statement.
  if (it == cache_.end() && cache_.size() < kMaxCached) {
    entry = &cache_.emplace(std::string(sql), CacheEntry{s, true}).first->second;
  }
  return s;
}

int64_t Connection::full_scan_steps() const {
  int64_t n = 0;
  for (const auto& [sql, e] : cache_)
    n += sqlite3_stmt_status(e.stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
  return n;
}

void Connection::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DbError(msg, sqlite3_extended_errcode(db_));
  }
}

Stmt::Stmt(const Connection& c, std::string_view sql) : db_(c.get()) {
  s_ = c.acquire(sql, entry_);
}

Stmt::~Stmt() {
  if (!entry_) {
    sqlite3_finalize(s_);
    return;
  }
  // Back to the cache, ready for its next use: no open read, no values kept.
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  entry_->in_use = false;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}
Stmt& Stmt::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(s_, i, v);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  int rc = sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  int rc = sqlite3_bind_null(s_, i);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
  auto* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

Transaction::Transaction(Connection& c) : c_(c) {
  Stmt(c_, "BEGIN IMMEDIATE").run();
}
Transaction::~Transaction() {
  if (!done_) {
    try {
      Stmt(c_, "ROLLBACK").run();
    } catch (...) {
    }
  }
}
void Transaction::commit() {
  Stmt(c_, "COMMIT").run();
  done_ = true;
}

}  // namespace cgw::gw::db
