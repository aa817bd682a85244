// Idempotency keys: per tenant, the request's hash and the answer stored
// for replays. http_status 0 marks a request still in flight. The answer is
// the caller's (an HTTP status and body), kept as given.
#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

#include <cstdint>
#include <string>

namespace cgw::gw {

class IdempotencyRepository {
 public:
  virtual ~IdempotencyRepository() = default;
  // What the key means for a request with `request_hash`; when it is new
  // (or a claim left in flight longer than `stale_after_ms`, a crash), it
  // is now this request's, in flight.
  virtual KeyClaim claim(Tx& tx, const std::string& tenant, const std::string& key,
                         const std::string& request_hash, int64_t now_ms,
                         int64_t stale_after_ms) = 0;
  // The answer of a claimed key.
  virtual void answer(Tx& tx, const std::string& tenant, const std::string& key,
                      const IdempotentReplay& answer) = 0;
  // Frees the key: the same request may run again.
  virtual void drop(Tx& tx, const std::string& tenant, const std::string& key) = 0;
  // Frees the keys left in flight by processes that are gone: on SQLite
  // (called at start) every key in flight; on PostgreSQL those of
  // instances that are not alive (store/fleet_repository.hpp), never a
  // live instance's. Returns how many.
  virtual int64_t drop_in_flight(Tx& tx) = 0;
  // Answered keys created before `older_than_ms`. Returns how many.
  virtual int64_t prune(int64_t older_than_ms) = 0;
};

}  // namespace cgw::gw
