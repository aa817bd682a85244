// Operations that change several aggregates atomically: each runs in ONE
// transaction of the shared Database, through the repositories' `Tx&`
// functions, so every backend keeps the same guarantees and the same number
// of transactions per request (docs/benchmarks.md). The rules that are not
// SQL (status only moves forward, which refusals are stored under a key)
// live here, once for every backend.
#pragma once

#include "store/repositories.hpp"

#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace cgw::gw {

// How the caller would answer a refusal: stored under the request's
// Idempotency-Key (the store keeps answers, it does not write them).
using AnswerFor = std::function<IdempotentReplay(const Error&)>;

// --- reservations

// Claims the number for a new pending reservation; kNumberUnavailable when
// it is already held or sold through the gateway.
Result<Reservation> begin_reservation(Repositories& r, const std::string& tenant,
                                      const std::string& carrier, const std::string& msisdn,
                                      int64_t now_ms);
// Unconditional hold (tests and tools).
Reservation hold_reservation(Repositories& r, const std::string& id,
                             const std::string& carrier_reservation_id, int64_t expires_at_ms,
                             int64_t now_ms);
void abandon_reservation(Repositories& r, const std::string& id, int64_t now_ms);
void release_reservation(Repositories& r, const std::string& id, int64_t now_ms);
bool queue_release(Repositories& r, const std::string& id, const std::string& release_to,
                   int64_t now_ms);
std::vector<Reservation> lease_due_releases(Repositories& r, int64_t now_ms, size_t limit,
                                            int64_t lease_until_ms);
// The carrier confirmed the release, or the lock expired by itself: the
// reservation takes its `release_to` status and the number is shown again.
void finish_release(Repositories& r, const std::string& id, int64_t now_ms);
// Expires held reservations past their time. Returns how many.
int64_t expire_reservations(Repositories& r, int64_t now_ms);

// POST /v1/reservations in two transactions: the Idempotency-Key and the
// number are claimed together before the carrier call, and the hold and the
// key's stored answer are written together after it.
struct ReservationRequest {
  std::string tenant, key, request_hash, carrier, msisdn;
};
struct ReservationStart {
  KeyClaim claim;                          // kNew: the key is now this request's
  std::optional<Reservation> reservation;  // kNew: the number is claimed (pending)
  std::optional<Error> refused;            // kNew: refused by the store
};
// Claims the key. When it is new: `invalid` (the answer to a request refused
// before any work) is stored as its answer; otherwise the number is claimed
// for a new pending reservation, or, when it is already held or sold,
// kNumberUnavailable is refused and stored (answer_for). A pending
// reservation made earlier under the same key (an attempt interrupted by a
// crash or an unknown carrier outcome) is adopted: returned as
// `reservation`, to be reserved again at the carrier under the same gateway
// reservation id. One of the same key still `releasing` is refused
// kCarrierUnavailable, retryable: the key is freed, nothing stored.
ReservationStart start_reservation(Repositories& r, const ReservationRequest& req,
                                   const std::optional<IdempotentReplay>& invalid,
                                   const AnswerFor& answer_for, int64_t now_ms,
                                   int64_t stale_after_ms = 60'000);
// The reservation held and `answer` stored under its key. False when it
// was no longer pending (recovered meanwhile): the lock is noted for the
// release, the key freed, nothing stored.
bool hold_reservation_with_key(Repositories& r, const std::string& id,
                               const std::string& carrier_reservation_id, int64_t expires_at_ms,
                               int64_t carrier_expires_at_ms, int64_t now_ms,
                               const std::string& tenant, const std::string& key,
                               const IdempotentReplay& answer);
// The carrier's answer is unknown (timeout, broken connection): it may
// hold the lock. The reservation stays pending for a retry of the key to
// adopt until `recover_at_ms`, then is recovered; the key is freed.
void interrupt_reservation_with_key(Repositories& r, const std::string& id, int64_t recover_at_ms,
                                    const std::string& tenant, const std::string& key);
// The carrier took the lock but the gateway cannot keep it (a broken
// reply): the lock is queued for release and the key freed.
void release_reservation_with_key(Repositories& r, const std::string& id,
                                  const std::string& carrier_reservation_id,
                                  int64_t carrier_expires_at_ms, int64_t now_ms,
                                  const std::string& tenant, const std::string& key);
// The reservation failed; its key keeps `answer`, or is freed when there is
// none (a retryable failure: the same key may try again).
void abandon_reservation_with_key(Repositories& r, const std::string& id, int64_t now_ms,
                                  const std::string& tenant, const std::string& key,
                                  const std::optional<IdempotentReplay>& answer);

// Requests that were in flight in a process that is gone died with it.
// Frees their Idempotency-Keys; their half-made (pending) reservations
// stay pending for `grace_ms`, for a retry of the key to adopt the lock the
// first attempt may have taken, and are then recovered through the release
// queue. On SQLite "gone" is the previous process (called once, at start);
// on PostgreSQL it is every instance whose heartbeat expired, and this
// instance also adopts their open activations (`activations`, to drive:
// the engine queries a submit they may have sent before sending it again).
// Rows of live instances are never touched.
struct Recovered {
  int64_t keys = 0, reservations = 0;
  std::vector<std::string> activations;
};
Recovered recover_interrupted_requests(Repositories& r, int64_t now_ms, int64_t grace_ms = 60'000);

// --- activations

// Validates and creates atomically, with the idempotency record (the
// reservation consumed, the history's first line, the webhook event).
// Returns the stored answer for a replay of the same key and body;
// kIdempotencyKeyReused (not stored) for another body under the key,
// kIdempotencyKeyInUse while a request with it runs. Refusals (the
// caller's `refused`, a verification or reservation not usable) are stored
// under the key as answer_for gives them; `accepted` is stored for the new
// activation.
using AcceptedAnswer = std::function<IdempotentReplay(const Activation&)>;
Result<std::variant<Activation, IdempotentReplay>> create_activation(Repositories& r,
                                                                     const NewActivation& a,
                                                                     const AnswerFor& answer_for,
                                                                     const AcceptedAnswer& accepted,
                                                                     int64_t now_ms);
// Moves status forward only; false when the change would go backwards or
// sideways (ignored; a late carrier order id is still kept). Writes history
// and the webhook event; `activated` marks the number sold, `failed` queues
// the reservation's lock for release.
bool advance_activation(Repositories& r, const std::string& id, const StatusChange& change,
                        int64_t now_ms);
bool advance_activation(Repositories& r, const std::string& id, const std::string& status,
                        const std::string& cause, int64_t now_ms,
                        const std::string& carrier_order_id = {},
                        const std::string& failure_code = {},
                        const std::string& failure_message = {});
// advance_activation inside the caller's transaction.
bool advance_activation(Repositories& r, Tx& tx, const std::string& id, const StatusChange& change,
                        int64_t now_ms);

// Cancels an activation of `tenant` that was never sent to its carrier
// (pending, no submit attempt counted), in one transaction: the engine's
// note_submit_attempt then refuses to send it. Returns the status it had
// (when it was not such an order, nothing was written), nullopt for no
// such activation.
std::optional<std::string> cancel_unsent_activation(Repositories& r, const std::string& tenant,
                                                    const std::string& id, const std::string& cause,
                                                    int64_t now_ms);

// Records the callback event by (carrier, event id) and applies its change
// to the activation (none when `activation_id` is empty) in one
// transaction: a duplicate changes nothing, and the carrier is acknowledged
// only after this returns (and the commit is durable).
struct CallbackApplied {
  bool fresh = false;      // false: a duplicate event
  bool advanced = false;   // the activation's status moved
  bool id_reused = false;  // the event id was seen before with another event
};
CallbackApplied apply_callback_event(Repositories& r, const std::string& carrier,
                                     const std::string& event_id, const std::string& payload,
                                     const std::string& activation_id, const StatusChange& change,
                                     int64_t now_ms);
// An operator's decision on an `unknown` activation of `tenant`, applied in
// one transaction with the check that it is still unknown. Returns the
// status it had before (when not `unknown`, nothing was written), nullopt
// for no such activation. The activation becomes this instance's (it
// follows it up; store/fleet_repository.hpp).
std::optional<std::string> resolve_unknown_activation(Repositories& r, const std::string& tenant,
                                                      const std::string& id,
                                                      const StatusChange& change, int64_t now_ms);
// Records why an activation stays `unknown` (a history line with the same
// status). False when it is no longer unknown.
bool note_still_unknown(Repositories& r, const std::string& id, const std::string& cause,
                        int64_t now_ms);

}  // namespace cgw::gw
