#include "store/sqlite/database.hpp"

#include <cassert>

namespace cgw::gw::sqlite {

void migrate_schema(db::Connection& c);  // schema.cpp
int schema_version_of(db::Connection& c);

class SqliteDatabase::SqliteTx final : public Tx {
 public:
  SqliteTx(SqliteDatabase& owner) : owner_(owner), lock_(owner.write_mu_), tx_(*owner.writer_) {}
  void commit() override { tx_.commit(); }
  SqliteDatabase& owner_;

 private:
  std::unique_lock<std::mutex> lock_;  // before tx_: held until it has rolled back
  db::Transaction tx_;
};

SqliteDatabase::SqliteDatabase(std::filesystem::path path) : path_(std::move(path)) {}

SqliteDatabase::~SqliteDatabase() {
  // Both threads stop before the connections close.
  checkpointer_.reset();
  group_.reset();
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
    // Holds reach the observer (the search index) when their transaction
    // commits, and never when it rolls back.
    sqlite3_commit_hook(writer_->get(), &SqliteDatabase::on_commit, this);
    sqlite3_rollback_hook(writer_->get(), &SqliteDatabase::on_rollback, this);
    // Checkpoints run on their own thread and connection (WalCheckpointer);
    // the hook replaces SQLite's auto-checkpoint in the committing thread.
    checkpointer_ = std::make_unique<WalCheckpointer>();
    if (auto err = checkpointer_->start(path_.string()); !err.empty())
      return make_error(code::kStoreUnavailable, err);
    sqlite3_wal_hook(writer_->get(), &SqliteDatabase::on_wal, this);
    reader_ = std::make_unique<db::Connection>(path_.string(), true);
    group_ = std::make_unique<GroupCommit>([this] {
      std::lock_guard lock(write_mu_);  // no commit is half-written while held
      return commits_.load();
    });
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
  if (!group_) co_return true;
  co_return co_await group_->durable(commits_.load());
}

void SqliteDatabase::stop_group_commit() {
  if (group_) group_->stop();
}

int64_t SqliteDatabase::writer_full_scan_steps() {
  std::lock_guard lock(write_mu_);
  return writer_->full_scan_steps();
}

uint64_t SqliteDatabase::wal_checkpoints() const {
  return checkpointer_ ? checkpointer_->checkpoints() : 0;
}

// Called inside each commit of the writer, under write_mu_.
int SqliteDatabase::on_commit(void* self) {
  auto* d = static_cast<SqliteDatabase*>(self);
  ++d->commits_;
  if (d->observer_)
    for (const auto& h : d->pending_holds_) d->observer_->set_hidden(h.carrier, h.msisdn, h.hidden);
  d->pending_holds_.clear();
  return 0;  // let the commit proceed
}

void SqliteDatabase::on_rollback(void* self) {
  static_cast<SqliteDatabase*>(self)->pending_holds_.clear();
}

// Called after each commit of the writer, under write_mu_.
int SqliteDatabase::on_wal(void* self, sqlite3* db, const char* name, int frames) {
  auto* d = static_cast<SqliteDatabase*>(self);
  if (d->checkpointer_->note_frames(frames))
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

}  // namespace cgw::gw::sqlite
