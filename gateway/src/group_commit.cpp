#include "group_commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
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

GroupCommit::GroupCommit(std::function<uint64_t()> stable_seq)
    : stable_seq_(std::move(stable_seq)) {}

GroupCommit::~GroupCommit() {
  stop();
}

std::string GroupCommit::start(const std::string& wal_path) {
  fd_ = ::open(wal_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) return "cannot open " + wal_path + ": " + std::strerror(errno);
  // Commits made before the thread runs (migrations) are flushed here.
  synced_ = stable_seq_();
  if (::fdatasync(fd_) != 0) return "cannot flush " + wal_path + ": " + std::strerror(errno);
  thread_ = std::thread([this] { run(); });
  return {};
}

void GroupCommit::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

uint64_t GroupCommit::flushes() const {
  std::lock_guard lock(mu_);
  return flushes_;
}

asio::awaitable<bool> GroupCommit::durable(uint64_t seq) {
  {
    std::lock_guard lock(mu_);
    if (seq <= synced_ || fd_ < 0) co_return !failed_;
  }
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
      [this, seq](auto handler) {
        auto done = std::make_unique<HandlerCompletion<decltype(handler)>>(std::move(handler));
        std::unique_lock lock(mu_);
        if (seq <= synced_ || stopping_) {
          const bool ok = !failed_;
          lock.unlock();
          done->complete(ok);
          return;
        }
        waiters_.push_back({seq, std::move(done)});
        lock.unlock();
        wake_.notify_one();
      },
      asio::use_awaitable);
}

void GroupCommit::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !waiters_.empty(); });
    if (waiters_.empty() && stopping_) return;
    lock.unlock();
    // Every commit up to `target` is fully in the WAL file: the flush
    // covers all of them at once.
    const uint64_t target = stable_seq_();
    const bool ok = ::fdatasync(fd_) == 0;
    if (!ok) spdlog::critical("store: fsync of the WAL failed: {}", std::strerror(errno));
    lock.lock();
    ++flushes_;
    failed_ = failed_ || !ok;
    synced_ = std::max(synced_, target);
    std::vector<Waiter> done;
    std::erase_if(waiters_, [&](Waiter& w) {
      if (w.seq > synced_ && !stopping_) return false;
      done.push_back(std::move(w));
      return true;
    });
    const bool all_ok = !failed_;
    lock.unlock();
    for (auto& w : done) w.done->complete(all_ok);
    lock.lock();
  }
}

}  // namespace cgw::gw
