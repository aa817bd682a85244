// The store tests' driver: the repositories of one backend (SQLite on a
// file, or PostgreSQL in a database) and the operations of
// store/operations.hpp behind the short calls the tests were written with
// (one object, the HTTP answers the API would store). Every call goes to
// the real repositories; nothing here decides anything the gateway does
// not.
#pragma once

#include "api/error.hpp"
#include "inventory/number_index.hpp"
#include "inventory/vanity.hpp"
#include "store/operations.hpp"
#include "store/postgres/open.hpp"
#include "store/sqlite/open.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace cgw::gw {

class StoreHarness {
 public:
  using PiiRotation = cgw::gw::PiiRotationReport;
  using ActivationPage = ActivationRepository::Page;
  using Recovered = cgw::gw::Recovered;
  using ReservationStart = cgw::gw::ReservationStart;
  using CallbackApplied = cgw::gw::CallbackApplied;
  using EventWithAttempts = cgw::gw::EventWithAttempts;

  StoreHarness(std::filesystem::path path, PiiCipher pii)
      : path_(std::move(path)), pii_(std::make_shared<const PiiCipher>(std::move(pii))) {}
  // On PostgreSQL: the database (and search_path) of `dsn`.
  static std::unique_ptr<StoreHarness> postgres(std::string dsn, PiiCipher pii) {
    auto h = std::make_unique<StoreHarness>(std::filesystem::path(), std::move(pii));
    h->dsn_ = std::move(dsn);
    return h;
  }
  // "" or the error, as the gateway logs it.
  std::string open() {
    // A short wait for a connection: the restart tests see the database
    // down within half a second instead of the gateway's default 2 s.
    const pg::PoolOptions pool{16, std::chrono::milliseconds(500), std::chrono::milliseconds(50)};
    auto r = dsn_.empty() ? open_sqlite_store(path_, pii_) : open_postgres_store(dsn_, pii_, pool);
    if (!r) return r.error().message;
    repos = std::move(r.value());
    return {};
  }
  Repositories repos;

  // The answers the API stores under a key (api/error.hpp).
  static IdempotentReplay answer_for(const Error& e) {
    return {http_status_for(e.code), error_body(e)};
  }

  int schema_version() { return repos.db->schema_version(); }
  int64_t writer_full_scan_steps() { return repos.db->writer_full_scan_steps(); }
  uint64_t wal_checkpoints() const { return repos.db->wal_checkpoints(); }
  boost::asio::awaitable<bool> durable() { return repos.db->durable(); }
  void stop_group_commit() { repos.db->stop_group_commit(); }

  // numbers
  void upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                      int64_t generation) {
    std::vector<uint32_t> tags;
    for (const auto& n : items) tags.push_back(vanity_tags(n.msisdn));
    repos.numbers->upsert_numbers(carrier, items, tags, generation);
  }
  void finish_sync(const std::string& carrier, int64_t generation, int64_t now_ms,
                   const std::string& cursor = "") {
    repos.numbers->finish_sync(carrier, generation, now_ms, cursor);
  }
  void save_change_cursor(const std::string& carrier, const std::string& cursor, int64_t now_ms) {
    repos.numbers->save_change_cursor(carrier, cursor, now_ms);
  }
  SyncState sync_state(const std::string& carrier) { return repos.numbers->sync_state(carrier); }
  IndexBuild load_numbers(const std::string& carrier, IndexBuild build) {
    repos.numbers->for_each_number(carrier, [&build](const NumberRow& n) {
      build.add(n.msisdn, n.province, n.city, n.host_network, n.price_fen, n.carrier_grade,
                n.held_here, n.carrier_available);
    });
    return build;
  }
  std::vector<std::string> held_numbers(const std::string& carrier) {
    return repos.numbers->held_numbers(carrier);
  }
  void attach_index(NumberIndex* index) { repos.numbers->set_hold_observer(index); }
  CarrierInventory inventory(const std::string& carrier, bool count_available = true) {
    return repos.numbers->inventory(carrier, count_available);
  }

  // reservations
  Result<Reservation> begin_reservation(const std::string& tenant, const std::string& carrier,
                                        const std::string& msisdn, int64_t now_ms) {
    return cgw::gw::begin_reservation(repos, tenant, carrier, msisdn, now_ms);
  }
  Reservation hold_reservation(const std::string& id, const std::string& lock,
                               int64_t expires_at_ms, int64_t now_ms) {
    return cgw::gw::hold_reservation(repos, id, lock, expires_at_ms, now_ms);
  }
  void abandon_reservation(const std::string& id, int64_t now_ms) {
    cgw::gw::abandon_reservation(repos, id, now_ms);
  }
  std::optional<Reservation> reservation(const std::string& tenant, const std::string& id,
                                         int64_t now_ms) {
    return repos.reservations->get(tenant, id, now_ms);
  }
  void release_reservation(const std::string& id, int64_t now_ms) {
    cgw::gw::release_reservation(repos, id, now_ms);
  }
  bool queue_release(const std::string& id, const std::string& release_to, int64_t now_ms) {
    return cgw::gw::queue_release(repos, id, release_to, now_ms);
  }
  std::vector<Reservation> lease_due_releases(int64_t now_ms, size_t limit, int64_t lease_until) {
    return cgw::gw::lease_due_releases(repos, now_ms, limit, lease_until);
  }
  void finish_release(const std::string& id, int64_t now_ms) {
    cgw::gw::finish_release(repos, id, now_ms);
  }
  void retry_release(const std::string& id, int64_t next_at_ms, const std::string& error) {
    repos.reservations->retry_release(id, next_at_ms, error);
  }
  void note_carrier_lock(const std::string& id, const std::string& lock) {
    repos.reservations->note_carrier_lock(id, lock);
  }
  int64_t expire_reservations(int64_t now_ms) {
    return cgw::gw::expire_reservations(repos, now_ms);
  }
  Recovered recover_interrupted_requests(int64_t now_ms, int64_t grace_ms = 60'000) {
    return cgw::gw::recover_interrupted_requests(repos, now_ms, grace_ms);
  }
  ReservationStart start_reservation(const std::string& tenant, const std::string& key,
                                     const std::string& hash, const std::string& carrier,
                                     const std::string& msisdn, const std::optional<Error>& invalid,
                                     int64_t now_ms, int64_t stale_after_ms = 60'000) {
    std::optional<IdempotentReplay> answer;
    if (invalid) answer = answer_for(*invalid);
    auto start = cgw::gw::start_reservation(repos, {tenant, key, hash, carrier, msisdn}, answer,
                                            answer_for, now_ms, stale_after_ms);
    if (invalid && start.claim.kind == KeyClaim::kNew) start.refused = invalid;
    return start;
  }
  bool hold_reservation_with_key(const std::string& id, const std::string& lock,
                                 int64_t expires_at_ms, int64_t carrier_expires_at_ms,
                                 int64_t now_ms, const std::string& tenant, const std::string& key,
                                 int http_status, const std::string& body) {
    return cgw::gw::hold_reservation_with_key(repos, id, lock, expires_at_ms, carrier_expires_at_ms,
                                              now_ms, tenant, key, {http_status, body});
  }
  void interrupt_reservation_with_key(const std::string& id, int64_t recover_at_ms,
                                      const std::string& tenant, const std::string& key) {
    cgw::gw::interrupt_reservation_with_key(repos, id, recover_at_ms, tenant, key);
  }
  void release_reservation_with_key(const std::string& id, const std::string& lock,
                                    int64_t carrier_expires_at_ms, int64_t now_ms,
                                    const std::string& tenant, const std::string& key) {
    cgw::gw::release_reservation_with_key(repos, id, lock, carrier_expires_at_ms, now_ms, tenant,
                                          key);
  }
  void abandon_reservation_with_key(const std::string& id, int64_t now_ms,
                                    const std::string& tenant, const std::string& key,
                                    int http_status, const std::string& body) {
    std::optional<IdempotentReplay> answer;
    if (http_status < 500) answer = IdempotentReplay{http_status, body};
    cgw::gw::abandon_reservation_with_key(repos, id, now_ms, tenant, key, answer);
  }

  // idempotency keys on their own (each call one transaction)
  KeyClaim claim_idempotency_key(const std::string& tenant, const std::string& key,
                                 const std::string& hash, int64_t now_ms,
                                 int64_t stale_after_ms = 60'000) {
    auto tx = repos.db->begin();
    auto claim = repos.idempotency->claim(*tx, tenant, key, hash, now_ms, stale_after_ms);
    if (claim.kind == KeyClaim::kNew) tx->commit();
    return claim;
  }
  void complete_idempotency_key(const std::string& tenant, const std::string& key, int status,
                                const std::string& body) {
    in_transaction(*repos.db, [&](Tx& tx) {
      repos.idempotency->answer(tx, tenant, key, {status, body});
    });
  }
  void drop_idempotency_key(const std::string& tenant, const std::string& key) {
    in_transaction(*repos.db, [&](Tx& tx) { repos.idempotency->drop(tx, tenant, key); });
  }
  int64_t prune_idempotency_keys(int64_t older_than_ms) {
    return repos.idempotency->prune(older_than_ms);
  }

  // KYC
  Verification save_verification(const std::string& tenant, const std::string& carrier,
                                 const KycVerifyInput& in, const KycVerifyOutput& out,
                                 int64_t now_ms) {
    return repos.verifications->save(tenant, carrier, in, out, now_ms);
  }
  std::optional<Verification> verification(const std::string& tenant, const std::string& id) {
    return repos.verifications->get(tenant, id);
  }
  int64_t count_verifications_for_id_number(const std::string& id_number) {
    return repos.verifications->count_for_id_number(id_number);
  }

  // activations
  Result<std::variant<Activation, IdempotentReplay>> create_activation(const NewActivation& a,
                                                                       int64_t now_ms) {
    return cgw::gw::create_activation(
        repos, a, answer_for,
        [](const Activation& act) {
          return IdempotentReplay{202, boost::json::serialize(boost::json::object{
                                           {"activation_id", act.id}, {"status", "pending"}})};
        },
        now_ms);
  }
  std::optional<Activation> activation(const std::string& tenant, const std::string& id) {
    return repos.activations->get(tenant, id);
  }
  std::optional<Activation> activation_by_id(const std::string& id, bool with_history = true) {
    return repos.activations->by_id(id, with_history);
  }
  std::optional<ActivationSubmission> submission(const std::string& id) {
    return repos.activations->submission(id);
  }
  std::vector<std::string> open_activations() { return repos.activations->open_ids(); }
  bool advance_activation(const std::string& id, const std::string& status,
                          const std::string& cause, int64_t now_ms,
                          const std::string& order_id = {}, const std::string& failure_code = {},
                          const std::string& failure_message = {}) {
    return cgw::gw::advance_activation(repos, id, status, cause, now_ms, order_id, failure_code,
                                       failure_message);
  }
  bool advance_activation(const std::string& id, const StatusChange& change, int64_t now_ms) {
    return cgw::gw::advance_activation(repos, id, change, now_ms);
  }
  void schedule_poll(const std::string& id, int64_t next_ms) {
    repos.activations->schedule_poll(id, next_ms);
  }
  void note_submit_attempt(const std::string& id) { repos.activations->note_submit_attempt(id); }
  ActivationPage list_activations(const std::string& tenant, const std::string& status,
                                  const std::string& cursor, size_t limit) {
    return repos.activations->list(tenant, status, cursor, limit);
  }
  static bool valid_activation_cursor(std::string_view cursor) {
    return cgw::gw::valid_activation_cursor(cursor);
  }
  std::map<std::string, int64_t> unknown_activations_by_carrier() {
    return repos.activations->unknown_by_carrier();
  }
  std::optional<std::string> resolve_unknown_activation(const std::string& tenant,
                                                        const std::string& id,
                                                        const StatusChange& change,
                                                        int64_t now_ms) {
    return cgw::gw::resolve_unknown_activation(repos, tenant, id, change, now_ms);
  }
  bool note_still_unknown(const std::string& id, const std::string& cause, int64_t now_ms) {
    return cgw::gw::note_still_unknown(repos, id, cause, now_ms);
  }
  CallbackApplied apply_callback_event(const std::string& carrier, const std::string& event_id,
                                       const std::string& payload, const std::string& activation_id,
                                       const StatusChange& change, int64_t now_ms) {
    return cgw::gw::apply_callback_event(repos, carrier, event_id, payload, activation_id, change,
                                         now_ms);
  }

  // webhook outbox
  void set_webhook_tenants(std::set<std::string> tenants) {
    repos.outbox->set_webhook_tenants(std::move(tenants));
  }
  std::vector<OutboxEvent> lease_due_webhook_events(int64_t now_ms, size_t limit,
                                                    int64_t lease_until_ms) {
    return repos.outbox->lease_due(now_ms, limit, lease_until_ms);
  }
  void record_webhook_attempt(const std::string& id, const DeliveryAttempt& attempt, bool delivered,
                              int64_t next_ms) {
    repos.outbox->record_attempt(id, attempt, delivered, next_ms);
  }
  std::vector<EventWithAttempts> webhook_events(const std::string& activation_id) {
    return repos.outbox->events_for(activation_id);
  }

  // PII keys
  std::map<std::string, int64_t> pii_key_census() { return repos.pii_keys->census(); }
  PiiRotation rotate_pii(size_t batch_rows,
                         const std::function<bool(const PiiRotation&)>& progress = {}) {
    return repos.pii_keys->rotate(batch_rows, progress);
  }

 private:
  std::filesystem::path path_;
  std::string dsn_;  // not empty: PostgreSQL
  std::shared_ptr<const PiiCipher> pii_;
};

}  // namespace cgw::gw
