#include "store/operations.hpp"

#include "cgw/common/crypto.hpp"
#include "core/activation_status.hpp"
#include "core/reservation_status.hpp"
#include "core/verification_status.hpp"

#include <cstdint>

namespace cgw::gw {

// Shared by every backend's ActivationRepository::list.
bool valid_activation_cursor(std::string_view cursor) {
  const auto dot = cursor.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 18) return false;
  for (char ch : cursor.substr(0, dot))
    if (ch < '0' || ch > '9') return false;
  const auto id = cursor.substr(dot + 1);
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  return true;
}

namespace {
constexpr int kEndingRank = 100;  // failed, cancelled, returned
}  // namespace

bool is_final_status(const std::string& s) {
  return s == activation::kFirstTopup || s == activation::kFailed || s == activation::kCancelled ||
         s == activation::kReturned;
}

bool is_settled_status(const std::string& s) {
  return s == activation::kActivated || is_final_status(s);
}

int activation_rank(const std::string& s) {
  // The lifecycle's order; the three endings rank after every step they
  // can end (see moves_forward).
  static constexpr const char* kOrder[] = {activation::kPending,   activation::kUnknown,
                                           activation::kSubmitted, activation::kReviewing,
                                           activation::kShipped,   activation::kDelivered,
                                           activation::kActivated, activation::kFirstTopup};
  for (int i = 0; i < int(std::size(kOrder)); ++i)
    if (s == kOrder[i]) return i;
  if (s == activation::kFailed || s == activation::kCancelled || s == activation::kReturned)
    return kEndingRank;
  return -1;
}

bool activation_moves_forward(const std::string& from, const std::string& to) {
  const int f = activation_rank(from), t = activation_rank(to);
  if (f < 0 || t < 0 || is_final_status(from)) return false;
  // An order that is open ends in failed, cancelled or returned; an
  // activated line does not (a later carrier report of such an ending is a
  // stale or contradictory event, kept out).
  if (t == kEndingRank) return from != activation::kActivated;
  return t > f;
}

namespace {

void show(Repositories& r, Tx& tx, const std::optional<NumberKey>& n) {
  if (n) r.numbers->set_local_hold(tx, *n, LocalHold::kShown);
}

// A hold that has run out frees the number before a new claim (unless the
// carrier's lock outlives it: then it is released first).
Result<Reservation> claim_number(Repositories& r, Tx& tx, const std::string& tenant,
                                 const std::string& carrier, const std::string& msisdn,
                                 const std::string& key, int64_t now_ms) {
  const NumberKey number{carrier, msisdn};
  for (const auto& n : r.reservations->expire_held(tx, now_ms, &number).freed)
    r.numbers->set_local_hold(tx, n, LocalHold::kShown);
  auto res = r.reservations->insert_pending(tx, tenant, carrier, msisdn, key, now_ms);
  if (res) r.numbers->set_local_hold(tx, number, LocalHold::kReserved);
  return res;
}

}  // namespace

Result<Reservation> begin_reservation(Repositories& r, const std::string& tenant,
                                      const std::string& carrier, const std::string& msisdn,
                                      int64_t now_ms) {
  // A refused claim wrote nothing but the expiry of a stale hold: committed.
  return in_transaction(
      *r.db, [&](Tx& tx) { return claim_number(r, tx, tenant, carrier, msisdn, {}, now_ms); });
}

Reservation hold_reservation(Repositories& r, const std::string& id,
                             const std::string& carrier_reservation_id, int64_t expires_at_ms,
                             int64_t now_ms) {
  return in_transaction(*r.db, [&](Tx& tx) {
    return r.reservations->force_hold(tx, id, carrier_reservation_id, expires_at_ms, now_ms);
  });
}

void abandon_reservation(Repositories& r, const std::string& id, int64_t now_ms) {
  in_transaction(*r.db, [&](Tx& tx) { show(r, tx, r.reservations->fail(tx, id, now_ms)); });
}

void release_reservation(Repositories& r, const std::string& id, int64_t now_ms) {
  in_transaction(*r.db, [&](Tx& tx) { show(r, tx, r.reservations->release(tx, id, now_ms)); });
}

bool queue_release(Repositories& r, const std::string& id, const std::string& release_to,
                   int64_t now_ms) {
  return in_transaction(
      *r.db, [&](Tx& tx) { return r.reservations->queue_release(tx, id, release_to, now_ms); });
}

std::vector<Reservation> lease_due_releases(Repositories& r, int64_t now_ms, size_t limit,
                                            int64_t lease_until_ms) {
  return in_transaction(*r.db, [&](Tx& tx) {
    return r.reservations->lease_due_releases(tx, now_ms, limit, lease_until_ms);
  });
}

void finish_release(Repositories& r, const std::string& id, int64_t now_ms) {
  in_transaction(*r.db,
                 [&](Tx& tx) { show(r, tx, r.reservations->finish_release(tx, id, now_ms)); });
}

int64_t expire_reservations(Repositories& r, int64_t now_ms) {
  return in_transaction(*r.db, [&](Tx& tx) {
    auto expired = r.reservations->expire_held(tx, now_ms);
    for (const auto& n : expired.freed) r.numbers->set_local_hold(tx, n, LocalHold::kShown);
    return expired.count;
  });
}

ReservationStart start_reservation(Repositories& r, const ReservationRequest& req,
                                   const std::optional<IdempotentReplay>& invalid,
                                   const AnswerFor& answer_for, int64_t now_ms,
                                   int64_t stale_after_ms) {
  auto tx = r.db->begin();
  ReservationStart start;
  start.claim =
      r.idempotency->claim(*tx, req.tenant, req.key, req.request_hash, now_ms, stale_after_ms);
  if (start.claim.kind != KeyClaim::kNew) return start;  // nothing written: rolled back
  if (invalid) {
    // A request refused before any work: its answer is final for the key.
    r.idempotency->answer(*tx, req.tenant, req.key, *invalid);
    tx->commit();
    return start;
  }
  auto claimed = claim_number(r, *tx, req.tenant, req.carrier, req.msisdn, req.key, now_ms);
  if (claimed) {
    start.reservation = std::move(claimed.value());
  } else {
    start.refused = claimed.error();
    // The number's live claim may be this key's own earlier attempt.
    if (auto mine =
            r.reservations->live_by_key(*tx, req.carrier, req.msisdn, req.tenant, req.key)) {
      if (mine->status == reservation::kPending) {
        r.reservations->adopt(*tx, mine->id, now_ms);
        start.refused.reset();
        start.reservation = std::move(*mine);
      } else if (mine->status == reservation::kReleasing) {
        start.refused = make_error(code::kCarrierUnavailable,
                                   "the carrier lock of an earlier attempt with this key is being "
                                   "released; retry",
                                   true);
      }
    }
  }
  if (start.refused) {
    if (start.refused->retryable)
      r.idempotency->drop(*tx, req.tenant, req.key);  // the same request may run again
    else
      r.idempotency->answer(*tx, req.tenant, req.key, answer_for(*start.refused));
  }
  tx->commit();
  return start;
}

bool hold_reservation_with_key(Repositories& r, const std::string& id,
                               const std::string& carrier_reservation_id, int64_t expires_at_ms,
                               int64_t carrier_expires_at_ms, int64_t now_ms,
                               const std::string& tenant, const std::string& key,
                               const IdempotentReplay& answer) {
  return in_transaction(*r.db, [&](Tx& tx) {
    if (!r.reservations->hold(tx, id, carrier_reservation_id, expires_at_ms, carrier_expires_at_ms,
                              now_ms)) {
      // Recovered while the carrier answered: the recovery releases this lock.
      r.reservations->set_lock(tx, id, carrier_reservation_id, carrier_expires_at_ms, true);
      r.idempotency->drop(tx, tenant, key);
      return false;
    }
    r.idempotency->answer(tx, tenant, key, answer);
    return true;
  });
}

void interrupt_reservation_with_key(Repositories& r, const std::string& id, int64_t recover_at_ms,
                                    const std::string& tenant, const std::string& key) {
  in_transaction(*r.db, [&](Tx& tx) {
    r.reservations->schedule_recovery(tx, id, recover_at_ms);
    r.idempotency->drop(tx, tenant, key);
  });
}

void release_reservation_with_key(Repositories& r, const std::string& id,
                                  const std::string& carrier_reservation_id,
                                  int64_t carrier_expires_at_ms, int64_t now_ms,
                                  const std::string& tenant, const std::string& key) {
  in_transaction(*r.db, [&](Tx& tx) {
    r.reservations->set_lock(tx, id, carrier_reservation_id, carrier_expires_at_ms, false);
    r.reservations->queue_release(tx, id, reservation::kFailed, now_ms);
    r.idempotency->drop(tx, tenant, key);
  });
}

void abandon_reservation_with_key(Repositories& r, const std::string& id, int64_t now_ms,
                                  const std::string& tenant, const std::string& key,
                                  const std::optional<IdempotentReplay>& answer) {
  in_transaction(*r.db, [&](Tx& tx) {
    show(r, tx, r.reservations->fail(tx, id, now_ms));
    if (answer)
      r.idempotency->answer(tx, tenant, key, *answer);
    else
      r.idempotency->drop(tx, tenant, key);
  });
}

Recovered recover_interrupted_requests(Repositories& r, int64_t now_ms, int64_t grace_ms) {
  return in_transaction(*r.db, [&](Tx& tx) {
    Recovered rec;
    rec.keys = r.idempotency->drop_in_flight(tx);
    // The carrier may hold a lock for each of them: kept pending for a
    // retry of the key to adopt, then recovered by the release queue.
    rec.reservations = r.reservations->schedule_interrupted(tx, now_ms, grace_ms);
    rec.activations = r.activations->adopt_orphaned(tx);
    r.fleet->forget_dead(tx);
    return rec;
  });
}

// ---------------------------------------------------------------- activations

bool advance_activation(Repositories& r, Tx& tx, const std::string& id, const StatusChange& c,
                        int64_t now_ms) {
  auto current = r.activations->get_in(tx, id);
  if (!current) return false;
  if (c.plugin_data && *c.plugin_data != current->plugin_data)
    r.activations->set_plugin_data(tx, id, *c.plugin_data);
  if (!activation_moves_forward(current->status, c.status)) {
    // Never backwards; a late carrier order id is still worth keeping.
    if (!c.carrier_order_id.empty()) r.activations->keep_order_id(tx, id, c.carrier_order_id);
    return false;
  }
  r.activations->set_status(tx, id, c, now_ms);
  r.activations->add_history(tx, id, {c.status, c.cause, now_ms, c.detail});
  r.outbox->enqueue_status_event(tx, id, current->status, c.cause, now_ms);
  const int opened = activation_rank(activation::kActivated);
  const int to = activation_rank(c.status);
  if (to >= opened && to != kEndingRank && activation_rank(current->status) < opened) {
    // Activated, or its first top-up reported first (an event order the
    // carrier does not promise).
    r.numbers->set_local_hold(tx, {current->carrier, current->msisdn}, LocalHold::kSold);
  } else if (to == kEndingRank) {
    // Failed, cancelled or returned: the line was not opened. The carrier
    // may still hold the lock (a refused submit does not consume it):
    // released through the queue, and the number shown again once the
    // carrier confirms.
    r.reservations->queue_release(tx, current->reservation_id, reservation::kReleased, now_ms);
  }
  return true;
}

bool advance_activation(Repositories& r, const std::string& id, const StatusChange& change,
                        int64_t now_ms) {
  return in_transaction(*r.db,
                        [&](Tx& tx) { return advance_activation(r, tx, id, change, now_ms); });
}

bool advance_activation(Repositories& r, const std::string& id, const std::string& status,
                        const std::string& cause, int64_t now_ms,
                        const std::string& carrier_order_id, const std::string& failure_code,
                        const std::string& failure_message) {
  return advance_activation(
      r, id, StatusChange{status, cause, carrier_order_id, failure_code, failure_message}, now_ms);
}

namespace {
// Why a reservation cannot be activated, or nullopt when it can.
std::optional<Error> unusable(const std::optional<Reservation>& res, int64_t now_ms) {
  if (!res) return make_error(code::kReservationNotFound, "no such reservation");
  // Expired as GET shows it: past its time, or written so by the janitor
  // (with or without a leftover carrier lock still being released).
  if ((res->status == reservation::kHeld && res->expires_at_ms <= now_ms) ||
      res->status == reservation::kExpired ||
      (res->status == reservation::kReleasing && res->release_to == reservation::kExpired))
    return make_error(code::kReservationExpired, "the reservation has expired");
  if (res->status != reservation::kHeld)
    return make_error(code::kReservationNotHeld, "the reservation is " + res->status);
  return std::nullopt;
}
}  // namespace

Result<std::variant<Activation, IdempotentReplay>> create_activation(Repositories& r,
                                                                     const NewActivation& a,
                                                                     const AnswerFor& answer_for,
                                                                     const AcceptedAnswer& accepted,
                                                                     int64_t now_ms) {
  using Out = Result<std::variant<Activation, IdempotentReplay>>;
  auto tx = r.db->begin();
  // One claim with no staleness: a key seen before is never taken over here.
  auto claim =
      r.idempotency->claim(*tx, a.tenant, a.idempotency_key, a.request_hash, now_ms, INT64_MAX);
  switch (claim.kind) {
    case KeyClaim::kMismatch:
      return make_error(code::kIdempotencyKeyReused,
                        "this Idempotency-Key was used with a different request body");
    case KeyClaim::kInFlight:
      return make_error(code::kIdempotencyKeyInUse, "a request with this key is in progress", true);
    case KeyClaim::kReplay:
      return std::variant<Activation, IdempotentReplay>(claim.replay);
    case KeyClaim::kNew:
      break;
  }
  // Deterministic validation failures are remembered under the key too, so
  // a retry gets the same answer.
  auto refuse = [&](Error e) -> Out {
    r.idempotency->answer(*tx, a.tenant, a.idempotency_key, answer_for(e));
    tx->commit();
    return e;
  };
  if (a.refused) return refuse(*a.refused);  // e.g. PLAN_NOT_FOUND
  auto v = r.verifications->get_in(*tx, a.tenant, a.verification_id);
  if (!v) return refuse(make_error(code::kVerificationNotFound, "no such verification"));
  if (v->result != verification::kPassed)
    return refuse(make_error(code::kVerificationNotPassed, "the verification did not pass"));
  auto res = r.reservations->get_in(*tx, a.tenant, a.reservation_id);
  if (auto why = unusable(res, now_ms)) return refuse(std::move(*why));
  if (res->carrier != v->carrier)
    return refuse(make_error(code::kCarrierMismatch,
                             "the verification and the reservation are for different carriers"));

  Activation act;
  act.id = "act_" + crypto::random_hex(12);
  act.tenant = a.tenant;
  act.carrier = res->carrier;
  act.msisdn = res->msisdn;
  act.plan_id = a.plan_id;
  act.reservation_id = a.reservation_id;
  act.verification_id = a.verification_id;
  act.status = activation::kPending;
  act.created_at_ms = act.updated_at_ms = now_ms;
  r.activations->insert(*tx, act, a.delivery);
  r.activations->add_history(*tx, act.id, {activation::kPending, "accepted", now_ms});
  act.history.push_back({activation::kPending, "accepted", now_ms});
  r.outbox->enqueue_status_event(*tx, act.id, "", "accepted", now_ms);
  r.reservations->consume(*tx, a.reservation_id, now_ms);
  r.idempotency->answer(*tx, a.tenant, a.idempotency_key, accepted(act));
  tx->commit();
  return std::variant<Activation, IdempotentReplay>(std::move(act));
}

CallbackApplied apply_callback_event(Repositories& r, const std::string& carrier,
                                     const std::string& event_id, const std::string& payload,
                                     const std::string& activation_id, const StatusChange& change,
                                     int64_t now_ms) {
  return in_transaction(*r.db, [&](Tx& tx) {
    CallbackApplied applied;
    auto rec = r.callbacks->record(tx, carrier, event_id, payload, now_ms);
    applied.fresh = rec.fresh;
    applied.id_reused = rec.id_reused;
    // Applying is safe for a reused id either way: status only moves forward.
    if (applied.fresh && !activation_id.empty())
      applied.advanced = advance_activation(r, tx, activation_id, change, now_ms);
    return applied;
  });
}

std::optional<std::string> cancel_unsent_activation(Repositories& r, const std::string& tenant,
                                                    const std::string& id, const std::string& cause,
                                                    int64_t now_ms) {
  return in_transaction(*r.db, [&](Tx& tx) -> std::optional<std::string> {
    auto current = r.activations->get_in(tx, id, tenant);
    if (!current) return std::nullopt;
    if (current->status == activation::kPending && current->submit_attempts == 0)
      advance_activation(r, tx, id, StatusChange{activation::kCancelled, cause}, now_ms);
    return current->status;
  });
}

std::optional<std::string> resolve_unknown_activation(Repositories& r, const std::string& tenant,
                                                      const std::string& id,
                                                      const StatusChange& change, int64_t now_ms) {
  auto tx = r.db->begin();
  auto current = r.activations->get_in(*tx, id, tenant);
  if (!current) return std::nullopt;
  if (current->status != activation::kUnknown) return current->status;
  advance_activation(r, *tx, id, change, now_ms);
  // The instance that took the decision follows the order up (its engine
  // is kicked), whichever instance drove it before.
  r.activations->take_over(*tx, id);
  tx->commit();
  return current->status;
}

bool note_still_unknown(Repositories& r, const std::string& id, const std::string& cause,
                        int64_t now_ms) {
  auto tx = r.db->begin();
  auto current = r.activations->get_in(*tx, id);
  if (!current || current->status != activation::kUnknown) return false;
  r.activations->add_history(*tx, id, {activation::kUnknown, cause, now_ms});
  r.activations->touch(*tx, id, now_ms);
  tx->commit();
  return true;
}

}  // namespace cgw::gw
