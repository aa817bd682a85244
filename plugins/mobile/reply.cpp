#include "reply.hpp"

#include <array>

namespace cgw::mobile {
namespace {

// Fixed texts: the carrier's own message may echo personal data.
constexpr std::array<CodeRule, 18> kCodes{{
    {"1001", code::kCarrierAuthFailed, false, "bad signature"},
    {"1002", code::kCarrierAuthFailed, true, "timestamp out of window"},
    {"1003", code::kCarrierAuthFailed, true, "nonce replayed"},
    {"1004", code::kCarrierAuthFailed, false, "unknown app id"},
    {"2001", code::kInvalidArgument, false, "parameter error"},
    {"3001", code::kNumberUnavailable, false, "number not found"},
    {"3002", code::kNumberUnavailable, false, "number already locked or sold"},
    {"3003", code::kReservationExpired, false, "lock not found or expired"},
    {"3004", code::kPlanNotFound, false, "plan not found"},
    {"5001", code::kOrderNotFound, false, "order not found"},
    {"5002", code::kReservationNotFound, false, "lock does not belong to this number"},
    {"6001", code::kSubscriberNotFound, false, "subscriber not found"},
    {"6003", code::kIdentityMismatch, false, "holder does not match the registered owner"},
    {"6004", code::kInvalidArgument, false, "recharge amount out of range"},
    {"6006", code::kCarrierRejected, false, "line cancelled"},
    {"6007", code::kCarrierRejected, false, "suspended by the carrier, re-verification required"},
    {"5003", code::kCarrierRejected, false, "order already shipped"},
    {"9999", code::kCarrierUnavailable, true, "carrier system busy"},
}};

constexpr std::array<NameRule, 9> kKycReasons{{
    {"4001", "ID_INVALID"},
    {"4002", "ID_NAME_MISMATCH"},
    {"4003", "ID_NOT_FOUND"},
    {"4004", "UNDERAGE"},
    {"4005", "QUOTA_EXCEEDED"},
    {"4006", "FACE_MISMATCH"},
    {"4007", "LIVENESS_FAILED"},
    {"4008", "BLACKLISTED"},
    {"4009", "ID_INVALIDATED"},
}};

constexpr std::pair<std::string_view, OrderStatus> kOrderStates[] = {
    {"PROCESSING", OrderStatus::submitted}, {"REVIEWING", OrderStatus::reviewing},
    {"SHIPPED", OrderStatus::shipped},      {"DELIVERED", OrderStatus::delivered},
    {"SUCCESS", OrderStatus::activated},    {"FIRST_TOPUP", OrderStatus::first_topup},
    {"FAILED", OrderStatus::failed},        {"CANCELLED", OrderStatus::cancelled},
    {"RETURNED", OrderStatus::returned}};

}  // namespace

std::string prefix(const OpTraits& op) {
  return "mobile " + std::string(op.name) + ": ";
}

Reply unwrap_reply(const HttpResponse& r, const OpTraits& op) {
  // The protocol answers everything, errors included, with HTTP 200 and
  // {"code":"0","data":{...}}; any other status was not produced by the
  // carrier application.
  return unwrap_json(r, prefix(op), op, JsonEnvelope{}, [&](std::string_view code) {
    Error e = map_business_code(code);
    // Nonces are random per request: a nonce the carrier has seen means it
    // got this very request before (the host resent a replayable request
    // after a connection broke), so a write's outcome is unknown.
    if (code == "1003") e.outcome_unknown = op.writes;
    return e;
  });
}

Error map_business_code(std::string_view carrier_code) {
  if (auto e = map_code(kCodes, carrier_code, "mobile: ")) return std::move(*e);
  const std::string cc(carrier_code);
  // The carrier re-checks the applicant at order time; its KYC verdict is
  // the useful message (a reason name, not personal data).
  if (auto reason = kyc_reason(carrier_code))
    return Error{code::kCarrierRejected, std::string(*reason), cc, false, false};
  return Error{code::kCarrierRejected, "mobile: carrier rejected the request (" + cc + ")", cc,
               false, false};
}

std::optional<std::string_view> kyc_reason(std::string_view carrier_code) {
  return lookup(kKycReasons, carrier_code);
}

std::optional<OrderStatus> order_status(std::string_view order_state) {
  return lookup(kOrderStates, order_state);
}

}  // namespace cgw::mobile
