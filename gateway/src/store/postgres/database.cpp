#include "store/postgres/database.hpp"

#include "store/postgres/schema.hpp"

#include <cassert>
#include <vector>

namespace cgw::gw::pg {

class PgDatabase::PgTx final : public Tx {
 public:
  explicit PgTx(PgDatabase& owner) : owner_(owner), lease_(owner.pool_->acquire()) {
    lease_->exec_simple("BEGIN");
  }
  // Destroyed without commit: the lease rolls back (pg_pool.cpp).
  void commit() override {
    if (holds_.empty() || !owner_.observer_) {
      lease_->exec_simple("COMMIT");
      holds_.clear();
      return;
    }
    std::lock_guard lock(owner_.notify_mu_);
    lease_->exec_simple("COMMIT");
    for (const auto& h : holds_) owner_.observer_->set_hidden(h.carrier, h.msisdn, h.hidden);
    holds_.clear();
  }
  PgConnection& conn() { return *lease_; }
  PgDatabase& owner_;
  struct Hold {
    std::string carrier, msisdn;
    bool hidden;
  };
  std::vector<Hold> holds_;

 private:
  PgPool::Lease lease_;
};

PgDatabase::PgDatabase(std::string dsn, PoolOptions options)
    : dsn_(std::move(dsn)), options_(options) {}

PgDatabase::~PgDatabase() = default;

Status PgDatabase::open() {
  try {
    pool_ = std::make_unique<PgPool>(dsn_, options_);
    auto lease = pool_->acquire();
    migrate_schema(*lease);
    return {};
  } catch (const PgError& e) {
    // The message names the server, never the password (libpq omits it).
    return make_error(code::kStoreUnavailable, std::string("PostgreSQL store: ") + e.what());
  }
}

std::unique_ptr<Tx> PgDatabase::begin() {
  return std::make_unique<PgTx>(*this);
}

PgConnection& PgDatabase::conn(Tx& tx) {
  auto& t = static_cast<PgTx&>(tx);
  assert(&t.owner_ == this);
  return t.conn();
}

void PgDatabase::note_hold(Tx& tx, const NumberKey& number, bool hidden) {
  static_cast<PgTx&>(tx).holds_.push_back({number.carrier, number.msisdn, hidden});
}

int PgDatabase::schema_version() {
  return run([](PgConnection& c) { return pg::schema_version(c); });
}

}  // namespace cgw::gw::pg
