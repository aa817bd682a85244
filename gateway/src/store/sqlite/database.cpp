#include "store/sqlite/database.hpp"

#include <spdlog/spdlog.h>

#include <cassert>

namespace cgw::gw::sqlite {

void migrate_schema(db::Connection& c);  // schema.cpp
int schema_version_of(db::Connection& c);

class SqliteDatabase::SqliteTx final : public Tx {
 public:
  SqliteTx(SqliteDatabase& owner) : owner_(owner), lock_(owner), write_(owner) {}
  void commit() override { write_.commit(); }
  SqliteDatabase& owner_;

 private:
  WriteLock lock_;  // before write_: held until it has rolled back
  LogicalWrite write_;
};

// The savepoint's name is fixed: logical writes never nest (write_mu_).
SqliteDatabase::LogicalWrite::LogicalWrite(SqliteDatabase& db) : db_(db) {
  if (db_.failed_.load())
    throw db::DbError("the store lost a batch of writes earlier (see the log); restart the gateway",
                      SQLITE_IOERR);
  if (!db_.batch_open_) {
    db::Stmt(*db_.writer_, "BEGIN IMMEDIATE").run();
    db_.batch_open_ = true;
  }
  db::Stmt(*db_.writer_, "SAVEPOINT cgw_write").run();
}

void SqliteDatabase::LogicalWrite::commit() {
  db::Stmt(*db_.writer_, "RELEASE cgw_write").run();
  done_ = true;
  // The search index hears of the holds now, as every later read sees them
  // (a lost batch fails the store: it is rebuilt at the restart).
  if (db_.observer_)
    for (const auto& h : db_.pending_holds_)
      db_.observer_->set_hidden(h.carrier, h.msisdn, h.hidden);
  db_.pending_holds_.clear();
  ++db_.logical_seq_;
  if (db_.group_ && !db_.group_stopped_) {
    db_.group_->poke();
  } else {
    // No group commit thread (before it starts, after it stopped): each
    // write commits at once, and a failed commit fails only this write.
    db_.batch_open_ = false;
    try {
      db::Stmt(*db_.writer_, "COMMIT").run();
    } catch (...) {
      if (!sqlite3_get_autocommit(db_.writer_->get())) db_.writer_->exec("ROLLBACK");
      throw;
    }
  }
}

SqliteDatabase::LogicalWrite::~LogicalWrite() {
  if (done_) return;
  db_.pending_holds_.clear();
  try {
    db::Stmt(*db_.writer_, "ROLLBACK TO cgw_write").run();
    db::Stmt(*db_.writer_, "RELEASE cgw_write").run();
  } catch (const std::exception& e) {
    spdlog::error("store: rolling back a write failed: {}", e.what());
  }
  // Some errors (a full disk, an I/O error) make SQLite roll back the whole
  // transaction: the batch, with the logical commits before this one.
  if (db_.batch_open_ && sqlite3_get_autocommit(db_.writer_->get()))
    db_.batch_lost("SQLite rolled back the open batch after an error");
}

void SqliteDatabase::batch_lost(const std::string& why) {
  batch_open_ = false;
  pending_holds_.clear();
  if (!failed_.exchange(true))
    spdlog::critical(
        "store: {}: the writes in it that were not yet acknowledged are lost; every write "
        "is refused (503) until the gateway is restarted",
        why);
}

uint64_t SqliteDatabase::commit_batch() {
  WriteLock lock(*this);
  if (batch_open_) {
    try {
      db::Stmt(*writer_, "COMMIT").run();
      batch_open_ = false;
    } catch (const std::exception& e) {
      spdlog::critical("store: committing a batch failed: {}", e.what());
      if (!sqlite3_get_autocommit(writer_->get())) {
        try {
          db::Stmt(*writer_, "ROLLBACK").run();
        } catch (...) {
        }
      }
      batch_lost("the batch could not be committed");
    }
  }
  const uint64_t seq = logical_seq_.load();
  if (!batch_open_) committed_seq_ = seq;
  return seq;
}

SqliteDatabase::SqliteDatabase(std::filesystem::path path) : path_(std::move(path)) {}

SqliteDatabase::~SqliteDatabase() {
  // Both threads stop before the connections close; the group commit
  // thread first: its last commit may ask the checkpointer.
  stop_group_commit();
  group_.reset();
  checkpointer_.reset();
}

Status SqliteDatabase::open() {
  try {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    writer_ = std::make_unique<db::Connection>(path_.string());
    writer_->exec("PRAGMA journal_mode = WAL");
    // NORMAL for every write: a commit reaches the WAL without its own
    // fsync, and GroupCommit flushes several commits at once before
    // anything is acknowledged (durable()). What needs no acknowledgement
    // (a sync page, a poll time) may be lost to a power cut and is redone.
    writer_->exec("PRAGMA synchronous = NORMAL");
    writer_->exec("PRAGMA foreign_keys = ON");
    migrate();
    // Holds reach the observer (the search index) when their logical write
    // commits, and never when it rolls back.
    sqlite3_rollback_hook(writer_->get(), &SqliteDatabase::on_rollback, this);
    // Checkpoints run on their own thread and connection (WalCheckpointer);
    // the hook replaces SQLite's auto-checkpoint in the committing thread.
    checkpointer_ = std::make_unique<WalCheckpointer>();
    if (auto err = checkpointer_->start(path_.string()); !err.empty())
      return make_error(code::kStoreUnavailable, err);
    sqlite3_wal_hook(writer_->get(), &SqliteDatabase::on_wal, this);
    reader_ = std::make_unique<db::Connection>(path_.string(), true);
    group_ = std::make_unique<GroupCommit>([this] { return commit_batch(); });
    if (auto err = group_->start(path_.string() + "-wal"); !err.empty())
      return make_error(code::kStoreUnavailable, err);
    return {};
  } catch (const std::exception& e) {
    return make_error(code::kStoreUnavailable, "store " + path_.string() + ": " + e.what());
  }
}

void SqliteDatabase::migrate() {
  migrate_schema(*writer_);
}

int SqliteDatabase::schema_version() {
  std::lock_guard lock(write_mu_);
  return schema_version_of(*writer_);
}

std::unique_ptr<Tx> SqliteDatabase::begin() {
  return std::make_unique<SqliteTx>(*this);
}

db::Connection& SqliteDatabase::conn(Tx& tx) {
  assert(&static_cast<SqliteTx&>(tx).owner_ == this);
  (void)tx;
  return *writer_;
}

boost::asio::awaitable<bool> SqliteDatabase::durable() {
  if (!group_) co_return !failed_.load();
  const bool ok = co_await group_->durable(logical_seq_.load());
  co_return ok && !failed_.load();
}

boost::asio::awaitable<bool> SqliteDatabase::committed() {
  // Every read answer asks: when nothing is uncommitted (no write since the
  // last batch), two atomic loads and no lock.
  const uint64_t seq = logical_seq_.load();
  if (!group_ || seq <= committed_seq_.load()) co_return !failed_.load();
  const bool ok = co_await group_->committed(seq);
  co_return ok && !failed_.load();
}

void SqliteDatabase::stop_group_commit() {
  if (group_) group_->stop();  // commits and flushes the open batch
  WriteLock lock(*this);
  group_stopped_ = true;
}

int64_t SqliteDatabase::writer_full_scan_steps() {
  std::lock_guard lock(write_mu_);
  return writer_->full_scan_steps();
}

uint64_t SqliteDatabase::wal_checkpoints() const {
  return checkpointer_ ? checkpointer_->checkpoints() : 0;
}

// A whole transaction rolled back (not a savepoint).
void SqliteDatabase::on_rollback(void* self) {
  static_cast<SqliteDatabase*>(self)->pending_holds_.clear();
}

// Called after each commit of the writer, under write_mu_.
int SqliteDatabase::on_wal(void* self, sqlite3* db, const char* name, int frames) {
  auto* d = static_cast<SqliteDatabase*>(self);
  if (!d->checkpointer_ || d->checkpointer_->note_frames(frames))
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

}  // namespace cgw::gw::sqlite
