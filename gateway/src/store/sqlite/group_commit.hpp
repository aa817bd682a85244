// Group commit for the SQLite store, in two steps, on one background
// thread:
//
// 1. Commit. The store's write transactions are logical: each is a
//    savepoint inside one open SQLite transaction, the batch (database.hpp).
//    This thread commits the batch (`commit_batch`, under the store's write
//    lock), so the WAL frames of many requests are written once, together.
//    A page that several requests changed (the end of a table, an index's
//    upper levels) is written once per batch instead of once per request.
// 2. Flush. One fdatasync of the WAL then covers every commit made up to
//    its start, so concurrent requests share one disk flush.
//
// committed(seq) waits for step 1 (the change is in the WAL, in the page
// cache: it survives the process being killed); durable(seq) for step 2 (it
// survives a power loss). The gateway acknowledges a change to a client only
// after durable(), and sends anything to a carrier or a tenant only after
// committed(). poke() asks for a commit when nobody waits (a background
// write), so a batch never stays open for long.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace cgw::gw {

class GroupCommit {
 public:
  // `commit_batch` commits what is open and returns the sequence number up
  // to which every logical commit is now committed; it runs on this
  // class's thread, and once more at stop().
  explicit GroupCommit(std::function<uint64_t()> commit_batch);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Opens the WAL file and starts the thread; "" or the error.
  std::string start(const std::string& wal_path);
  // Commits and flushes what is left, answers every waiter, ends the thread.
  void stop();
  // True once every commit up to `seq` is on disk; false if the flush
  // failed (the disk refused: the change may not survive a power loss).
  boost::asio::awaitable<bool> durable(uint64_t seq);
  // True once every logical commit up to `seq` is committed (step 1).
  boost::asio::awaitable<bool> committed(uint64_t seq);
  // A logical commit was made: commit it soon even if nobody waits.
  void poke();
  uint64_t flushes() const;  // fsyncs done, for the log and tests
  uint64_t batches() const;  // commit rounds that committed something

  // A suspended waiter; complete() resumes it on its own executor.
  // (Not any_completion_handler: Boost 1.81's recurses when moved.)
  struct Completion {
    virtual ~Completion() = default;
    virtual void complete(bool ok) = 0;
  };

 private:
  struct Waiter {
    uint64_t seq;
    std::unique_ptr<Completion> done;
  };
  void run();
  boost::asio::awaitable<bool> wait(uint64_t seq, bool flushed);
  // mu_ held: the waiters of `list` now answered (seq <= upto, or all when
  // stopping), moved to `out`.
  void take_answered(std::vector<Waiter>& list, uint64_t upto, std::vector<Waiter>& out);
  std::function<uint64_t()> commit_batch_;
  int fd_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false, stopped_ = false, failed_ = false, poked_ = false;
  uint64_t committed_ = 0, synced_ = 0, flushes_ = 0, batches_ = 0;
  std::vector<Waiter> flush_waiters_, commit_waiters_;
};

// Checkpoints of the WAL into the database file, mostly off the request
// threads. SQLite's own auto-checkpoint runs inside the commit that crosses
// 1000 WAL pages: on the thread that commits, under the
// store's write lock, copying every page with two fsyncs, so every write
// waits behind it. Here the store's WAL hook (after each commit) only asks
// once the WAL holds `soft_frames`; a background thread with its own
// connection copies the WAL into the database while writes go on (PASSIVE).
// The pages committed meanwhile are then copied by the next commit itself
// (few pages, but two fsyncs), so that the WAL is wholly in the database and
// the write after it starts the WAL again from its beginning: it never grows
// without bound. A WAL past `hard_frames` (the thread cannot keep up) is
// checkpointed in the commit, as SQLite would.
class WalCheckpointer {
 public:
  explicit WalCheckpointer(int soft_frames = 2000, int hard_frames = 50'000);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Opens its own connection to `db_path` and starts the thread; "" or the error.
  std::string start(const std::string& db_path);
  void stop();
  // From the writer's WAL hook, under the write lock: `frames` are in the
  // WAL now. True when the caller must checkpoint at once (PASSIVE).
  bool note_frames(int frames);
  uint64_t checkpoints() const;  // background rounds done, for tests

 private:
  void run();
  const int soft_frames_, hard_frames_;
  sqlite3* db_ = nullptr;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false, requested_ = false, running_ = false;
  std::atomic<bool> catch_up_{false};  // a round is done: the next commit copies the rest
  uint64_t rounds_ = 0;
};

}  // namespace cgw::gw
