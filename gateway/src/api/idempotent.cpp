#include "api/idempotent.hpp"

#include "cgw/common/crypto.hpp"
#include "store/database.hpp"

namespace cgw::gw::api {

namespace {
// A claim left in flight this long was cut short by a crash of another
// instance; the fleet's own sweep frees it sooner (drop_in_flight).
constexpr int64_t kStaleClaimMs = 10 * 60 * 1000;
}  // namespace

Awaitable run_idempotent(Ctx& c, std::string_view operation, std::string_view id_member,
                         std::function<Awaitable(Ctx&)> work) {
  auto key = idempotency_key(c);
  if (!key) co_return error_response(c, key.error());
  const std::string& k = key.value();
  const std::string hash = crypto::sha256_hex(std::string(operation) + "\n" +
                                              std::string(c.req.target()) + "\n" + c.req.body());
  const auto claim = in_transaction(*c.svc.store.db, [&](Tx& tx) {
    return c.svc.store.idempotency->claim(tx, c.tenant, k, hash, c.svc.now(), kStaleClaimMs);
  });
  switch (claim.kind) {
    case KeyClaim::kMismatch:
      co_return error_response(
          c, make_error(code::kIdempotencyKeyReused,
                        "this Idempotency-Key was used with a different request body"));
    case KeyClaim::kInFlight:
      co_return error_response(c, make_error(code::kIdempotencyKeyInUse,
                                             "a request with this key is in progress", true));
    case KeyClaim::kReplay:
      co_return replay_response(c, claim.replay.http_status, claim.replay.body, id_member);
    case KeyClaim::kNew:
      break;
  }
  auto drop = [&] {
    in_transaction(*c.svc.store.db,
                   [&](Tx& tx) { c.svc.store.idempotency->drop(tx, c.tenant, k); });
  };
  std::optional<Reply> reply;
  try {
    reply.emplace(co_await work(c));
  } catch (...) {
    drop();
    throw;
  }
  const int status = static_cast<int>(reply->res.result_int());
  if (status >= 500 || status == 202) {
    drop();
  } else {
    const IdempotentReplay answer{status, reply->res.body()};
    in_transaction(*c.svc.store.db,
                   [&](Tx& tx) { c.svc.store.idempotency->answer(tx, c.tenant, k, answer); });
  }
  co_return std::move(*reply);
}

}  // namespace cgw::gw::api
