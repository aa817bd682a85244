// Idempotency keys on PostgreSQL. http_status 0 marks a request in flight.
// One stored answer per key across instances: the claim is an INSERT ...
// ON CONFLICT DO NOTHING, so of two requests with one key on two instances
// exactly one inserts; the other (waiting for the first's transaction if
// it has not committed) then reads the row, locked, and sees it in flight
// or answered.
#include "store/postgres/repositories.hpp"

namespace cgw::gw::pg {

KeyClaim PgIdempotency::claim(Tx& tx, const std::string& tenant, const std::string& key,
                              const std::string& request_hash, int64_t now_ms,
                              int64_t stale_after_ms) {
  auto& c = db_.conn(tx);
  KeyClaim claim;
  // Twice at most: a row dropped between the insert and the read is gone,
  // and the next insert takes the key.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto ins = c.exec(
        "INSERT INTO idempotency_keys (tenant, key, request_hash, http_status, response_body, "
        "created_at, owner) VALUES ($1, $2, $3, 0, '', $4, $5) ON CONFLICT DO NOTHING",
        {p(tenant), p(key), p(request_hash), p(now_ms), p(db_.instance_id())});
    if (ins.affected() == 1) return claim;  // kNew
    auto k = c.exec(
        "SELECT request_hash, http_status, response_body, created_at FROM idempotency_keys "
        "WHERE tenant = $1 AND key = $2 FOR UPDATE",
        {p(tenant), p(key)});
    if (k.rows() == 0) continue;
    if (k.text(0, 0) != request_hash) {
      claim.kind = KeyClaim::kMismatch;
      return claim;
    }
    if (k.int64(0, 1) != 0) {
      claim.kind = KeyClaim::kReplay;
      claim.replay = {static_cast<int>(k.int64(0, 1)), k.str(0, 2)};
      return claim;
    }
    if (now_ms - k.int64(0, 3) < stale_after_ms) {
      claim.kind = KeyClaim::kInFlight;
      return claim;
    }
    // Left in flight by a crash: this request takes it over.
    c.exec("UPDATE idempotency_keys SET created_at = $1, owner = $4 WHERE tenant = $2 AND key = $3",
           {p(now_ms), p(tenant), p(key), p(db_.instance_id())});
    return claim;
  }
  claim.kind = KeyClaim::kInFlight;  // dropped and taken again meanwhile: busy
  return claim;
}

void PgIdempotency::answer(Tx& tx, const std::string& tenant, const std::string& key,
                           const IdempotentReplay& answer) {
  db_.conn(tx).exec(
      "UPDATE idempotency_keys SET http_status = $1, response_body = $2 WHERE tenant = $3 AND "
      "key = $4",
      {p(int64_t{answer.http_status}), p(answer.body), p(tenant), p(key)});
}

void PgIdempotency::drop(Tx& tx, const std::string& tenant, const std::string& key) {
  db_.conn(tx).exec("DELETE FROM idempotency_keys WHERE tenant = $1 AND key = $2",
                    {p(tenant), p(key)});
}

// Only the keys of instances that are not alive: a live instance's
// request still runs under its key.
int64_t PgIdempotency::drop_in_flight(Tx& tx) {
  static const std::string sql =
      "DELETE FROM idempotency_keys WHERE http_status = 0 AND " + PgDatabase::orphan_term(1);
  return db_.conn(tx).exec(sql, {p(db_.liveness_ttl_ms())}).affected();
}

int64_t PgIdempotency::prune(int64_t older_than_ms) {
  return db_.run([&](PgConnection& c) {
    return c
        .exec("DELETE FROM idempotency_keys WHERE created_at < $1 AND http_status <> 0",
              {p(older_than_ms)})
        .affected();
  });
}

}  // namespace cgw::gw::pg
