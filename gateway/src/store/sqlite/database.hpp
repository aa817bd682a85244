// The SQLite backend's Database: one writer connection and one reader
// connection, each used under its own mutex; WAL with synchronous=NORMAL
// and group commit (group_commit.hpp).
//
// A write is logical: a Tx, or one write() call, is a savepoint inside the
// batch, one SQLite transaction that stays open across many of them; the
// group commit thread commits the batch (its WAL frames written once for
// all) and flushes it. Each logical write is still atomic on its own: a Tx
// destroyed without commit() rolls back to its savepoint, and nothing else.
// Until the batch commits, its changes are visible on the writer
// connection only, so read() uses the writer while a batch is open: every
// read sees every write made before it.
//
// An error that makes SQLite abandon the whole batch (a full disk, an I/O
// error) loses the logical commits in it that were not yet acknowledged:
// the store then counts as failed, and durable() and committed() answer
// false from then on (the gateway answers 503) until it is restarted.
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
#include <thread>
#include <type_traits>
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
  boost::asio::awaitable<bool> committed() override;
  void stop_group_commit() override;
  int schema_version() override;
  int64_t writer_full_scan_steps() override;
  uint64_t wal_checkpoints() const override;

  // The writer connection of `tx`, a transaction of this database.
  db::Connection& conn(Tx& tx);
  // One logical write (one statement, or several, atomic together).
  template <class F>
  auto write(F&& work) {
    WriteLock lock(*this);
    LogicalWrite w(*this);
    if constexpr (std::is_void_v<decltype(work(*writer_))>) {
      work(*writer_);
      w.commit();
    } else {
      auto out = work(*writer_);
      w.commit();
      return out;
    }
  }
  template <class F>
  auto read(F&& work) {
    // Inside a write on this thread (write_mu_ held here): its connection.
    if (writer_thread_.load() == std::this_thread::get_id()) return work(*writer_);
    {
      std::lock_guard lock(write_mu_);
      if (batch_open_) return work(*writer_);
    }
    // Nothing uncommitted: the reader sees every write made so far.
    std::lock_guard lock(read_mu_);
    return work(*reader_);
  }
  const std::filesystem::path& path() const { return path_; }
  // Commits the open batch now (the group commit thread's step 1, also
  // before a read on a connection of its own); the logical commits it
  // covers.
  uint64_t commit_batch();

  // A local hold written inside the open transaction: the observer hears of
  // it when that commits, and never when it rolls back.
  void note_hold(const NumberKey& number, bool hidden) {
    pending_holds_.push_back({number.carrier, number.msisdn, hidden});
  }
  void set_hold_observer(HoldObserver* observer) { observer_ = observer; }

 private:
  class SqliteTx;
  // write_mu_, with the thread that holds it noted for read().
  class WriteLock {
   public:
    explicit WriteLock(SqliteDatabase& db) : db_(db), lock_(db.write_mu_) {
      db_.writer_thread_ = std::this_thread::get_id();
    }
    ~WriteLock() { db_.writer_thread_ = std::thread::id(); }
    WriteLock(const WriteLock&) = delete;
    WriteLock& operator=(const WriteLock&) = delete;

   private:
    SqliteDatabase& db_;
    std::lock_guard<std::mutex> lock_;
  };
  // One savepoint in the batch, under write_mu_; rolls back to it unless
  // committed.
  class LogicalWrite {
   public:
    explicit LogicalWrite(SqliteDatabase& db);
    ~LogicalWrite();
    void commit();

   private:
    SqliteDatabase& db_;
    bool done_ = false;
  };
  // write_mu_ held: the batch was abandoned by SQLite.
  void batch_lost(const std::string& why);
  void migrate();
  static void on_rollback(void* self);
  static int on_wal(void* self, sqlite3* db, const char* name, int frames);

  std::filesystem::path path_;
  std::mutex write_mu_, read_mu_;
  std::unique_ptr<db::Connection> writer_, reader_;
  struct HoldChange {
    std::string carrier, msisdn;
    bool hidden;
  };
  std::vector<HoldChange> pending_holds_;  // of the open logical write; write_mu_
  HoldObserver* observer_ = nullptr;
  bool batch_open_ = false;                       // write_mu_
  bool group_stopped_ = false;                    // write_mu_: each write commits at once
  std::atomic<std::thread::id> writer_thread_{};  // holds write_mu_ (WriteLock)
  std::atomic<uint64_t> logical_seq_{0};    // logical commits so far (written under write_mu_)
  std::atomic<uint64_t> committed_seq_{0};  // of them, committed by commit_batch()
  std::atomic<bool> failed_{false};         // a batch was lost
  std::unique_ptr<GroupCommit> group_;      // after writer_: stops before it closes
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace cgw::gw::sqlite
