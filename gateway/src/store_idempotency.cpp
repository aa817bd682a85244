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
  KeyClaim claim;
  db::Stmt k(*writer_,
             "SELECT request_hash, http_status, response_body, created_at FROM idempotency_keys "
             "WHERE tenant = ? AND key = ?");
  k.bind(1, tenant).bind(2, key);
  if (k.step()) {
    const bool in_flight = k.integer(1) == 0;
    if (k.text(0) != request_hash) {
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
  // http_status 0 marks a request in flight.
  db::Stmt ins(*writer_,
               "INSERT INTO idempotency_keys (tenant, key, request_hash, http_status, "
               "response_body, created_at) VALUES (?,?,?,0,'',?) ON CONFLICT (tenant, key) DO "
               "UPDATE SET created_at = excluded.created_at");
  ins.bind(1, tenant).bind(2, key).bind(3, request_hash).bind(4, now_ms).run();
  tx.commit();
  return claim;
}

void Store::complete_idempotency_key(const std::string& tenant, const std::string& key,
                                     int http_status, const std::string& body) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "UPDATE idempotency_keys SET http_status = ?, response_body = ? WHERE tenant = ? AND "
             "key = ?");
  s.bind(1, http_status).bind(2, body).bind(3, tenant).bind(4, key).run();
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
      "UPDATE reservations SET status = 'failed', updated_at = ?1 WHERE status = 'pending' "
      "RETURNING carrier, msisdn",
      now_ms);
  tx.commit();
  return r;
}

}  // namespace cgw::gw
