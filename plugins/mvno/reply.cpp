#include "reply.hpp"

#include <array>

namespace cgw::mvno {
namespace {

// Fixed texts: the carrier's own message may echo personal data.
constexpr std::array<CodeRule, 22> kCodes{{
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
    // After-sales (subscriber services).
    {"5001", code::kSubscriberNotFound, false, "not a line of this partner"},
    {"5002", code::kCarrierRejected, false, "line closed"},
    {"5102", code::kCarrierRejected, false, "partner recharge no. used for another recharge"},
    {"5201", code::kIdentityMismatch, false, "holder is not the registered owner"},
    {"5301", code::kCarrierRejected, false,
     "line suspended by the carrier, re-verification pending"},
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
    {"ACCEPTED", OrderStatus::submitted},          {"SHIPPED", OrderStatus::shipped},
    {"DELIVERED", OrderStatus::delivered},         {"OPENED", OrderStatus::activated},
    {"FIRST_RECHARGED", OrderStatus::first_topup}, {"CANCELLED", OrderStatus::cancelled},
    {"RETURNED", OrderStatus::returned},           {"FAILED", OrderStatus::failed}};

constexpr std::pair<std::string_view, SubscriberStatus> kLineStates[] = {
    {"NORMAL", SubscriberStatus::active},
    {"SUSPENDED", SubscriberStatus::suspended},
    {"CLOSED", SubscriberStatus::cancelled}};

// Longer than any reason code of the protocol: a reply with more is broken.
constexpr size_t kMaxReasonLength = 32;

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

std::optional<SubscriberStatus> line_status(std::string_view status) {
  return lookup(kLineStates, status);
}

OrderState read_order_state(const json::object& o) {
  const auto status = order_status(req_string(o, "orderStatus"));
  if (!status) throw BadReply("field 'orderStatus' has an unknown value");
  OrderState s;
  s.status = *status;
  switch (s.status) {
    case OrderStatus::failed:
      // A 3xxx code (or any code of a newer release): kept as the carrier gave it.
      s.reason = opt_string(o, "failCode");
      break;
    case OrderStatus::cancelled:
    case OrderStatus::returned:
      s.reason = read_reason(o, "reasonCode");
      break;
    case OrderStatus::shipped:
      // The gateway shows the waybill so the subscriber can track the card.
      s.courier = req_id(o, "logisticsCompany");
      s.waybill = req_id(o, "waybillNo");
      break;
    case OrderStatus::first_topup:
      s.amount_fen = req_int(o, "firstRechargeAmount");
      if (*s.amount_fen <= 0) throw BadReply("field 'firstRechargeAmount' is not positive");
      break;
    default:
      break;
  }
  return s;
}

SubscriberInfo read_line(const json::object& data, std::string_view msisdn) {
  if (req_id(data, "msisdn") != msisdn) throw BadReply("reply is about another number");
  const auto status = line_status(req_string(data, "lineStatus"));
  if (!status) throw BadReply("field 'lineStatus' has an unknown value");
  SubscriberInfo info;
  info.status = *status;
  info.plan_id = opt_string(data, "productCode");
  info.balance_fen = req_int(data, "balance");  // negative when in arrears
  info.data_left_mb = opt_int(data, "dataLeftMb");
  info.voice_left_minutes = opt_int(data, "voiceLeftMin");
  if (*status != SubscriberStatus::active) info.reason = read_reason(data, "reasonCode");
  return info;
}

std::string read_reason(const json::object& o, std::string_view key) {
  const std::string r = opt_string(o, key);
  if (r.empty()) return r;
  // Only a plain code is copied: a free text could carry personal data.
  if (!plausible_code(r, kMaxReasonLength))
    throw BadReply("field '" + std::string(key) + "' is not a code");
  return gateway_reason(r);
}

std::string gateway_reason(std::string_view carrier_reason) {
  std::string r(carrier_reason);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

std::string carrier_reason(std::string_view gateway_reason) {
  std::string r(gateway_reason);
  for (char& c : r)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return r;
}

}  // namespace cgw::mvno
