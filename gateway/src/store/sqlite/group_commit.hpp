// Group commit for the SQLite store. Transactions commit to the WAL without
// an fsync of their own (synchronous=NORMAL); before the gateway acknowledges
// a change to anyone, it waits here until an fsync of the WAL file has
// covered that commit. One background thread runs the fsyncs, and each one
// covers every commit made up to its start, so concurrent requests share one
// disk flush instead of paying one each.
//
// The sequence read for a flush must not include a commit still being
// written: `stable_seq` reads the commit counter under the store's write
// lock, which every commit holds.
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
  explicit GroupCommit(std::function<uint64_t()> stable_seq);
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Opens the WAL file and starts the flush thread; "" or the error.
  std::string start(const std::string& wal_path);
  void stop();
  // True once every commit up to `seq` is on disk; false if the flush
  // failed (the disk refused: the change may not survive a power loss).
  boost::asio::awaitable<bool> durable(uint64_t seq);
  uint64_t flushes() const;  // fsyncs done, for the log and tests

  // A suspended waiter; complete() resumes it on its own executor.
  // (Not any_completion_handler: Boost 1.81's recurses when moved.)
  struct Completion {
    virtual ~Completion() = default;
    virtual void complete(bool ok) = 0;
  };

 private:
  void run();
  std::function<uint64_t()> stable_seq_;
  int fd_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false, failed_ = false;
  uint64_t synced_ = 0, flushes_ = 0;
  struct Waiter {
    uint64_t seq;
    std::unique_ptr<Completion> done;
  };
  std::vector<Waiter> waiters_;
};

// Checkpoints of the WAL into the database file, mostly off the request
// threads. SQLite's own auto-checkpoint runs inside the commit that crosses
// 1000 WAL pages: on the thread that commits (an I/O thread), under the
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
