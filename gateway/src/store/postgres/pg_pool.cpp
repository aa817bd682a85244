#include "store/postgres/pg_pool.hpp"

#include <spdlog/spdlog.h>

namespace cgw::gw::pg {

PgPool::PgPool(std::string dsn, PoolOptions options) : dsn_(std::move(dsn)), options_(options) {}

PgPool::~PgPool() = default;

PgPool::Lease::~Lease() {
  if (!conn_) return;
  try {
    if (conn_->ok() && conn_->in_transaction()) conn_->exec_simple("ROLLBACK");
  } catch (const PgError& e) {
    spdlog::warn("store: rollback of an abandoned transaction failed: {}", e.what());
  }
  pool_->give_back(std::move(conn_));
}

PgPool::Lease PgPool::acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (conn->ensure_ok()) return Lease(*this, std::move(conn));
      lock.lock();
      --open_;  // the server is gone: drop it and try again below
      continue;
    }
    if (open_ < options_.size) {
      ++open_;
      lock.unlock();
      try {
        return Lease(*this, std::make_unique<PgConnection>(dsn_));
      } catch (const PgError& e) {
        lock.lock();
        --open_;
        if (std::chrono::steady_clock::now() + options_.reconnect_backoff >= deadline)
          throw PgError(std::string("no database connection: ") + e.what(), "", true);
        freed_.wait_for(lock, options_.reconnect_backoff);
        continue;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size)
      throw PgError("no database connection free within " + std::to_string(options_.wait.count()) +
                        " ms (" + std::to_string(options_.size) + " in use)",
                    "", true);
  }
}

void PgPool::give_back(std::unique_ptr<PgConnection> conn) {
  const bool usable = conn->ok();
  if (!usable) conn.reset();  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    if (usable)
      idle_.push_back(std::move(conn));
    else
      --open_;
  }
  freed_.notify_one();
}

bool PgPool::reachable() {
  try {
    auto lease = acquire();
    lease->exec("SELECT 1");
    return true;
  } catch (const PgError&) {
    return false;
  }
}

size_t PgPool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace cgw::gw::pg
