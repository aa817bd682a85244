#include "store/sqlite/open.hpp"

#include "store/sqlite/repositories.hpp"
#include "store/sqlite/subscribers.hpp"

namespace cgw::gw {

namespace {
// The database owns the cipher for the repositories that read PII: they
// live no longer than it (Repositories destroys it last).
class OwningDatabase final : public Database {
 public:
  OwningDatabase(const std::filesystem::path& path, std::shared_ptr<const PiiCipher> pii)
      : pii_(std::move(pii)), db_(path) {}
  sqlite::SqliteDatabase& sqlite() { return db_; }
  const PiiCipher& pii() const { return *pii_; }
  std::unique_ptr<Tx> begin() override { return db_.begin(); }
  boost::asio::awaitable<bool> durable() override { return db_.durable(); }
  void stop_group_commit() override { db_.stop_group_commit(); }
  int schema_version() override { return db_.schema_version(); }
  int64_t writer_full_scan_steps() override { return db_.writer_full_scan_steps(); }
  uint64_t wal_checkpoints() const override { return db_.wal_checkpoints(); }

 private:
  std::shared_ptr<const PiiCipher> pii_;
  sqlite::SqliteDatabase db_;
};
}  // namespace

Result<Repositories> open_sqlite_store(const std::filesystem::path& path,
                                       std::shared_ptr<const PiiCipher> pii) {
  auto owner = std::make_unique<OwningDatabase>(path, std::move(pii));
  if (auto st = owner->sqlite().open(); !st) return st.error();
  auto& db = owner->sqlite();
  const auto& cipher = owner->pii();
  Repositories r;
  r.numbers = std::make_unique<sqlite::SqliteNumbers>(db);
  r.reservations = std::make_unique<sqlite::SqliteReservations>(db);
  r.verifications = std::make_unique<sqlite::SqliteVerifications>(db, cipher);
  r.activations = std::make_unique<sqlite::SqliteActivations>(db, cipher);
  r.idempotency = std::make_unique<sqlite::SqliteIdempotency>(db);
  r.callbacks = std::make_unique<sqlite::SqliteCallbacks>(db);
  r.outbox = std::make_unique<sqlite::SqliteOutbox>(db);
  r.pii_keys = std::make_unique<sqlite::SqlitePiiKeys>(db, cipher);
  r.fleet = std::make_unique<sqlite::SqliteFleet>();
  r.subscribers = std::make_unique<sqlite::SqliteSubscribers>(db, cipher);
  r.db = std::move(owner);
  return r;
}

}  // namespace cgw::gw
