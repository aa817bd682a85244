// The SQLite backend's Database: one writer connection and one reader
// connection, each used under its own mutex; WAL with synchronous=NORMAL
// and group commit (store/group_commit.hpp): a commit reaches the WAL
// without an fsync of its own, and durable() waits for the fsync that
// covers it. Background WAL checkpoints run on their own connection.
//
// A write is either a Tx (BEGIN IMMEDIATE ... COMMIT under the write lock)
// or one statement in autocommit under the same lock (write()); both are
// one SQLite transaction, counted by the commit hook for group commit.
#pragma once

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/number_repository.hpp"
#include "store/sqlite/group_commit.hpp"
#include "store/sqlite/sqlite_db.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::gw::sqlite {

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::filesystem::path path);
  ~SqliteDatabase() override;
  // Opens (creating if needed) and migrates; kStoreUnavailable with the
  // reason when it cannot.
  Status open();

  std::unique_ptr<Tx> begin() override;
  boost::asio::awaitable<bool> durable() override;
  void stop_group_commit() override;
  int schema_version() override;
  int64_t writer_full_scan_steps() override;
  uint64_t wal_checkpoints() const override;

  // The writer connection of `tx`, a transaction of this database.
  db::Connection& conn(Tx& tx);
  // One statement (or several that need no atomicity) in autocommit.
  template <class F>
  auto write(F&& work) {
    std::lock_guard lock(write_mu_);
    return work(*writer_);
  }
  template <class F>
  auto read(F&& work) {
    std::lock_guard lock(read_mu_);
    return work(*reader_);
  }
  const std::filesystem::path& path() const { return path_; }

  // A local hold written inside the open transaction: the observer hears of
  // it when that commits, and never when it rolls back.
  void note_hold(const NumberKey& number, bool hidden) {
    pending_holds_.push_back({number.carrier, number.msisdn, hidden});
  }
  void set_hold_observer(HoldObserver* observer) { observer_ = observer; }

 private:
  class SqliteTx;
  void migrate();
  static int on_commit(void* self);
  static void on_rollback(void* self);
  static int on_wal(void* self, sqlite3* db, const char* name, int frames);

  std::filesystem::path path_;
  std::mutex write_mu_, read_mu_;
  std::unique_ptr<db::Connection> writer_, reader_;
  struct HoldChange {
    std::string carrier, msisdn;
    bool hidden;
  };
  std::vector<HoldChange> pending_holds_;  // write_mu_
  HoldObserver* observer_ = nullptr;
  std::atomic<uint64_t> commits_{0};    // counted by the commit hook
  std::unique_ptr<GroupCommit> group_;  // after writer_: stops before it closes
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace cgw::gw::sqlite
