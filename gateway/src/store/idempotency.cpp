// Idempotency keys for requests that call a carrier, and recovery of the
// requests a crash interrupted.
#include "core/reservation_status.hpp"
#include "store/reservation_rows.hpp"
#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace cgw::gw {

int64_t Store::prune_idempotency_keys(int64_t older_than_ms) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_, "DELETE FROM idempotency_keys WHERE created_at < ? AND http_status <> 0");
  s.bind(1, older_than_ms).run();
  return writer_->changes();
}

KeyClaim Store::claim_idempotency_key(const std::string& tenant, const std::string& key,
                                      const std::string& request_hash, int64_t now_ms,
                                      int64_t stale_after_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  KeyClaim claim = claim_key_in_tx(tenant, key, request_hash, now_ms, stale_after_ms);
  if (claim.kind == KeyClaim::kNew) tx.commit();
  return claim;
}

KeyClaim Store::claim_key_in_tx(const std::string& tenant, const std::string& key,
                                const std::string& request_hash, int64_t now_ms,
                                int64_t stale_after_ms) {
  KeyClaim claim;
  {
    db::Stmt k(*writer_,
               "SELECT request_hash, http_status, response_body, created_at FROM idempotency_keys "
               "WHERE tenant = ? AND key = ?");
    k.bind(1, tenant).bind(2, key);
    if (k.step()) {
      const bool in_flight = k.integer(1) == 0;
      if (k.view(0) != request_hash) {
        claim.kind = KeyClaim::kMismatch;
        return claim;
      }
      if (!in_flight) {
        claim.kind = KeyClaim::kReplay;
        claim.replay = {static_cast<int>(k.integer(1)), k.text(2)};
        return claim;
      }
      if (now_ms - k.integer(3) < stale_after_ms) {
        claim.kind = KeyClaim::kInFlight;
        return claim;
      }
    }
  }
  // http_status 0 marks a request in flight.
  db::Stmt ins(*writer_,
               "INSERT INTO idempotency_keys (tenant, key, request_hash, http_status, "
               "response_body, created_at) VALUES (?,?,?,0,'',?) ON CONFLICT (tenant, key) DO "
               "UPDATE SET created_at = excluded.created_at");
  ins.bind(1, tenant).bind(2, key).bind(3, request_hash).bind(4, now_ms).run();
  return claim;
}

void Store::answer_key_in_tx(const std::string& tenant, const std::string& key, int http_status,
                             const std::string& body) {
  db::Stmt s(*writer_,
             "UPDATE idempotency_keys SET http_status = ?, response_body = ? WHERE tenant = ? AND "
             "key = ?");
  s.bind(1, http_status).bind(2, body).bind(3, tenant).bind(4, key).run();
}

void Store::complete_idempotency_key(const std::string& tenant, const std::string& key,
                                     int http_status, const std::string& body) {
  std::lock_guard lock(write_mu_);
  answer_key_in_tx(tenant, key, http_status, body);
}

Store::ReservationStart Store::start_reservation(const std::string& tenant, const std::string& key,
                                                 const std::string& request_hash,
                                                 const std::string& carrier,
                                                 const std::string& msisdn,
                                                 const std::optional<ApiError>& invalid,
                                                 int64_t now_ms, int64_t stale_after_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  ReservationStart start;
  start.claim = claim_key_in_tx(tenant, key, request_hash, now_ms, stale_after_ms);
  if (start.claim.kind != KeyClaim::kNew) return start;  // nothing written
  if (invalid) {
    start.refused = invalid;
  } else {
    auto r = begin_reservation_in_tx(tenant, carrier, msisdn, now_ms, key);
    if (r) {
      start.reservation = std::move(r.value());
    } else {
      start.refused = r.error();
      // The number's live claim may be this key's own earlier attempt.
      db::Stmt own(*writer_, "SELECT " + std::string(kReservationColumns) +
                                 " FROM reservations WHERE carrier = ? AND msisdn = ? AND "
                                 "" CGW_RESERVATION_LIVE_SQL
                                 " AND tenant = ? AND "
                                 "idempotency_key = ?");
      own.bind(1, carrier).bind(2, msisdn).bind(3, tenant).bind(4, key);
      if (own.step()) {
        Reservation mine = read_reservation_row(own);
        own.run();
        if (mine.status == reservation::kPending) {
          db::Stmt adopt(*writer_,
                         "UPDATE reservations SET next_release_at = NULL, updated_at = ? WHERE "
                         "id = ?");
          adopt.bind(1, now_ms).bind(2, mine.id).run();
          start.refused.reset();
          start.reservation = std::move(mine);
        } else if (mine.status == reservation::kReleasing) {
          start.refused = ApiError{503, "CARRIER_UNAVAILABLE",
                                   "the carrier lock of an earlier attempt with this key is being "
                                   "released; retry",
                                   true};
        }
      }
    }
  }
  if (start.refused) {
    if (start.refused->http_status >= 500) {
      // Retryable: the key is freed so that the same request may run again.
      db::Stmt d(*writer_, "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
      d.bind(1, tenant).bind(2, key).run();
    } else {
      // A refusal is final for this request: stored as the key's answer (4xx).
      answer_key_in_tx(tenant, key, start.refused->http_status, error_body(*start.refused));
    }
  }
  tx.commit();
  return start;
}

bool Store::hold_reservation_with_key(const std::string& id,
                                      const std::string& carrier_reservation_id,
                                      int64_t expires_at_ms, int64_t carrier_expires_at_ms,
                                      int64_t now_ms, const std::string& tenant,
                                      const std::string& key, int http_status,
                                      const std::string& body) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET status = 'held', carrier_reservation_id = ?, expires_at = ?, "
             "carrier_expires_at = NULLIF(?, 0), next_release_at = NULL, updated_at = ? WHERE id "
             "= ? AND status = 'pending'");
  s.bind(1, carrier_reservation_id).bind(2, expires_at_ms).bind(3, carrier_expires_at_ms);
  s.bind(4, now_ms).bind(5, id).run();
  if (writer_->changes() == 0) {
    // Recovered while the carrier answered: the recovery releases this lock.
    db::Stmt l(*writer_,
               "UPDATE reservations SET carrier_reservation_id = ?, carrier_expires_at = "
               "NULLIF(?, 0) WHERE id = ? AND status = 'releasing'");
    l.bind(1, carrier_reservation_id).bind(2, carrier_expires_at_ms).bind(3, id).run();
    db::Stmt d(*writer_, "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
    d.bind(1, tenant).bind(2, key).run();
    tx.commit();
    return false;
  }
  answer_key_in_tx(tenant, key, http_status, body);
  tx.commit();
  return true;
}

void Store::interrupt_reservation_with_key(const std::string& id, int64_t recover_at_ms,
                                           const std::string& tenant, const std::string& key) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET next_release_at = ? WHERE id = ? AND status = 'pending'");
  s.bind(1, recover_at_ms).bind(2, id).run();
  db::Stmt d(*writer_, "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
  d.bind(1, tenant).bind(2, key).run();
  tx.commit();
}

void Store::release_reservation_with_key(const std::string& id,
                                         const std::string& carrier_reservation_id,
                                         int64_t carrier_expires_at_ms, int64_t now_ms,
                                         const std::string& tenant, const std::string& key) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET carrier_reservation_id = NULLIF(?, ''), carrier_expires_at "
             "= NULLIF(?, 0) WHERE id = ?");
  s.bind(1, carrier_reservation_id).bind(2, carrier_expires_at_ms).bind(3, id).run();
  queue_release_in_tx(id, reservation::kFailed, now_ms);
  db::Stmt d(*writer_, "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
  d.bind(1, tenant).bind(2, key).run();
  tx.commit();
}

void Store::abandon_reservation_with_key(const std::string& id, int64_t now_ms,
                                         const std::string& tenant, const std::string& key,
                                         int http_status, const std::string& body) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  abandon_reservation_in_tx(id, now_ms);
  if (http_status >= 500) {
    db::Stmt d(*writer_, "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
    d.bind(1, tenant).bind(2, key).run();
  } else {
    answer_key_in_tx(tenant, key, http_status, body);
  }
  tx.commit();
}

void Store::drop_idempotency_key(const std::string& tenant, const std::string& key) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_, "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
  s.bind(1, tenant).bind(2, key).run();
}

Store::Recovered Store::recover_interrupted_requests(int64_t now_ms, int64_t grace_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  Recovered r;
  writer_->exec("DELETE FROM idempotency_keys WHERE http_status = 0");
  r.keys = writer_->changes();
  // The carrier may hold a lock for each of them: kept pending for a retry
  // of the key to adopt, then recovered by the release queue.
  db::Stmt s(*writer_,
             "UPDATE reservations SET next_release_at = ?1 WHERE " CGW_RESERVATION_LIVE_SQL
             " AND status = 'pending' AND (next_release_at IS NULL OR next_release_at "
             "< ?1)");
  s.bind(1, now_ms + grace_ms).run();
  r.reservations = writer_->changes();
  tx.commit();
  return r;
}

}  // namespace cgw::gw
