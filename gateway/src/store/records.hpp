// The rows the repositories read and write, as plain values shared by every
// backend (store/sqlite/ today): no SQL, no HTTP.
#pragma once

#include "core/error.hpp"

#include <cgw/types.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cgw::gw {

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

// A number of one carrier's inventory.
struct NumberKey {
  std::string carrier, msisdn;
};

// Whether a number is held through the gateway (numbers.local_hold): held
// numbers are hidden from search at once, whatever the carrier lists.
enum class LocalHold : int { kShown = 0, kReserved = 1, kSold = 2 };

// One stored number, as the search index is built from it. The views are
// valid only during the callback that receives the row.
struct NumberRow {
  std::string_view msisdn, province, city, host_network;  // host "" : the carrier's own
  int64_t price_fen = 0;
  std::optional<int64_t> carrier_grade;
  bool held_here = false;
  bool carrier_available = true;
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
  // What the carrier reported with the move, as a JSON object ("" for
  // nothing): courier and waybill with shipped, amount_fen with first_topup.
  std::string detail = {};
};

struct Activation {
  std::string id, tenant, carrier, msisdn, plan_id, reservation_id, verification_id, status;
  std::string carrier_order_id, failure_code, failure_message;
  // The plugin's opaque per-order data (docs/sdk.md 10.6), handed back on
  // every later operation for the order; "" for none.
  std::string plugin_data;
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
  std::string status, cause;
  std::string carrier_order_id = {}, failure_code = {}, failure_message = {};
  // New plugin data for the order, kept even when the status does not
  // move; nullopt leaves the stored data as it is.
  std::optional<std::string> plugin_data = std::nullopt;
  // HistoryEntry::detail of the move.
  std::string detail = {};
};

// The answer stored under an Idempotency-Key and replayed for a retry: the
// caller's HTTP status and body, kept as given.
struct IdempotentReplay {
  int http_status = 0;
  std::string body;
};

struct NewActivation {
  std::string tenant, idempotency_key, request_hash;
  std::string reservation_id, plan_id, verification_id;
  Delivery delivery;
  // A refusal decided before the store (an unknown plan): stored under the
  // key and returned, unless the key replays an earlier answer.
  std::optional<Error> refused;
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

struct EventWithAttempts {
  OutboxEvent event;
  std::vector<DeliveryAttempt> attempts;
};

// What an Idempotency-Key means for a request about to run.
struct KeyClaim {
  enum Kind { kNew, kReplay, kMismatch, kInFlight } kind = kNew;
  IdempotentReplay replay;  // kReplay
};

// Final activation statuses: first_topup, failed, cancelled, returned.
bool is_final_status(const std::string& status);
// Activated or final: the engine stops driving the order (a first top-up
// arrives by callback; docs/after-sales.md).
bool is_settled_status(const std::string& status);
// The order of the lifecycle (core/activation_status.hpp); -1 for a word
// that is not a status.
int activation_rank(const std::string& status);
// Whether an order in `from` may move to `to`: forward along the lifecycle,
// or to an ending (failed, cancelled, returned) before it is activated.
bool activation_moves_forward(const std::string& from, const std::string& to);

}  // namespace cgw::gw
