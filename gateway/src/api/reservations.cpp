// POST/GET/DELETE /v1/reservations and POST/GET /v1/kyc/verifications:
// the requests' parsing and validation; the verification itself is
// orders/verifications.cpp.
#include "api/support.hpp"
#include "api/tenant_carriers.hpp"
#include "carriers/typed_call.hpp"
#include "core/reservation_status.hpp"
#include "orders/verifications.hpp"

#include "cgw/common/crypto.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <cgw/types.hpp>

namespace cgw::gw::api {

namespace {
json::object reservation_json(const Reservation& r) {
  return json::object{{"reservation_id", r.id},
                      {"carrier", shown_carrier(r.carrier)},
                      {"msisdn", r.msisdn},
                      {"status", r.status},
                      {"expires_at", r.expires_at_ms ? json::value(rfc3339(r.expires_at_ms))
                                                     : json::value(nullptr)}};
}

json::object verification_json(const Verification& v) {
  json::array reasons;
  for (const auto& r : v.reasons) reasons.emplace_back(r);
  return json::object{{"verification_id", v.id},
                      {"carrier", shown_carrier(v.carrier)},
                      {"result", v.result},
                      {"reasons", std::move(reasons)},
                      {"id_number_masked", v.id_number_masked},
                      {"name_masked", v.name_masked},
                      {"created_at", rfc3339(v.created_at_ms)}};
}

Result<Carrier*> carrier_for(Ctx& c, const json::object& body, uint64_t capability) {
  auto id = req_string(body, "carrier", 32);
  if (!id) return id.error();
  auto found = tenant_carrier(c, id.value());
  if (!found) return found.error();
  Carrier* carrier = found.value();
  if (!carrier->has(capability))
    return make_error(code::kUnsupportedOperation,
                      "carrier " + id.value() + " does not offer this");
  return carrier;
}
}  // namespace

namespace {
// The request's carrier and number, or why it is refused (no work done).
struct ReserveRequest {
  Carrier* carrier = nullptr;
  std::string msisdn;
};
Result<ReserveRequest> reserve_request(Ctx& c) {
  auto body = parse_body(c, {"carrier", "msisdn"});
  if (!body) return body.error();
  auto carrier = carrier_for(c, body.value(), CGW_CAP_RESERVE);
  if (!carrier) return carrier.error();
  auto msisdn = req_string(body.value(), "msisdn", 11);
  if (!msisdn) return msisdn.error();
  if (msisdn.value().size() != 11 || !all_digits(msisdn.value()) || msisdn.value()[0] != '1')
    return bad_argument("msisdn must be 11 digits starting with 1");
  return ReserveRequest{carrier.value(), std::move(msisdn.value())};
}
}  // namespace

namespace {

// Refusals are stored under the key as they are sent, for replays.
IdempotentReplay answer_for(const Error& e) {
  return IdempotentReplay{http_status_for(e.code), error_body(e)};
}

// The answer when the key is not new: another body under it, the same
// request still running, or the stored answer of the first one.
std::optional<Reply> answer_for_known_key(Ctx& c, const KeyClaim& claim) {
  switch (claim.kind) {
    case KeyClaim::kMismatch:
      return error_response(
          c, make_error(code::kIdempotencyKeyReused,
                        "this Idempotency-Key was used with a different request body"));
    case KeyClaim::kInFlight:
      return error_response(c, make_error(code::kIdempotencyKeyInUse,
                                          "a request with this key is in progress", true));
    case KeyClaim::kReplay:
      return replay_response(c, claim.replay.http_status, claim.replay.body, "reservation_id");
    case KeyClaim::kNew:
      break;
  }
  return std::nullopt;
}

// The carrier may have taken the lock: pending, adoptable by a retry of the
// key until the recovery releases it.
void interrupt(Ctx& c, const std::string& id, const std::string& key) {
  interrupt_reservation_with_key(c.svc.store, id,
                                 c.svc.now() + c.svc.config.reservation_recovery_grace.count(),
                                 c.tenant, key);
}

// A new reservation, or one of this key's earlier attempts that a crash or
// an unknown carrier answer interrupted: reserved at the carrier under the
// same gateway reservation id, so a carrier that took the first attempt's
// lock answers with that lock (adopted, same reservation).
// A reply that does not decode is CARRIER_BAD_RESPONSE with its outcome
// unknown: the lock may be taken.
boost::asio::awaitable<Result<ReserveOutput>> reserve_at_carrier(Ctx& c, Carrier& carrier,
                                                                 const Reservation& held,
                                                                 const std::string& key) {
  try {
    ReserveInput in{held.msisdn, held.id, carrier.config().reservation_hold_seconds};
    co_return co_await call<ReserveOutput>(carrier, op::kNumberReserve, in);
  } catch (...) {
    interrupt(c, held.id, key);
    throw;
  }
}

// The carrier said no, or its answer is unknown.
Reply carrier_failed(Ctx& c, const Reservation& held, const std::string& key, const Error& e) {
  auto reply = error_response(c, e);
  if (e.outcome_unknown) {
    interrupt(c, held.id, key);
    return reply;
  }
  // A retryable failure (5xx) is not stored: the same key may try again.
  std::optional<IdempotentReplay> stored;
  if (reply.res.result_int() < 500)
    stored = IdempotentReplay{static_cast<int>(reply.res.result_int()), reply.res.body()};
  abandon_reservation_with_key(c.svc.store, held.id, c.svc.now(), c.tenant, key, stored);
  return reply;
}

// The carrier took the lock: held with the answer stored under the key, or,
// when the lock cannot be kept, released through the queue.
Reply keep_lock(Ctx& c, Reservation held, const std::string& key, const ReserveOutput& out,
                int64_t hold_ms) {
  const int64_t now = c.svc.now();
  auto kept = reservation::kept_expiry(out.expires_at_ms, now, hold_ms);
  if (!kept || out.carrier_reservation_id.empty()) {
    // A lock the gateway cannot keep (an expiry no clock explains, or no
    // lock id): refused as a broken reply, never stored as held.
    spdlog::warn("reservation={} carrier={} refused the lock reply: expires_at_ms={} now_ms={}",
                 held.id, held.carrier, out.expires_at_ms, now);
    release_reservation_with_key(c.svc.store, held.id, out.carrier_reservation_id,
                                 kept ? out.expires_at_ms : 0, now, c.tenant, key);
    return error_response(
        c, make_error(code::kCarrierBadResponse,
                      out.carrier_reservation_id.empty()
                          ? "the carrier's lock reply has no lock id"
                          : "the carrier reported a lock expiry its clock cannot explain",
                      true));
  }
  held.status = reservation::kHeld;
  held.carrier_reservation_id = out.carrier_reservation_id;
  held.expires_at_ms = *kept;
  Reply reply = json_response(c, 201, reservation_json(held));
  reply.object_id = held.id;
  if (!hold_reservation_with_key(c.svc.store, held.id, held.carrier_reservation_id,
                                 held.expires_at_ms, out.expires_at_ms, now, c.tenant, key,
                                 {201, reply.res.body()}))
    return error_response(c, make_error(code::kCarrierUnavailable,
                                        "the reservation was recovered while the carrier "
                                        "answered; its lock is being released; retry",
                                        true));
  return reply;
}

}  // namespace

// The Idempotency-Key is required: the answer is stored and replayed; a
// retry while the first request still runs is 409. Retryable failures (5xx)
// are not stored, so the same key can try again.
//
// Two store transactions: the key and the number are claimed together
// before the carrier call, the hold and the stored answer written together
// after it; the response waits for the flush that covers the second
// (HttpApi::handle).
Awaitable create_reservation(Ctx& c) {
  auto key = idempotency_key(c);
  if (!key) co_return error_response(c, key.error());
  const std::string& k = key.value();
  const std::string hash = crypto::sha256_hex("reservations\n" + c.req.body());
  auto request = reserve_request(c);
  std::optional<IdempotentReplay> invalid;
  if (!request) invalid = answer_for(request.error());
  Carrier* carrier = request ? request->carrier : nullptr;
  auto start = start_reservation(
      c.svc.store,
      {c.tenant, k, hash, carrier ? carrier->config().id : "", request ? request->msisdn : ""},
      invalid, answer_for, c.svc.now());
  if (auto known = answer_for_known_key(c, start.claim)) co_return std::move(*known);
  // Both stored under the key.
  if (!request) co_return error_response(c, request.error());
  if (start.refused) co_return error_response(c, *start.refused);

  Reservation held = std::move(*start.reservation);
  Result<ReserveOutput> locked = co_await reserve_at_carrier(c, *carrier, held, k);
  if (!locked) co_return carrier_failed(c, held, k, locked.error());
  co_return keep_lock(c, std::move(held), k, locked.value(),
                      carrier->config().reservation_hold_seconds * 1000);
}

Awaitable get_reservation(Ctx& c) {
  auto r = c.svc.store.reservations->get(c.tenant, c.param, c.svc.now());
  if (!r) co_return error_response(c, not_found("no such reservation"));
  co_return json_response(c, 200, reservation_json(*r));
}

// The carrier release is tried at once; when it fails the release is
// queued (retried with backoff) and the answer is 202 with `releasing`.
Awaitable delete_reservation(Ctx& c) {
  const std::string& id = c.param;
  auto r = c.svc.store.reservations->get(c.tenant, id, c.svc.now());
  if (!r) co_return error_response(c, not_found("no such reservation"));
  // The reservation is the request's target: RESERVATION_NOT_HELD is a
  // conflict with its state (409), not a bad reference (ErrorSubject).
  if (r->status == reservation::kConsumed)
    co_return error_response(
        c, make_error(code::kReservationNotHeld, "the reservation is used by an activation"),
        ErrorSubject::kTarget);
  if (r->status == reservation::kPending)
    co_return error_response(
        c,
        make_error(code::kReservationNotHeld, "the reservation is still being made; retry", true),
        ErrorSubject::kTarget);
  if (r->status != reservation::kHeld) co_return json_response(c, 200, reservation_json(*r));
  Carrier* carrier = c.svc.carrier(r->carrier);
  std::string failed_release = "carrier not loaded";
  if (carrier) {
    ReleaseInput in{r->msisdn, r->carrier_reservation_id};
    auto outcome = co_await carrier->run(op::kNumberRelease, json::serialize(json::value_from(in)));
    // A hold the carrier no longer knows is released all the same.
    if (outcome.ok() || outcome.error().code == code::kReservationExpired ||
        outcome.error().code == code::kReservationNotFound) {
      release_reservation(c.svc.store, r->id, c.svc.now());
      r->status = reservation::kReleased;
      co_return json_response(c, 200, reservation_json(*r));
    }
    failed_release = outcome.error().code;
  }
  if (queue_release(c.svc.store, r->id, reservation::kReleased, c.svc.now())) {
    spdlog::info("reservation={} release queued after: {}", r->id, failed_release);
    r->status = reservation::kReleasing;
    co_return json_response(c, 202, reservation_json(*r));
  }
  // Changed meanwhile (consumed or expired): show what it is now.
  r = c.svc.store.reservations->get(c.tenant, id, c.svc.now());
  co_return json_response(c, 200, reservation_json(*r));
}

namespace {
// The request, checked: a carrier that offers KYC and the applicant's
// name, ID number and portrait.
struct VerifyRequest {
  Carrier* carrier = nullptr;
  KycVerifyInput input;
};
Result<VerifyRequest> verify_request(Ctx& c) {
  auto body = parse_body(c, {"carrier", "name", "id_number", "portrait_b64"});
  if (!body) return body.error();
  auto carrier = carrier_for(c, body.value(), CGW_CAP_KYC);
  if (!carrier) return carrier.error();
  auto name = req_string(body.value(), "name", 64);
  if (!name) return name.error();
  auto id_number = req_string(body.value(), "id_number", 32);
  if (!id_number) return id_number.error();
  auto portrait = opt_string(body.value(), "portrait_b64", c.svc.config.max_body_bytes);
  if (!portrait) return portrait.error();
  if (portrait.value() && !crypto::base64_decode(*portrait.value()))
    return bad_argument("portrait_b64 is not valid base64");
  return VerifyRequest{carrier.value(),
                       KycVerifyInput{name.value(), id_number.value(), portrait.value()}};
}
}  // namespace

Awaitable create_verification(Ctx& c) {
  auto request = verify_request(c);
  if (!request) co_return error_response(c, request.error());
  // Each carrier verification is paid: the tenant's KYC budget.
  auto admit = [&c]() -> Status {
    const int64_t wait_s = c.deps.quotas ? c.deps.quotas->admit_kyc(c.tenant) : 0;
    if (wait_s > 0) return quota_exceeded(code::kKycQuotaExceeded, "KYC verification", wait_s);
    return {};
  };
  auto v = co_await verify(c.svc, c.tenant, *request->carrier, std::move(request->input), admit);
  if (!v) co_return error_response(c, v.error());
  Reply reply = json_response(c, 200, verification_json(v.value()));
  reply.object_id = v->id;
  co_return reply;
}

Awaitable get_verification(Ctx& c) {
  auto v = c.svc.store.verifications->get(c.tenant, c.param);
  if (!v) co_return error_response(c, not_found("no such verification"));
  co_return json_response(c, 200, verification_json(*v));
}

}  // namespace cgw::gw::api
