// The PostgreSQL backend's Database: a bounded pool of connections
// (pg_pool.hpp) shared by every repository of one instance. A Tx is one
// pooled connection inside BEGIN ... COMMIT (READ COMMITTED); several run
// at once, on this instance and on others, so the repositories take row
// locks (SELECT ... FOR UPDATE) and lean on constraints where SQLite's
// single writer made a check-then-write safe.
//
// A commit is durable when COMMIT returns (synchronous_commit=on, the
// server's default): durable() answers at once.
#pragma once

#include "core/error.hpp"
#include "store/database.hpp"
#include "store/number_repository.hpp"
#include "store/postgres/pg_pool.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace cgw::gw::pg {

class PgDatabase final : public Database {
 public:
  PgDatabase(std::string dsn, PoolOptions options);
  ~PgDatabase() override;
  // Connects and migrates (under the advisory lock); kStoreUnavailable
  // with the reason when it cannot.
  Status open();

  std::unique_ptr<Tx> begin() override;
  boost::asio::awaitable<bool> durable() override { co_return true; }
  void stop_group_commit() override {}
  int schema_version() override;
  int64_t writer_full_scan_steps() override { return 0; }
  uint64_t wal_checkpoints() const override { return 0; }
  bool reachable() override { return pool_->reachable(); }

  // The connection of `tx`, a transaction of this database.
  PgConnection& conn(Tx& tx);
  // One statement (or several that need no atomicity) in autocommit on a
  // pooled connection.
  template <class F>
  auto run(F&& work) {
    auto lease = pool_->acquire();
    return work(*lease);
  }

  // A local hold written inside `tx`: the observer hears of it when `tx`
  // commits, and never when it rolls back.
  void note_hold(Tx& tx, const NumberKey& number, bool hidden);
  void set_hold_observer(HoldObserver* observer) { observer_ = observer; }

  // This instance (store/fleet_repository.hpp), stamped as `owner` on the
  // rows a crash can leave mid-way; "" until it joins (tools, tests).
  std::string instance_id() const {
    std::lock_guard lock(instance_mu_);
    return instance_id_;
  }
  int64_t liveness_ttl_ms() const {
    std::lock_guard lock(instance_mu_);
    return ttl_ms_;
  }
  void set_instance(std::string id, int64_t ttl_ms) {
    std::lock_guard lock(instance_mu_);
    instance_id_ = std::move(id);
    ttl_ms_ = ttl_ms;
  }
  // The condition "the row's owner is not a live instance" (an instance
  // whose heartbeat is within the ttl, by the database's clock), with the
  // ttl in milliseconds as parameter $`ttl_param`.
  static std::string orphan_term(int ttl_param) {
    return "owner NOT IN (SELECT id FROM cgw_instances WHERE heartbeat_at > now() - $" +
           std::to_string(ttl_param) + " * interval '1 millisecond')";
  }

 private:
  class PgTx;
  const std::string dsn_;
  const PoolOptions options_;
  std::unique_ptr<PgPool> pool_;
  HoldObserver* observer_ = nullptr;
  // Held from a hold-writing COMMIT to its notification: the observer
  // hears of one number's holds in commit order (the row lock on the
  // number orders the commits themselves).
  std::mutex notify_mu_;
  mutable std::mutex instance_mu_;
  std::string instance_id_;
  int64_t ttl_ms_ = 5000;
};

}  // namespace cgw::gw::pg
