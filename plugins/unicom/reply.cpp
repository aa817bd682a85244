#include "reply.hpp"

#include <array>

namespace cgw::unicom {
namespace {

// Fixed texts: the carrier's own msg may echo personal data.
constexpr std::array<CodeRule, 21> kCodes{{
    {"1001", code::kCarrierAuthFailed, false, "app_key missing or unknown"},
    {"1002", code::kCarrierAuthFailed, false, "bad sign"},
    // Our clock or the carrier's is off: a later attempt with a fresh
    // timestamp may pass once the clocks agree.
    {"1003", code::kCarrierAuthFailed, true, "timestamp out of window"},
    {"2001", code::kInvalidArgument, false, "required parameter missing"},
    {"2002", code::kInvalidArgument, false, "parameter malformed"},
    // The carrier does not know the method or version this plugin speaks:
    // a refusal, not a caller mistake.
    {"2003", code::kCarrierRejected, false, "method or version not supported"},
    {"3001", code::kNumberUnavailable, false, "number not found"},
    {"3002", code::kNumberUnavailable, false, "number already locked or sold"},
    {"3003", code::kReservationExpired, false, "lock not found or expired"},
    {"3004", code::kReservationNotFound, false, "lock does not belong to this number"},
    {"3005", code::kPlanNotFound, false, "product not found"},
    {"4010", code::kCarrierUnavailable, true, "real-name service unavailable"},
    {"5001", code::kOrderNotFound, false, "order not found"},
    // Outside activation.cancel (which answers them as a refusal) these are
    // plain refusals: the order is past the point the call needs.
    {"5002", code::kCarrierRejected, false, "order already shipped"},
    {"5003", code::kCarrierRejected, false, "order already finished"},
    {"6001", code::kSubscriberNotFound, false, "number is not a line of this partner"},
    {"6002", code::kCarrierRejected, false, "line closed"},
    // The anti-fraud rules: the partner cannot lift the carrier's own stop.
    {"6003", code::kCarrierRejected, false, "line stopped by the carrier"},
    // Outside subscriber.recharge_query (where it is the not_found verdict).
    {"6101", code::kCarrierRejected, false, "recharge not found"},
    {"6102", code::kCarrierRejected, false, "out_recharge_id used for another recharge"},
    {"9999", code::kCarrierUnavailable, true, "carrier system busy"},
}};

constexpr std::array<NameRule, 9> kKycReasons{{
    {"4001", "ID_INVALID"},
    {"4002", "ID_NAME_MISMATCH"},
    {"4003", "ID_NOT_FOUND"},
    {"4004", "ID_INVALIDATED"},
    {"4005", "UNDERAGE"},
    {"4006", "FACE_MISMATCH"},
    {"4007", "LIVENESS_FAILED"},
    {"4008", "QUOTA_EXCEEDED"},
    {"4009", "BLACKLISTED"},
}};

constexpr std::pair<std::string_view, OrderStatus> kOrderStates[] = {
    {"IN_PROCESS", OrderStatus::submitted}, {"ACTIVATED", OrderStatus::activated},
    {"FAILED", OrderStatus::failed},        {"SHIPPED", OrderStatus::shipped},
    {"DELIVERED", OrderStatus::delivered},  {"FIRST_RECHARGED", OrderStatus::first_topup},
    {"CANCELLED", OrderStatus::cancelled}};
constexpr std::pair<std::string_view, SubscriberStatus> kUserStates[] = {
    {"NORMAL", SubscriberStatus::active},
    {"STOPPED", SubscriberStatus::suspended},
    {"CLOSED", SubscriberStatus::cancelled}};
// order.cancel's refusals: the carrier's code -> the reason the gateway shows.
constexpr NameRule kCancelRefusals[] = {{"5002", "already_shipped"}, {"5003", "order_finished"}};
constexpr std::pair<std::string_view, NumberState> kNumberStates[] = {
    {"FREE", NumberState::available},
    {"LOCKED", NumberState::reserved},
    {"SOLD", NumberState::sold}};

}  // namespace

std::string prefix(const OpTraits& op) {
  return "unicom " + std::string(op.name) + ": ";
}

Reply unwrap_reply(const HttpResponse& r, const OpTraits& op) {
  // The protocol answers everything, business errors included, with HTTP
  // 200; any other status was not produced by the carrier's router.
  return unwrap_json(r, prefix(op), op, JsonEnvelope{.success = kSuccessCode},
                     [](std::string_view code) { return map_business_code(code); });
}

Error map_business_code(std::string_view carrier_code) {
  if (auto e = map_code(kCodes, carrier_code, "unicom: ")) return std::move(*e);
  const std::string cc(carrier_code);
  // The carrier re-checks the applicant at order time; its real-name
  // verdict is the useful message (a reason name, not personal data).
  if (auto reason = kyc_reason(carrier_code))
    return Error{code::kCarrierRejected, std::string(*reason), cc, false, false};
  return Error{code::kCarrierRejected, "unicom: carrier rejected the request (" + cc + ")", cc,
               false, false};
}

std::optional<std::string_view> kyc_reason(std::string_view carrier_code) {
  return lookup(kKycReasons, carrier_code);
}

std::optional<OrderStatus> order_status(std::string_view order_state) {
  return lookup(kOrderStates, order_state);
}

std::optional<NumberState> number_status(std::string_view state) {
  return lookup(kNumberStates, state);
}

std::optional<SubscriberStatus> user_status(std::string_view user_state) {
  return lookup(kUserStates, user_state);
}

std::optional<std::string_view> cancel_refusal(std::string_view carrier_code) {
  return lookup(kCancelRefusals, carrier_code);
}

}  // namespace cgw::unicom
