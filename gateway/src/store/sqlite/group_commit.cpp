#include "store/sqlite/group_commit.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace cgw::gw {

namespace asio = boost::asio;

namespace {
template <class Handler>
struct HandlerCompletion : GroupCommit::Completion {
  explicit HandlerCompletion(Handler h) : handler(std::move(h)) {}
  void complete(bool ok) override {
    auto home = asio::get_associated_executor(handler);
    asio::post(home, [h = std::move(handler), ok]() mutable { h(ok); });
  }
  Handler handler;
};
}  // namespace

GroupCommit::GroupCommit(std::function<uint64_t()> commit_batch)
    : commit_batch_(std::move(commit_batch)) {}

GroupCommit::~GroupCommit() {
  stop();
}

std::string GroupCommit::start(const std::string& wal_path) {
  fd_ = ::open(wal_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) return "cannot open " + wal_path + ": " + std::strerror(errno);
  // Commits made before the thread runs (migrations) are flushed here.
  committed_ = synced_ = commit_batch_();
  if (::fdatasync(fd_) != 0) return "cannot flush " + wal_path + ": " + std::strerror(errno);
  thread_ = std::thread([this] { run(); });
  return {};
}

void GroupCommit::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::lock_guard lock(mu_);
  stopped_ = true;
}

uint64_t GroupCommit::flushes() const {
  std::lock_guard lock(mu_);
  return flushes_;
}

uint64_t GroupCommit::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

void GroupCommit::poke() {
  {
    std::lock_guard lock(mu_);
    if (poked_) return;
    poked_ = true;
  }
  wake_.notify_one();
}

asio::awaitable<bool> GroupCommit::durable(uint64_t seq) {
  return wait(seq, true);
}

asio::awaitable<bool> GroupCommit::committed(uint64_t seq) {
  return wait(seq, false);
}

asio::awaitable<bool> GroupCommit::wait(uint64_t seq, bool flushed) {
  {
    std::lock_guard lock(mu_);
    if (seq <= (flushed ? synced_ : committed_) || fd_ < 0 || stopped_) co_return !failed_;
  }
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [this, seq, flushed](auto handler) {
        auto done = std::make_unique<HandlerCompletion<decltype(handler)>>(std::move(handler));
        std::unique_lock lock(mu_);
        if (seq <= (flushed ? synced_ : committed_) || stopping_ || stopped_) {
          const bool ok = !failed_;
          lock.unlock();
          done->complete(ok);
          return;
        }
        (flushed ? flush_waiters_ : commit_waiters_).push_back({seq, std::move(done)});
        lock.unlock();
        wake_.notify_one();
      },
      asio::use_awaitable);
}

void GroupCommit::take_answered(std::vector<Waiter>& list, uint64_t upto,
                                std::vector<Waiter>& out) {
  std::erase_if(list, [&](Waiter& w) {
    if (w.seq > upto && !stopping_) return false;
    out.push_back(std::move(w));
    return true;
  });
}

namespace {
constexpr uint64_t kGatherAfterBatchOf = 4;
constexpr std::chrono::microseconds kGatherTime{250};
}  // namespace

void GroupCommit::run() {
  std::unique_lock lock(mu_);
  uint64_t last_batch = 0;  // logical writes the last round committed
  for (;;) {
    wake_.wait(lock, [&] {
      return stopping_ || poked_ || !flush_waiters_.empty() || !commit_waiters_.empty();
    });
    // Under load (the last batch held several writes), wait a moment for
    // more writes to join this one: fewer, larger commits and flushes.
    // Measured on 2 cores under the closed-loop reserve load: about 1.3x
    // the throughput and a quarter less gateway CPU per reservation than no
    // wait, for at most kGatherTime more latency; a lone write is not held
    // up (PostgreSQL's commit_delay and commit_siblings do the same).
    // 250 us rather than 1 ms: the same throughput in alternated bench runs,
    // and the added p50 of a reservation at a fixed rate 0.8-1.3 ms instead
    // of 1.7-2.0 ms (docs/benchmarks.md).
    if (!stopping_ && last_batch >= kGatherAfterBatchOf)
      wake_.wait_for(lock, kGatherTime, [&] { return stopping_; });
    const bool last = stopping_;
    poked_ = false;
    const uint64_t before = committed_;
    lock.unlock();
    // Step 1: the batch is committed; every logical commit up to `target`
    // is in the WAL file now.
    const uint64_t target = commit_batch_();
    lock.lock();
    if (target > committed_) ++batches_;
    last_batch = target > committed_ ? target - committed_ : 0;
    committed_ = std::max(committed_, target);
    std::vector<Waiter> done;
    take_answered(commit_waiters_, committed_, done);
    // Step 2, when someone waits for it: one flush covers all of them.
    const bool flush =
        synced_ < target && (last || std::any_of(flush_waiters_.begin(), flush_waiters_.end(),
                                                 [&](const Waiter& w) { return w.seq > synced_; }));
    const bool ok_before = !failed_;
    lock.unlock();
    for (auto& w : done) w.done->complete(ok_before);
    done.clear();
    if (flush) {
      const bool ok = ::fdatasync(fd_) == 0;
      if (!ok) spdlog::critical("store: fsync of the WAL failed: {}", std::strerror(errno));
      lock.lock();
      ++flushes_;
      failed_ = failed_ || !ok;
      synced_ = std::max(synced_, target);
    } else {
      lock.lock();
    }
    take_answered(flush_waiters_, synced_, done);
    const bool all_ok = !failed_;
    lock.unlock();
    for (auto& w : done) w.done->complete(all_ok);
    lock.lock();
    if (last) return;
    // A waiter for a commit that no round has made yet (not in the store's
    // use: it waits only for commits made) must not turn this into a busy loop.
    if (target == before && !flush && !poked_) wake_.wait_for(lock, std::chrono::milliseconds(1));
  }
}

WalCheckpointer::WalCheckpointer(int soft_frames, int hard_frames)
    : soft_frames_(soft_frames), hard_frames_(hard_frames) {}

WalCheckpointer::~WalCheckpointer() {
  stop();
}

std::string WalCheckpointer::start(const std::string& db_path) {
  int rc =
      sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string err = "cannot open " + db_path +
                      " for checkpoints: " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    return err;
  }
  // Its checkpoints sync the WAL before they copy it and the database file
  // after, whatever the writer's synchronous setting. The read opens the
  // WAL: a connection that never read anything has none, and its
  // checkpoints would do nothing at all.
  char* err = nullptr;
  rc = sqlite3_exec(db_, "PRAGMA synchronous = FULL; SELECT count(*) FROM sqlite_schema", nullptr,
                    nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot read " + db_path + " for checkpoints: " + (err ? err : "?");
    sqlite3_free(err);
    sqlite3_close(db_);
    db_ = nullptr;
    return msg;
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void WalCheckpointer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

uint64_t WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mu_);
  return rounds_;
}

bool WalCheckpointer::note_frames(int frames) {
  if (frames >= hard_frames_) return true;
  // The bulk is copied: the pages since, now, under the write lock.
  if (catch_up_.exchange(false)) return true;
  if (frames < soft_frames_) return false;
  {
    std::lock_guard lock(mu_);
    if (!db_ || stopping_) return true;  // no thread: SQLite's way
    if (requested_ || running_) return false;
    requested_ = true;
  }
  wake_.notify_one();
  return false;
}

void WalCheckpointer::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || requested_; });
    if (stopping_) return;
    requested_ = false;
    running_ = true;
    lock.unlock();
    int log = 0, done = 0;
    // The bulk, while writes go on.
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      spdlog::error("store: WAL checkpoint failed: {}", sqlite3_errmsg(db_));
    // Pages committed meanwhile (and while this round ran, a write
    // transaction may have begun, which keeps the WAL from starting again):
    // the next commit copies the rest under the write lock (note_frames),
    // nothing when there is nothing left. Doing that here would starve on
    // the write lock behind busy writers.
    if (rc == SQLITE_OK) catch_up_ = true;
    // At most one round per 20 ms: a WAL a long reader keeps from starting
    // again must not turn this into a busy loop.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lock.lock();
    running_ = false;
    ++rounds_;
  }
}

}  // namespace cgw::gw
