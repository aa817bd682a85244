// POST/GET/DELETE /v1/reservations and POST/GET /v1/kyc/verifications
#include "api/support.hpp"
#include "core/reservation_status.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"

#include <spdlog/spdlog.h>
#include <cgw/types.hpp>

namespace cgw::gw::api {

namespace {
json::object reservation_json(const Reservation& r) {
  return json::object{{"reservation_id", r.id},
                      {"carrier", r.carrier},
                      {"msisdn", r.msisdn},
                      {"status", r.status},
                      {"expires_at", r.expires_at_ms ? json::value(rfc3339(r.expires_at_ms))
                                                     : json::value(nullptr)}};
}

json::object verification_json(const Verification& v) {
  json::array reasons;
  for (const auto& r : v.reasons) reasons.emplace_back(r);
  return json::object{{"verification_id", v.id},
                      {"carrier", v.carrier},
                      {"result", v.result},
                      {"reasons", std::move(reasons)},
                      {"id_number_masked", v.id_number_masked},
                      {"name_masked", v.name_masked},
                      {"created_at", rfc3339(v.created_at_ms)}};
}

ApiResult<Carrier*> carrier_for(Ctx& c, const json::object& body, uint64_t capability) {
  auto id = req_string(body, "carrier", 32);
  if (!id) return id.error();
  Carrier* carrier = c.svc.carrier(id.value());
  if (!carrier) return ApiError{400, "UNKNOWN_CARRIER", "no carrier '" + id.value() + "'"};
  if (!carrier->has(capability))
    return ApiError{422, "UNSUPPORTED_OPERATION", "carrier " + id.value() + " does not offer this"};
  return carrier;
}
}  // namespace

namespace {
// The request's carrier and number, or why it is refused (no work done).
struct ReserveRequest {
  Carrier* carrier = nullptr;
  std::string msisdn;
};
ApiResult<ReserveRequest> reserve_request(Ctx& c) {
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

// The Idempotency-Key is required: the answer is stored and replayed; a
// retry while the first request still runs is 409. Retryable failures (5xx)
// are not stored, so the same key can try again.
//
// Two store transactions: the key and the number are claimed together
// before the carrier call, the hold and the stored answer written together
// after it; the response waits for the flush that covers the second
// (HttpApi::handle).
Awaitable create_reservation(Ctx& c) {
  auto key = c.req["Idempotency-Key"];
  if (key.empty())
    co_return error_response(
        c, ApiError{400, "IDEMPOTENCY_KEY_REQUIRED", "the Idempotency-Key header is required"});
  if (key.size() > 255)
    co_return error_response(c, bad_argument("Idempotency-Key has at most 255 characters"));
  const std::string k(key), hash = crypto::sha256_hex("reservations\n" + c.req.body());
  auto request = reserve_request(c);
  std::optional<ApiError> invalid;
  if (!request) invalid = request.error();
  Carrier* carrier = request ? request->carrier : nullptr;
  static const std::string kNone;
  auto start =
      c.svc.store->start_reservation(c.tenant, k, hash, carrier ? carrier->config().id : kNone,
                                     request ? request->msisdn : kNone, invalid, c.svc.now());
  switch (start.claim.kind) {
    case KeyClaim::kMismatch:
      co_return error_response(
          c, unprocessable("IDEMPOTENCY_KEY_REUSED",
                           "this Idempotency-Key was used with a different request body"));
    case KeyClaim::kInFlight:
      co_return error_response(c, ApiError{409, "IDEMPOTENCY_KEY_IN_USE",
                                           "a request with this key is in progress", true});
    case KeyClaim::kReplay: {
      Response res{static_cast<net::http::status>(start.claim.replay.http_status), c.req.version()};
      res.set(net::http::field::content_type, "application/json");
      res.set("X-Request-Id", c.request_id);
      res.set("Idempotent-Replayed", "true");
      res.keep_alive(c.req.keep_alive());
      res.body() = start.claim.replay.body;
      res.prepare_payload();
      co_return res;
    }
    case KeyClaim::kNew:
      break;
  }
  if (start.refused) co_return error_response(c, *start.refused);  // stored under the key

  // A new reservation, or one of this key's earlier attempts that a crash
  // or an unknown carrier answer interrupted: reserved at the carrier under
  // the same gateway reservation id, so a carrier that took the first
  // attempt's lock answers with that lock (adopted, same reservation).
  Reservation held = std::move(*start.reservation);
  const int64_t hold_ms = carrier->config().reservation_hold_seconds * 1000;
  ReserveOutput out;
  OperationOutcome outcome;
  try {
    ReserveInput in{held.msisdn, held.id, carrier->config().reservation_hold_seconds};
    outcome = co_await carrier->run(op::kNumberReserve, json::serialize(json::value_from(in)));
    if (outcome.ok) out = json::value_to<ReserveOutput>(outcome.result);
  } catch (...) {
    // The carrier may have taken the lock: pending, adoptable by a retry of
    // the key until the recovery releases it.
    c.svc.store->interrupt_reservation_with_key(
        held.id, c.svc.now() + c.svc.config.reservation_recovery_grace.count(), c.tenant, k);
    throw;
  }
  if (!outcome.ok) {
    auto res = error_response(c, carrier_error(outcome));
    if (outcome.outcome_unknown)
      c.svc.store->interrupt_reservation_with_key(
          held.id, c.svc.now() + c.svc.config.reservation_recovery_grace.count(), c.tenant, k);
    else
      c.svc.store->abandon_reservation_with_key(held.id, c.svc.now(), c.tenant, k,
                                                static_cast<int>(res.result_int()), res.body());
    co_return res;
  }
  const int64_t now = c.svc.now();
  auto kept = reservation::kept_expiry(out.expires_at_ms, now, hold_ms);
  if (!kept || out.carrier_reservation_id.empty()) {
    // The carrier took a lock the gateway cannot keep (an expiry no clock
    // explains, or no lock id): refused as a broken reply, never stored as
    // held; the lock is released through the queue.
    spdlog::warn("reservation={} carrier={} refused the lock reply: expires_at_ms={} now_ms={}",
                 held.id, held.carrier, out.expires_at_ms, now);
    c.svc.store->release_reservation_with_key(held.id, out.carrier_reservation_id,
                                              kept ? out.expires_at_ms : 0, now, c.tenant, k);
    co_return error_response(
        c, ApiError{502, "CARRIER_BAD_RESPONSE",
                    out.carrier_reservation_id.empty()
                        ? "the carrier's lock reply has no lock id"
                        : "the carrier reported a lock expiry its clock cannot explain",
                    true});
  }
  held.status = reservation::kHeld;
  held.carrier_reservation_id = out.carrier_reservation_id;
  held.expires_at_ms = *kept;
  auto res = json_response(c, 201, reservation_json(held));
  if (!c.svc.store->hold_reservation_with_key(held.id, held.carrier_reservation_id,
                                              held.expires_at_ms, out.expires_at_ms, now, c.tenant,
                                              k, 201, res.body()))
    co_return error_response(c, ApiError{503, "CARRIER_UNAVAILABLE",
                                         "the reservation was recovered while the carrier "
                                         "answered; its lock is being released; retry",
                                         true});
  co_return res;
}

Awaitable get_reservation(Ctx& c, const std::string& id) {
  auto r = c.svc.store->reservation(c.tenant, id, c.svc.now());
  if (!r) co_return error_response(c, not_found("no such reservation"));
  co_return json_response(c, 200, reservation_json(*r));
}

// The carrier release is tried at once; when it fails the release is
// queued (retried with backoff) and the answer is 202 with `releasing`.
Awaitable delete_reservation(Ctx& c, const std::string& id) {
  auto r = c.svc.store->reservation(c.tenant, id, c.svc.now());
  if (!r) co_return error_response(c, not_found("no such reservation"));
  if (r->status == reservation::kConsumed)
    co_return error_response(
        c, ApiError{409, "RESERVATION_NOT_HELD", "the reservation is used by an activation"});
  if (r->status == reservation::kPending)
    co_return error_response(c, ApiError{409, "RESERVATION_NOT_HELD",
                                         "the reservation is still being made; retry", true});
  if (r->status != reservation::kHeld) co_return json_response(c, 200, reservation_json(*r));
  Carrier* carrier = c.svc.carrier(r->carrier);
  std::string why = "carrier not loaded";
  if (carrier) {
    ReleaseInput in{r->msisdn, r->carrier_reservation_id};
    auto outcome = co_await carrier->run(op::kNumberRelease, json::serialize(json::value_from(in)));
    // A hold the carrier no longer knows is released all the same.
    if (outcome.ok || outcome.code == "RESERVATION_EXPIRED" ||
        outcome.code == "RESERVATION_NOT_FOUND") {
      c.svc.store->release_reservation(r->id, c.svc.now());
      r->status = reservation::kReleased;
      co_return json_response(c, 200, reservation_json(*r));
    }
    why = outcome.code;
  }
  if (c.svc.store->queue_release(r->id, reservation::kReleased, c.svc.now())) {
    spdlog::info("reservation={} release queued after: {}", r->id, why);
    r->status = reservation::kReleasing;
    co_return json_response(c, 202, reservation_json(*r));
  }
  // Changed meanwhile (consumed or expired): show what it is now.
  r = c.svc.store->reservation(c.tenant, id, c.svc.now());
  co_return json_response(c, 200, reservation_json(*r));
}

Awaitable create_verification(Ctx& c) {
  auto body = parse_body(c, {"carrier", "name", "id_number", "portrait_b64"});
  if (!body) co_return error_response(c, body.error());
  auto carrier = carrier_for(c, body.value(), CGW_CAP_KYC);
  if (!carrier) co_return error_response(c, carrier.error());
  auto name = req_string(body.value(), "name", 64);
  if (!name) co_return error_response(c, name.error());
  auto id_number = req_string(body.value(), "id_number", 32);
  if (!id_number) co_return error_response(c, id_number.error());
  auto portrait = opt_string(body.value(), "portrait_b64", c.svc.config.max_body_bytes);
  if (!portrait) co_return error_response(c, portrait.error());
  if (portrait.value() && !crypto::base64_decode(*portrait.value()))
    co_return error_response(c, bad_argument("portrait_b64 is not valid base64"));

  KycVerifyInput in{name.value(), id_number.value(), portrait.value()};
  KycVerifyOutput out;
  // The structure, birth date and check digit are checked here: a bad ID
  // number never costs a (paid) carrier call.
  const id::Date today = id::beijing_date(c.svc.now());
  auto check = id::check_id_number(in.id_number, today);
  if (!check.ok()) {
    out.result = "rejected";
    out.reasons = {"ID_INVALID"};
  } else if (id::age_on(check.birth, today) < id::kMinimumApplicantAge) {
    // The birth date is in the number: an applicant under 16 cannot open a
    // line online with any carrier, so the (paid) carrier call is saved.
    // A carrier with a higher minimum still refuses on its own check.
    in.id_number = check.normalized;
    out.result = "rejected";
    out.reasons = {"UNDERAGE"};
  } else {
    // Each verification is a paid carrier call: a tenant has a budget.
    if (c.svc.quotas)
      if (auto wait_s = c.svc.quotas->admit_kyc(c.tenant); wait_s > 0)
        co_return quota_response(c, "KYC_QUOTA_EXCEEDED", "KYC verification", wait_s);
    in.id_number = check.normalized;
    auto outcome =
        co_await carrier.value()->run(op::kKycVerify, json::serialize(json::value_from(in)));
    if (!outcome.ok) co_return error_response(c, carrier_error(outcome));
    out = json::value_to<KycVerifyOutput>(outcome.result);
    if (out.result != "passed" && out.result != "rejected" && out.result != "review")
      co_return error_response(
          c, ApiError{502, "PLUGIN_ERROR", "the plugin returned an unknown KYC result"});
    if (out.result == "review" && out.reasons.empty()) out.reasons = {"MANUAL_REVIEW"};
  }
  auto v =
      c.svc.store->save_verification(c.tenant, carrier.value()->config().id, in, out, c.svc.now());
  spdlog::info("kyc verification={} carrier={} id={} result={}", v.id, v.carrier,
               v.id_number_masked, v.result);
  co_return json_response(c, 200, verification_json(v));
}

Awaitable get_verification(Ctx& c, const std::string& id) {
  auto v = c.svc.store->verification(c.tenant, id);
  if (!v) co_return error_response(c, not_found("no such verification"));
  co_return json_response(c, 200, verification_json(*v));
}

}  // namespace cgw::gw::api
