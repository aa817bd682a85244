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

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

}  // namespace cgw::gw
