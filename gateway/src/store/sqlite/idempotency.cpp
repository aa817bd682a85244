// Idempotency keys. http_status 0 marks a request in flight.
#include "store/sqlite/repositories.hpp"

namespace cgw::gw::sqlite {

KeyClaim SqliteIdempotency::claim(Tx& tx, const std::string& tenant, const std::string& key,
                                  const std::string& request_hash, int64_t now_ms,
                                  int64_t stale_after_ms) {
  auto& c = db_.conn(tx);
  KeyClaim claim;
  {
    db::Stmt k(c,
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
  db::Stmt ins(c,
               "INSERT INTO idempotency_keys (tenant, key, request_hash, http_status, "
               "response_body, created_at) VALUES (?,?,?,0,'',?) ON CONFLICT (tenant, key) DO "
               "UPDATE SET created_at = excluded.created_at");
  ins.bind(1, tenant).bind(2, key).bind(3, request_hash).bind(4, now_ms).run();
  return claim;
}

void SqliteIdempotency::answer(Tx& tx, const std::string& tenant, const std::string& key,
                               const IdempotentReplay& answer) {
  db::Stmt s(db_.conn(tx),
             "UPDATE idempotency_keys SET http_status = ?, response_body = ? WHERE tenant = ? AND "
             "key = ?");
  s.bind(1, answer.http_status).bind(2, answer.body).bind(3, tenant).bind(4, key).run();
}

void SqliteIdempotency::drop(Tx& tx, const std::string& tenant, const std::string& key) {
  db::Stmt s(db_.conn(tx), "DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?");
  s.bind(1, tenant).bind(2, key).run();
}

int64_t SqliteIdempotency::drop_in_flight(Tx& tx) {
  auto& c = db_.conn(tx);
  c.exec("DELETE FROM idempotency_keys WHERE http_status = 0");
  return c.changes();
}

int64_t SqliteIdempotency::prune(int64_t older_than_ms) {
  return db_.write([&](db::Connection& c) {
    db::Stmt s(c, "DELETE FROM idempotency_keys WHERE created_at < ? AND http_status <> 0");
    s.bind(1, older_than_ms).run();
    return c.changes();
  });
}

}  // namespace cgw::gw::sqlite
