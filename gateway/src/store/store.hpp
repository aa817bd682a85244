// The gateway's durable state in SQLite (WAL, synchronous=FULL): synced
// numbers, reservations, KYC verifications (PII encrypted), activations with
// their history, idempotency keys and received callback events.
//
// One writer connection and one reader connection, each used under its own
// mutex; every write that acknowledges something to a client is committed
// before the call returns.
#pragma once

#include "api/error.hpp"
#include "core/pii.hpp"
#include "inventory/number_index.hpp"
#include "store/group_commit.hpp"

#include <cgw/types.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cgw::gw {

namespace db {
class Connection;
}

struct SyncState {
  std::optional<int64_t> last_full_sync_at_ms, last_change_at_ms;
  int64_t generation = 0;
  std::string change_cursor;  // "" : none
};

struct CarrierInventory {
  int64_t available = 0;
  std::optional<int64_t> last_sync_at_ms;
  // Whole seconds since last_sync_at_ms, never negative: how old search
  // results may be (GET /v1/carriers staleness_s, GET /metrics).
  std::optional<int64_t> staleness_s(int64_t now_ms) const {
    if (!last_sync_at_ms) return std::nullopt;
    return std::max<int64_t>(0, (now_ms - *last_sync_at_ms) / 1000);
  }
};

struct Reservation {
  std::string id, tenant, carrier, msisdn, carrier_reservation_id, status;
  int64_t expires_at_ms = 0, created_at_ms = 0;
  // The lock's expiry as the carrier reported it (0: unknown); the status
  // a `releasing` reservation takes once the lock is released; attempts.
  int64_t carrier_expires_at_ms = 0;
  std::string release_to;
  int64_t release_attempts = 0;
};

struct Verification {
  std::string id, tenant, carrier, result;
  std::vector<std::string> reasons;
  std::string id_number_masked, name_masked, carrier_ref;
  int64_t created_at_ms = 0;
};

struct HistoryEntry {
  std::string status, cause;
  int64_t at_ms = 0;
};

struct Activation {
  std::string id, tenant, carrier, msisdn, plan_id, reservation_id, verification_id, status;
  std::string carrier_order_id, failure_code, failure_message;
  int64_t created_at_ms = 0, updated_at_ms = 0, next_poll_at_ms = 0;
  int64_t poll_count = 0;
  int64_t submit_attempts = 0;  // submits started (counted before sending)
  std::vector<HistoryEntry> history;
};

// Everything the carrier needs to submit an activation (decrypted PII).
struct ActivationSubmission {
  Activation activation;
  std::string carrier_reservation_id, name, id_number;
  Delivery delivery;
};

// One forward move of an activation's status, with its cause.
struct StatusChange {
  std::string status, cause, carrier_order_id, failure_code, failure_message;
};

struct NewActivation {
  std::string tenant, idempotency_key, request_hash;
  std::string reservation_id, plan_id, verification_id;
  Delivery delivery;
  // A 422 decided before the store (an unknown plan): stored under the key
  // and returned, unless the key replays an earlier answer.
  std::optional<ApiError> refused;
};

struct IdempotentReplay {
  int http_status = 0;
  std::string body;
};

// One event in the webhook outbox: an activation status change for a
// tenant with a webhook endpoint, and its delivery state.
struct OutboxEvent {
  std::string id, tenant, activation_id, type, payload, status;  // pending|delivered|failed
  int64_t created_at_ms = 0, attempts = 0, next_attempt_at_ms = 0, delivered_at_ms = 0;
};

struct DeliveryAttempt {
  int64_t at_ms = 0;
  int http_status = 0;  // 0: no HTTP answer
  std::string error;    // "" when the endpoint answered 2xx
  int64_t duration_ms = 0;
};

// What an Idempotency-Key means for a request about to run.
struct KeyClaim {
  enum Kind { kNew, kReplay, kMismatch, kInFlight } kind = kNew;
  IdempotentReplay replay;  // kReplay
};

class Store {
 public:
  Store(std::filesystem::path path, PiiCipher pii);
  ~Store();
  // Opens (creating if needed) and migrates. Empty string or the error.
  std::string open();
  int schema_version();

  // --- inventory
  // Upserts one page; returns the rows written.
  void upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                      int64_t sync_generation);
  // After a complete full sync: drops numbers the carrier no longer lists
  // and keeps the change position taken at its start ("" : no change feed).
  void finish_sync(const std::string& carrier, int64_t sync_generation, int64_t now_ms,
                   const std::string& change_cursor = "");
  // After a good incremental sync.
  void save_change_cursor(const std::string& carrier, const std::string& change_cursor,
                          int64_t now_ms);
  SyncState sync_state(const std::string& carrier);
  // Adds `carrier`'s stored numbers to a search index build.
  IndexBuild load_numbers(const std::string& carrier, IndexBuild build);
  // Numbers reserved or sold through cgw (hidden from search).
  std::vector<std::string> held_numbers(const std::string& carrier);
  // True once every commit made so far is on disk (group commit): await it
  // before acknowledging a change to a client or a carrier.
  boost::asio::awaitable<bool> durable();
  // Shutdown, once no I/O thread runs: the flush thread answers every
  // durability wait now (posting to the waiters' executors) and stops;
  // later waits answer at once.
  void stop_group_commit() {
    if (group_) group_->stop();
  }
  // Rows the writer's statements have stepped through in full scans so far
  // (tests: the request paths must not scan a growing table).
  int64_t writer_full_scan_steps();
  // Background WAL checkpoints done so far (tests).
  uint64_t wal_checkpoints() const { return checkpointer_ ? checkpointer_->checkpoints() : 0; }
  // Holds (reserved, sold, released) reach `index` as their transactions commit.
  void attach_index(NumberIndex* index) { index_ = index; }
  // `count_available`: count with a table scan (the search index counts for free).
  CarrierInventory inventory(const std::string& carrier, bool count_available = true);

  // --- reservations
  // Claims the number for a new pending reservation; NUMBER_UNAVAILABLE when
  // it is already held or sold through the gateway.
  ApiResult<Reservation> begin_reservation(const std::string& tenant, const std::string& carrier,
                                           const std::string& msisdn, int64_t now_ms);
  Reservation hold_reservation(const std::string& id, const std::string& carrier_reservation_id,
                               int64_t expires_at_ms, int64_t now_ms);
  void abandon_reservation(const std::string& id, int64_t now_ms);
  std::optional<Reservation> reservation(const std::string& tenant, const std::string& id,
                                         int64_t now_ms);
  void release_reservation(const std::string& id, int64_t now_ms);

  // --- carrier lock releases (store_releases.cpp; docs/reliability.md
  // "Carrier locks"). A durable queue on the reservations table: a row is
  // due when next_release_at <= now.
  // Ends a live reservation while the carrier may still hold its lock: it
  // shows `releasing` until finish_release, then `release_to`. False when
  // the reservation is not live (nothing changed).
  bool queue_release(const std::string& id, const std::string& release_to, int64_t now_ms);
  // Leases up to `limit` due rows until `lease_until_ms` (a crash mid-
  // release lets them come due again). An interrupted `pending` row that
  // is due is first turned `releasing` (to `failed`): no retry can adopt it
  // any more.
  std::vector<Reservation> lease_due_releases(int64_t now_ms, size_t limit, int64_t lease_until_ms);
  // The carrier confirmed the release, or the lock expired by itself: the
  // reservation takes its `release_to` status and the number is shown again.
  void finish_release(const std::string& id, int64_t now_ms);
  // One more failed attempt; tried again at `next_at_ms`.
  void retry_release(const std::string& id, int64_t next_at_ms, const std::string& error);
  // The lock id found for a row that had none (an interrupted reservation).
  void note_carrier_lock(const std::string& id, const std::string& carrier_reservation_id);

  // --- KYC
  Verification save_verification(const std::string& tenant, const std::string& carrier,
                                 const KycVerifyInput& input, const KycVerifyOutput& outcome,
                                 int64_t now_ms);
  std::optional<Verification> verification(const std::string& tenant, const std::string& id);

  // --- activations
  // Validates and creates atomically, with the idempotency record. Returns
  // the stored response for a replay of the same key and body.
  ApiResult<std::variant<Activation, IdempotentReplay>> create_activation(const NewActivation& a,
                                                                          int64_t now_ms);
  std::optional<Activation> activation(const std::string& tenant, const std::string& id);
  // `with_history`: false leaves `history` empty (one query less).
  std::optional<Activation> activation_by_id(const std::string& id, bool with_history = true);
  std::optional<ActivationSubmission> submission(const std::string& id);
  // Ids of every activation that is not final (work to resume).
  std::vector<std::string> open_activations();
  // Moves status forward only; returns false when the transition would go
  // backwards or sideways (it is then ignored). Writes history.
  bool advance_activation(const std::string& id, const std::string& status,
                          const std::string& cause, int64_t now_ms,
                          const std::string& carrier_order_id = {},
                          const std::string& failure_code = {},
                          const std::string& failure_message = {});
  bool advance_activation(const std::string& id, const StatusChange& change, int64_t now_ms);
  void schedule_poll(const std::string& id, int64_t next_poll_at_ms);
  // Counted durably before each submit is sent: after a crash, a pending
  // order with attempts may have reached the carrier and is resolved by a
  // query first (see ActivationEngine).
  void note_submit_attempt(const std::string& id);

  // --- activations whose submit outcome is unknown (docs/reliability.md,
  // "Unknown outcomes"). A page of the tenant's activations in `status`, one
  // of the open statuses (pending, submitted, unknown: an index serves
  // them), oldest first, after `cursor` (a previous page's next_cursor, ""
  // for the first page); next_cursor is "" on the last page.
  struct ActivationPage {
    std::vector<Activation> items;
    std::string next_cursor;
  };
  ActivationPage list_activations(const std::string& tenant, const std::string& status,
                                  const std::string& cursor, size_t limit);
  // "<created_at ms>.<activation id>", the form of next_cursor.
  static bool valid_activation_cursor(std::string_view cursor);
  // How many activations are `unknown`, per carrier (carriers with none
  // are absent).
  std::map<std::string, int64_t> unknown_activations_by_carrier();
  // An operator's decision on an `unknown` activation of `tenant`, applied
  // in one transaction with the check that it is still unknown (history,
  // webhook event). Returns the status the activation had before (when it
  // was not `unknown`, nothing was written), nullopt for no such activation.
  std::optional<std::string> resolve_unknown_activation(const std::string& tenant,
                                                        const std::string& id,
                                                        const StatusChange& change, int64_t now_ms);
  // Records why an activation stays `unknown` (a history line with the same
  // status; nothing else changes). False when it is no longer unknown.
  bool note_still_unknown(const std::string& id, const std::string& cause, int64_t now_ms);

  // --- after a restart: requests that were in flight in the previous
  // process died with it. Frees their Idempotency-Keys and fails their
  // half-made (pending) reservations. Single-instance store only.
  // Interrupted (pending) reservations are not failed blindly: they stay
  // pending for `grace_ms`, for a retry of their Idempotency-Key to adopt
  // the carrier lock the first attempt may have taken, and are then
  // recovered through the release queue (the carrier lock found and
  // released).
  struct Recovered {
    int64_t keys = 0, reservations = 0;
  };
  Recovered recover_interrupted_requests(int64_t now_ms, int64_t grace_ms = 60'000);

  // --- webhook outbox. Every activation status change of a tenant named
  // here writes an event in the same transaction as the change. Set once
  // at start, before any request.
  void set_webhook_tenants(std::set<std::string> tenants) { webhook_tenants_ = std::move(tenants); }
  // Leases up to `limit` due events until `lease_until_ms` (a crash mid-
  // delivery lets them come due again) and returns them.
  std::vector<OutboxEvent> lease_due_webhook_events(int64_t now_ms, size_t limit,
                                                    int64_t lease_until_ms);
  // Records one attempt. `delivered`, else the next attempt at
  // `next_attempt_at_ms`, or given up (`failed`) when that is 0.
  void record_webhook_attempt(const std::string& event_id, const DeliveryAttempt& attempt,
                              bool delivered, int64_t next_attempt_at_ms);
  struct EventWithAttempts {
    OutboxEvent event;
    std::vector<DeliveryAttempt> attempts;
  };
  std::vector<EventWithAttempts> webhook_events(const std::string& activation_id);

  // --- POST /v1/reservations in two transactions: the Idempotency-Key and
  // the number are claimed together before the carrier call, and the hold
  // and the key's stored answer are written together after it.
  struct ReservationStart {
    KeyClaim claim;                          // kNew: the key is now this request's
    std::optional<Reservation> reservation;  // kNew: the number is claimed (pending)
    std::optional<ApiError> refused;         // kNew: refused, stored under the key
  };
  // Claims the key (see claim_idempotency_key). When it is new: `invalid`
  // (a request refused before any work) is stored as its answer; otherwise
  // the number is claimed for a new pending reservation, or, when it is
  // already held or sold, NUMBER_UNAVAILABLE is stored as the answer.
  // A pending reservation made earlier under the same key (an attempt
  // interrupted by a crash or an unknown carrier outcome) is adopted: it is
  // returned as `reservation`, to be reserved again at the carrier under
  // the same gateway reservation id. One of the same key still `releasing`
  // is refused 503 (retryable, not stored).
  ReservationStart start_reservation(const std::string& tenant, const std::string& key,
                                     const std::string& request_hash, const std::string& carrier,
                                     const std::string& msisdn,
                                     const std::optional<ApiError>& invalid, int64_t now_ms,
                                     int64_t stale_after_ms = 60'000);
  // The reservation held and the response stored under its key. False
  // when it was no longer pending (recovered meanwhile): nothing stored.
  bool hold_reservation_with_key(const std::string& id, const std::string& carrier_reservation_id,
                                 int64_t expires_at_ms, int64_t carrier_expires_at_ms,
                                 int64_t now_ms, const std::string& tenant, const std::string& key,
                                 int http_status, const std::string& body);
  // The carrier's answer is unknown (timeout, broken connection): it may
  // hold the lock. The reservation stays pending for a retry of the key to
  // adopt until `recover_at_ms`, then is recovered; the key is freed.
  void interrupt_reservation_with_key(const std::string& id, int64_t recover_at_ms,
                                      const std::string& tenant, const std::string& key);
  // The carrier took the lock but the gateway cannot keep it (a broken
  // reply): the lock is queued for release and the key freed.
  void release_reservation_with_key(const std::string& id,
                                    const std::string& carrier_reservation_id,
                                    int64_t carrier_expires_at_ms, int64_t now_ms,
                                    const std::string& tenant, const std::string& key);
  // The reservation failed and its key completed with the error response,
  // or dropped for a retryable one (5xx: the same key may try again).
  void abandon_reservation_with_key(const std::string& id, int64_t now_ms,
                                    const std::string& tenant, const std::string& key,
                                    int http_status, const std::string& body);

  // --- idempotency keys for requests that call a carrier (reservations):
  // claim before the work, complete with the response after it. A claim
  // left in flight longer than `stale_after_ms` (a crash) may be retaken.
  KeyClaim claim_idempotency_key(const std::string& tenant, const std::string& key,
                                 const std::string& request_hash, int64_t now_ms,
                                 int64_t stale_after_ms = 60'000);
  void complete_idempotency_key(const std::string& tenant, const std::string& key, int http_status,
                                const std::string& body);
  void drop_idempotency_key(const std::string& tenant, const std::string& key);

  // --- callbacks. Records the event by (carrier, event id) and applies its
  // change to the activation in one transaction: a duplicate changes
  // nothing, and the carrier is acknowledged only after this returns.
  struct CallbackApplied {
    bool fresh = false;      // false: a duplicate event
    bool advanced = false;   // the activation's status moved
    bool id_reused = false;  // the event id was seen before with another event
  };
  CallbackApplied apply_callback_event(const std::string& carrier, const std::string& event_id,
                                       const std::string& payload, const std::string& activation_id,
                                       const StatusChange& change, int64_t now_ms);

  // --- housekeeping: expires held reservations past their time (the number
  // shows in search again) and prunes idempotency keys older than
  // `keep_keys_ms`. Returns the reservations expired.
  int64_t expire_reservations(int64_t now_ms);
  int64_t prune_idempotency_keys(int64_t older_than_ms);

  // --- PII keys (store_pii.cpp, docs/security.md "Key rotation").
  // How many sealed values name each key id, over every sealed column
  // ("" for a value without one). One scan of verifications and activations.
  std::map<std::string, int64_t> pii_key_census();
  struct PiiRotation {
    // Key ids (with their value counts) that the keyring does not know. Not
    // empty: the rotation refused and changed nothing.
    std::map<std::string, int64_t> unknown_keys;
    int64_t rows_total = 0;         // rows with a value not under the current key, at the start
    int64_t rows_done = 0;          // re-sealed and committed so far
    int64_t values_resealed = 0;    // sealed values rewritten
    int64_t hashes_recomputed = 0;  // ID-number lookup hashes rewritten
    // "verifications/<id>" or "activations/<id>": a value under a known key
    // that does not open (altered). Left as it is; the rotation goes on.
    std::vector<std::string> unreadable;
    bool stopped = false;  // `progress` returned false
  };
  // Re-seals every value that is not under the current key, `batch_rows`
  // rows per transaction, and recomputes the lookup hash of every ID number
  // it re-seals (the hash follows the key: see pii.hpp). Rows already under
  // the current key are not touched, so a re-run after an interruption goes
  // on where it stopped and a complete rotation re-run is a no-op. Calls
  // `progress` after each commit; returning false stops there.
  PiiRotation rotate_pii(size_t batch_rows,
                         const std::function<bool(const PiiRotation&)>& progress = {});
  // Verifications made for this ID number, any tenant or carrier: the
  // equality lookup behind per-ID checks. It matches the hash under every
  // configured key, so rows a rotation has not reached yet still count.
  int64_t count_verifications_for_id_number(const std::string& id_number);

 private:
  void migrate();
  // Inside the caller's transaction (write_mu_ held).
  KeyClaim claim_key_in_tx(const std::string& tenant, const std::string& key,
                           const std::string& request_hash, int64_t now_ms, int64_t stale_after_ms);
  void answer_key_in_tx(const std::string& tenant, const std::string& key, int http_status,
                        const std::string& body);
  ApiResult<Reservation> begin_reservation_in_tx(const std::string& tenant,
                                                 const std::string& carrier,
                                                 const std::string& msisdn, int64_t now_ms,
                                                 const std::string& key = {});
  bool queue_release_in_tx(const std::string& id, const std::string& release_to, int64_t now_ms);
  // Held reservations past their expiry: `expired`, or `releasing` (to
  // expired) when the carrier's lock outlives the gateway's. Optionally
  // only those of one number.
  int64_t expire_held_in_tx(int64_t now_ms, const std::string* carrier = nullptr,
                            const std::string* msisdn = nullptr);
  void abandon_reservation_in_tx(const std::string& id, int64_t now_ms);
  bool advance_in_tx(const std::string& id, const StatusChange& change, int64_t now_ms);
  // Writes the outbox event for the activation's status just changed from
  // `previous` (inside the caller's transaction).
  void enqueue_status_event(const std::string& activation_id, const std::string& previous,
                            const std::string& cause, int64_t now_ms);
  // Opens a sealed value of `row_id` ("<row>/<field>"); when it does not
  // open, logs why (a key id not configured, an altered row) and returns
  // nullopt (store_pii.cpp).
  std::optional<std::string> open_pii(const std::string& sealed, const std::string& row_id) const;
  std::filesystem::path path_;
  PiiCipher pii_;
  std::mutex write_mu_, read_mu_;
  std::unique_ptr<db::Connection> writer_, reader_;
  std::set<std::string> webhook_tenants_;
  // Sets numbers.local_hold (0 shown, 1 reserved, 2 sold) inside the
  // caller's transaction; the index hears of it when that commits.
  void set_local_hold(const std::string& carrier, const std::string& msisdn, int hold);
  static int on_commit(void* self);
  static void on_rollback(void* self);
  struct HoldChange {
    std::string carrier, msisdn;
    bool hidden;
  };
  std::vector<HoldChange> pending_holds_;  // write_mu_
  NumberIndex* index_ = nullptr;
  std::atomic<uint64_t> commits_{0};    // counted by the commit hook
  std::unique_ptr<GroupCommit> group_;  // after writer_: stops before it closes
  // WAL checkpoints off the request threads (group_commit.hpp).
  static int on_wal(void* self, sqlite3* db, const char* name, int frames);
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

// Final activation statuses.
bool is_final_status(const std::string& status);

}  // namespace cgw::gw
