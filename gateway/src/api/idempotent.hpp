// One answer per (tenant, Idempotency-Key) for the routes whose work is a
// single carrier call (cancel, and the subscriber services): the key is
// claimed before the work, the answer stored after it and replayed for a
// retry. Another body under the key is 422 IDEMPOTENCY_KEY_REUSED; a retry
// while the first request runs is 409 IDEMPOTENCY_KEY_IN_USE.
//
// Answers that settle nothing are not stored, so a retry of the same key
// does the work again: a 5xx (retryable) and a 202 (the carrier's verdict
// is not known yet; the work is safe to repeat: docs/after-sales.md).
#pragma once

#include "api/support.hpp"

#include <functional>
#include <string_view>

namespace cgw::gw::api {

// `operation` keeps the same key on two routes apart (it is hashed with the
// path and body); `id_member` names the made object's id in a stored body,
// for the audit of a replay.
Awaitable run_idempotent(Ctx& c, std::string_view operation, std::string_view id_member,
                         std::function<Awaitable(Ctx&)> work);

}  // namespace cgw::gw::api
