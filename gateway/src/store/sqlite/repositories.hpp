// The SQLite implementations of the repository interfaces (store/*_
// repository.hpp), private to this backend: the rest of the gateway gets
// them as interfaces from open_sqlite_store (open.hpp).
#pragma once

#include "cgw/common/crypto.hpp"
#include "core/pii.hpp"
#include "store/activation_repository.hpp"
#include "store/callback_repository.hpp"
#include "store/fleet_repository.hpp"
#include "store/idempotency_repository.hpp"
#include "store/number_repository.hpp"
#include "store/outbox_repository.hpp"
#include "store/pii_key_repository.hpp"
#include "store/reservation_repository.hpp"
#include "store/sqlite/database.hpp"
#include "store/verification_repository.hpp"

#include <set>

namespace cgw::gw::sqlite {

class SqliteNumbers final : public NumberRepository {
 public:
  explicit SqliteNumbers(SqliteDatabase& db) : db_(db) {}
  void upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                      const std::vector<uint32_t>& tag_bits, int64_t sync_generation) override;
  void finish_sync(const std::string& carrier, int64_t sync_generation, int64_t now_ms,
                   const std::string& change_cursor) override;
  void save_change_cursor(const std::string& carrier, const std::string& change_cursor,
                          int64_t now_ms) override;
  SyncState sync_state(const std::string& carrier) override;
  CarrierInventory inventory(const std::string& carrier, bool count_available) override;
  void for_each_number(const std::string& carrier,
                       const std::function<void(const NumberRow&)>& row) override;
  std::vector<std::string> held_numbers(const std::string& carrier) override;
  void set_local_hold(Tx& tx, const NumberKey& number, LocalHold hold) override;
  void set_hold_observer(HoldObserver* observer) override { db_.set_hold_observer(observer); }

 private:
  SqliteDatabase& db_;
};

class SqliteReservations final : public ReservationRepository {
 public:
  explicit SqliteReservations(SqliteDatabase& db) : db_(db) {}
  Result<Reservation> insert_pending(Tx& tx, const std::string& tenant, const std::string& carrier,
                                     const std::string& msisdn, const std::string& key,
                                     int64_t now_ms) override;
  std::optional<Reservation> live_by_key(Tx& tx, const std::string& carrier,
                                         const std::string& msisdn, const std::string& tenant,
                                         const std::string& key) override;
  void adopt(Tx& tx, const std::string& id, int64_t now_ms) override;
  bool hold(Tx& tx, const std::string& id, const std::string& carrier_reservation_id,
            int64_t expires_at_ms, int64_t carrier_expires_at_ms, int64_t now_ms) override;
  Reservation force_hold(Tx& tx, const std::string& id, const std::string& carrier_reservation_id,
                         int64_t expires_at_ms, int64_t now_ms) override;
  void set_lock(Tx& tx, const std::string& id, const std::string& carrier_reservation_id,
                int64_t carrier_expires_at_ms, bool only_releasing) override;
  void schedule_recovery(Tx& tx, const std::string& id, int64_t recover_at_ms) override;
  std::optional<NumberKey> fail(Tx& tx, const std::string& id, int64_t now_ms) override;
  std::optional<NumberKey> release(Tx& tx, const std::string& id, int64_t now_ms) override;
  void consume(Tx& tx, const std::string& id, int64_t now_ms) override;
  bool queue_release(Tx& tx, const std::string& id, const std::string& release_to,
                     int64_t now_ms) override;
  Expired expire_held(Tx& tx, int64_t now_ms, const NumberKey* only) override;
  std::vector<Reservation> lease_due_releases(Tx& tx, int64_t now_ms, size_t limit,
                                              int64_t lease_until_ms) override;
  std::optional<NumberKey> finish_release(Tx& tx, const std::string& id, int64_t now_ms) override;
  void retry_release(const std::string& id, int64_t next_at_ms, const std::string& error) override;
  void note_carrier_lock(const std::string& id, const std::string& carrier_reservation_id) override;
  int64_t schedule_interrupted(Tx& tx, int64_t now_ms, int64_t grace_ms) override;
  std::optional<Reservation> get(const std::string& tenant, const std::string& id,
                                 int64_t now_ms) override;
  std::optional<Reservation> get_in(Tx& tx, const std::string& tenant,
                                    const std::string& id) override;

 private:
  SqliteDatabase& db_;
};

class SqliteVerifications final : public VerificationRepository {
 public:
  SqliteVerifications(SqliteDatabase& db, const PiiCipher& pii) : db_(db), pii_(pii) {}
  Verification save(const std::string& tenant, const std::string& carrier,
                    const KycVerifyInput& input, const KycVerifyOutput& outcome,
                    int64_t now_ms) override;
  std::optional<Verification> get(const std::string& tenant, const std::string& id) override;
  std::optional<Verification> get_in(Tx& tx, const std::string& tenant,
                                     const std::string& id) override;
  int64_t count_for_id_number(const std::string& id_number) override;

 private:
  SqliteDatabase& db_;
  const PiiCipher& pii_;
};

class SqliteActivations final : public ActivationRepository {
 public:
  SqliteActivations(SqliteDatabase& db, const PiiCipher& pii) : db_(db), pii_(pii) {}
  void insert(Tx& tx, const Activation& a, const Delivery& delivery) override;
  void add_history(Tx& tx, const std::string& id, const HistoryEntry& entry) override;
  std::optional<Activation> get_in(Tx& tx, const std::string& id,
                                   const std::string& tenant) override;
  void set_status(Tx& tx, const std::string& id, const StatusChange& change,
                  int64_t now_ms) override;
  void set_plugin_data(Tx& tx, const std::string& id, const std::string& data) override;
  void keep_order_id(Tx& tx, const std::string& id, const std::string& order_id) override;
  void touch(Tx& tx, const std::string& id, int64_t now_ms) override;
  void schedule_poll(const std::string& id, int64_t next_poll_at_ms) override;
  bool note_submit_attempt(const std::string& id) override;
  std::optional<Activation> get(const std::string& tenant, const std::string& id) override;
  std::optional<Activation> by_id(const std::string& id, bool with_history) override;
  std::optional<ActivationSubmission> submission(const std::string& id) override;
  std::vector<std::string> open_ids() override;
  // One process: every open activation is its own (resumed at start).
  std::vector<std::string> owned_open_ids() override { return open_ids(); }
  std::vector<std::string> adopt_orphaned(Tx&) override { return {}; }
  void take_over(Tx&, const std::string&) override {}
  Page list(const std::string& tenant, const std::string& status, const std::string& cursor,
            size_t limit) override;
  std::map<std::string, int64_t> unknown_by_carrier() override;

 private:
  SqliteDatabase& db_;
  const PiiCipher& pii_;
};

class SqliteIdempotency final : public IdempotencyRepository {
 public:
  explicit SqliteIdempotency(SqliteDatabase& db) : db_(db) {}
  KeyClaim claim(Tx& tx, const std::string& tenant, const std::string& key,
                 const std::string& request_hash, int64_t now_ms, int64_t stale_after_ms) override;
  void answer(Tx& tx, const std::string& tenant, const std::string& key,
              const IdempotentReplay& answer) override;
  void drop(Tx& tx, const std::string& tenant, const std::string& key) override;
  int64_t drop_in_flight(Tx& tx) override;
  int64_t prune(int64_t older_than_ms) override;

 private:
  SqliteDatabase& db_;
};

class SqliteCallbacks final : public CallbackRepository {
 public:
  explicit SqliteCallbacks(SqliteDatabase& db) : db_(db) {}
  Recorded record(Tx& tx, const std::string& carrier, const std::string& event_id,
                  const std::string& payload, int64_t now_ms) override;

 private:
  SqliteDatabase& db_;
};

class SqliteOutbox final : public OutboxRepository {
 public:
  explicit SqliteOutbox(SqliteDatabase& db) : db_(db) {}
  void set_webhook_tenants(std::set<std::string> tenants) override {
    tenants_ = std::move(tenants);
  }
  void enqueue_status_event(Tx& tx, const std::string& activation_id, const std::string& previous,
                            const std::string& cause, int64_t now_ms) override;
  std::vector<OutboxEvent> lease_due(int64_t now_ms, size_t limit, int64_t lease_until_ms) override;
  void record_attempt(const std::string& event_id, const DeliveryAttempt& attempt, bool delivered,
                      int64_t next_attempt_at_ms) override;
  std::vector<EventWithAttempts> events_for(const std::string& activation_id) override;

 private:
  SqliteDatabase& db_;
  std::set<std::string> tenants_;
};

class SqlitePiiKeys final : public PiiKeyRepository {
 public:
  SqlitePiiKeys(SqliteDatabase& db, const PiiCipher& pii) : db_(db), pii_(pii) {}
  std::map<std::string, int64_t> census() override;
  PiiRotationReport rotate(size_t batch_rows,
                           const std::function<bool(const PiiRotationReport&)>& progress) override;

 private:
  // Counts the rows to re-seal under `prefix` into `r`; false (with
  // r.unknown_keys) when a value names a key the keyring does not hold.
  bool survey(const std::string& prefix, PiiRotationReport& r);
  SqliteDatabase& db_;
  const PiiCipher& pii_;
};

// One process on one file (the file is opened by one gateway): the only
// instance, every lease held, nothing of another instance to recover. What
// a previous process left is recovered at start (recover_interrupted_
// requests), as it was before there were fleets.
class SqliteFleet final : public FleetRepository {
 public:
  bool shared() const override { return false; }
  std::string instance_id() const override { return id_; }
  void join(const std::string&, int64_t, int64_t) override {}
  Beat heartbeat() override { return {}; }
  Claim claim_lease(const std::string&) override {
    Claim c;
    c.held = true;
    return c;
  }
  int64_t forget_dead(Tx&) override { return 0; }
  void leave() override {}

 private:
  const std::string id_ = crypto::random_hex(8);
};

}  // namespace cgw::gw::sqlite
