#include "store/postgres/open.hpp"

#include "store/postgres/hold_feed.hpp"
#include "store/postgres/repositories.hpp"
#include "store/postgres/subscribers.hpp"

namespace cgw::gw {

namespace {
// The database owns the cipher for the repositories that read PII: they
// live no longer than it (Repositories destroys it last).
class OwningDatabase final : public Database {
 public:
  OwningDatabase(const std::string& dsn, pg::PoolOptions options,
                 std::shared_ptr<const PiiCipher> pii)
      : pii_(std::move(pii)), db_(dsn, options) {}
  pg::PgDatabase& postgres() { return db_; }
  const PiiCipher& pii() const { return *pii_; }
  std::unique_ptr<Tx> begin() override { return db_.begin(); }
  boost::asio::awaitable<bool> durable() override { return db_.durable(); }
  void stop_group_commit() override { db_.stop_group_commit(); }
  int schema_version() override { return db_.schema_version(); }
  bool reachable() override { return db_.reachable(); }
  int64_t writer_full_scan_steps() override { return db_.writer_full_scan_steps(); }
  uint64_t wal_checkpoints() const override { return db_.wal_checkpoints(); }

 private:
  std::shared_ptr<const PiiCipher> pii_;
  pg::PgDatabase db_;
};
}  // namespace

Result<Repositories> open_postgres_store(const std::string& dsn,
                                         std::shared_ptr<const PiiCipher> pii,
                                         pg::PoolOptions options) {
  auto owner = std::make_unique<OwningDatabase>(dsn, options, std::move(pii));
  if (auto st = owner->postgres().open(); !st) return st.error();
  auto& db = owner->postgres();
  const auto& cipher = owner->pii();
  Repositories r;
  r.numbers = std::make_unique<pg::PgNumbers>(db);
  r.reservations = std::make_unique<pg::PgReservations>(db);
  r.verifications = std::make_unique<pg::PgVerifications>(db, cipher);
  r.activations = std::make_unique<pg::PgActivations>(db, cipher);
  r.idempotency = std::make_unique<pg::PgIdempotency>(db);
  r.callbacks = std::make_unique<pg::PgCallbacks>(db);
  r.outbox = std::make_unique<pg::PgOutbox>(db);
  r.pii_keys = std::make_unique<pg::PgPiiKeys>(db, cipher);
  r.hold_feed = std::make_unique<pg::PgHoldFeed>(db);
  r.fleet = std::make_unique<pg::PgFleet>(db);
  r.subscribers = std::make_unique<pg::PgSubscribers>(db, cipher);
  r.db = std::move(owner);
  return r;
}

}  // namespace cgw::gw
