// Idempotency keys for requests that call a carrier, and recovery of the
// requests a crash interrupted.
#include "sqlite_db.hpp"
#include "store.hpp"

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
    auto r = begin_reservation_in_tx(tenant, carrier, msisdn, now_ms);
    if (r)
      start.reservation = std::move(r.value());
    else
      start.refused = r.error();
  }
  // A refusal is final for this request: stored as the key's answer (4xx).
  if (start.refused)
    answer_key_in_tx(tenant, key, start.refused->http_status, error_body(*start.refused));
  tx.commit();
  return start;
}

void Store::hold_reservation_with_key(const std::string& id,
                                      const std::string& carrier_reservation_id,
                                      int64_t expires_at_ms, int64_t now_ms,
                                      const std::string& tenant, const std::string& key,
                                      int http_status, const std::string& body) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET status = 'held', carrier_reservation_id = ?, expires_at = ?, "
             "updated_at = ? WHERE id = ?");
  s.bind(1, carrier_reservation_id).bind(2, expires_at_ms).bind(3, now_ms).bind(4, id).run();
  answer_key_in_tx(tenant, key, http_status, body);
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

Store::Recovered Store::recover_interrupted_requests(int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  Recovered r;
  writer_->exec("DELETE FROM idempotency_keys WHERE http_status = 0");
  r.keys = writer_->changes();
  r.reservations = end_reservations_in_tx(
      "UPDATE reservations SET status = 'failed', updated_at = ?1 WHERE status IN ('pending', "
      "'held', 'consumed') AND status = 'pending' RETURNING carrier, msisdn",
      now_ms);
  tx.commit();
  return r;
}

}  // namespace cgw::gw
