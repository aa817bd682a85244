#include "reply.hpp"

#include <array>

namespace cgw::mvno {
namespace {

// Fixed texts: the carrier's own message may echo personal data.
constexpr std::array<CodeRule, 17> kCodes{{
    {"1001", code::kCarrierAuthFailed, false, "signature verification failed"},
    {"1002", code::kCarrierAuthFailed, true, "timestamp out of window"},
    {"1003", code::kCarrierAuthFailed, true, "nonce replayed"},
    {"1004", code::kCarrierAuthFailed, false, "unknown partner"},
    {"1005", code::kCarrierAuthFailed, false, "unsupported sign type"},
    {"1101", code::kInvalidArgument, false, "parameter error"},
    // The field key we hold is not the carrier's: a credentials problem.
    {"1102", code::kCarrierAuthFailed, false, "encrypted field cannot be decrypted"},
    {"2001", code::kNumberUnavailable, false, "number not found"},
    {"2002", code::kNumberUnavailable, false, "number occupied or sold"},
    {"2003", code::kReservationExpired, false, "occupation not found or expired"},
    {"2004", code::kReservationNotFound, false, "occupation belongs to another number"},
    {"2101", code::kPlanNotFound, false, "product not found or off sale"},
    {"4001", code::kOrderNotFound, false, "order not found"},
    {"4002", code::kCarrierRejected, false, "partner order no. used for another order"},
    {"4003", code::kQuotaExceeded, false, "partner's daily order limit reached"},
    {"3101", code::kCarrierUnavailable, true, "real-name channel unavailable"},
    {"9001", code::kCarrierUnavailable, true, "carrier system busy"},
}};

constexpr std::array<NameRule, 9> kKycReasons{{
    {"3001", "ID_INVALID"},
    {"3002", "ID_NAME_MISMATCH"},
    {"3003", "ID_NOT_FOUND"},
    {"3004", "UNDERAGE"},
    {"3005", "QUOTA_EXCEEDED"},
    {"3006", "FACE_MISMATCH"},
    {"3007", "LIVENESS_FAILED"},
    {"3008", "BLACKLISTED"},
    {"3009", "ID_INVALIDATED"},
}};

constexpr std::pair<std::string_view, OrderStatus> kOrderStates[] = {
    {"ACCEPTED", OrderStatus::submitted},
    {"OPENED", OrderStatus::activated},
    {"FAILED", OrderStatus::failed}};

}  // namespace

std::string prefix(const OpTraits& op) {
  return "mvno " + std::string(op.name) + ": ";
}

Reply unwrap_reply(const HttpResponse& r, const OpTraits& op) {
  return unwrap_json(r, prefix(op), op, JsonEnvelope{.success = kSuccessCode},
                     [&](std::string_view code) {
                       Error e = map_business_code(code, op);
                       // Nonces are random per request: a nonce the carrier
                       // has seen means it got this very request before (the
                       // host resent a replayable request after a connection
                       // broke), so a write's outcome is unknown.
                       if (code == "1003") e.outcome_unknown = op.writes;
                       return e;
                     });
}

Error map_business_code(std::string_view carrier_code, const OpTraits& op) {
  if (auto e = map_code(kCodes, carrier_code, "mvno: ")) return std::move(*e);
  const std::string cc(carrier_code);
  // The MVNO forwards writes to its host network; when that times out the
  // MVNO itself does not know whether the host applied the request.
  if (carrier_code == "9002")
    return Error{code::kCarrierTimeout, "mvno: host network timed out (9002)", cc, true, op.writes};
  // The carrier re-checks the applicant at order time; its KYC verdict is
  // the useful message (a reason name, not personal data).
  if (auto reason = kyc_reason(carrier_code))
    return Error{code::kCarrierRejected, std::string(*reason), cc, false, false};
  return Error{code::kCarrierRejected, "mvno: carrier rejected the request (" + cc + ")", cc, false,
               false};
}

std::optional<std::string_view> kyc_reason(std::string_view carrier_code) {
  return lookup(kKycReasons, carrier_code);
}

std::optional<OrderStatus> order_status(std::string_view status) {
  return lookup(kOrderStates, status);
}

}  // namespace cgw::mvno
