#include "reply.hpp"

#include <array>

namespace cgw::telecom {
namespace {

// Fixed texts: the carrier's own message may echo personal data.
constexpr std::array<CodeRule, 25> kCodes{{
    {"10001", code::kCarrierAuthFailed, false, "access token missing"},
    {"10002", code::kCarrierAuthFailed, true, "access token invalid"},
    {"10003", code::kCarrierAuthFailed, true, "access token expired"},
    {"10004", code::kCarrierAuthFailed, false, "client not authorized for this API"},
    {"10005", code::kCarrierUnavailable, true, "rate limit exceeded"},
    {"20001", code::kInvalidArgument, false, "request body is not well-formed XML"},
    {"20002", code::kInvalidArgument, false, "missing or invalid parameter"},
    {"20003", code::kCarrierRejected, false, "unknown API or method (check base_url)"},
    {"30001", code::kNumberUnavailable, false, "number does not exist"},
    {"30002", code::kNumberUnavailable, false, "number reserved or sold"},
    {"30003", code::kReservationExpired, false, "reservation not found or expired"},
    {"30004", code::kReservationNotFound, false, "reservation belongs to another number"},
    {"30005", code::kPlanNotFound, false, "plan not found"},
    {"50001", code::kOrderNotFound, false, "order not found"},
    {"50002", code::kCarrierRejected, false, "order status does not allow this call"},
    {"50003", code::kCarrierRejected, false, "ID photos missing"},
    {"50004", code::kCarrierRejected, false, "partner order id used for another order"},
    {"50005", code::kInvalidArgument, false, "photo rejected (format or size)"},
    // Outside orders/cancel (where it is a refusal, the carrier's verdict).
    {"50006", code::kCarrierRejected, false, "order already shipped"},
    {"60001", code::kSubscriberNotFound, false, "number is not a line of this partner"},
    {"60002", code::kCarrierRejected, false, "line terminated"},
    {"60003", code::kIdentityMismatch, false, "holder is not the registered owner"},
    // Outside recharges/query (where it is the not_found verdict).
    {"60101", code::kCarrierRejected, false, "recharge not found"},
    {"60102", code::kCarrierRejected, false, "partner recharge id used for another recharge"},
    {"90001", code::kCarrierUnavailable, true, "carrier system busy"},
}};

constexpr std::array<NameRule, 9> kKycReasons{{
    {"40001", "ID_INVALID"},
    {"40002", "ID_NAME_MISMATCH"},
    {"40003", "ID_NOT_FOUND"},
    {"40004", "UNDERAGE"},
    {"40005", "QUOTA_EXCEEDED"},
    {"40006", "FACE_MISMATCH"},
    {"40007", "LIVENESS_FAILED"},
    {"40008", "BLACKLISTED"},
    {"40009", "ID_INVALIDATED"},
}};

constexpr std::string_view kUpstreamTimeout = "90002";

}  // namespace

std::string error_prefix(const CallTraits& t) {
  std::string s = "telecom ";
  s.append(t.op).append(" (").append(t.call).append("): ");
  return s;
}

bool plausible_code(std::string_view c) {
  return cgw::plausible_code(c, 32);
}

namespace {
// The SDK's mapping needs only the flags; the message prefix names the call.
OpTraits op_traits(const CallTraits& t) {
  return OpTraits{t.op, t.writes, t.unknown_on_5xx, false};
}
}  // namespace

Error bad_response(const CallTraits& t, std::string_view what) {
  return bad_reply(error_prefix(t), op_traits(t), what);
}

std::optional<Error> transport_failure(const HttpResponse& r, const CallTraits& t) {
  return transport_error(r, error_prefix(t), op_traits(t));
}

Error map_carrier_code(std::string_view carrier_code, const CallTraits& t) {
  if (auto e = map_code(kCodes, carrier_code, error_prefix(t))) return std::move(*e);
  const std::string cc(carrier_code);
  if (carrier_code == kUpstreamTimeout)
    return Error{code::kCarrierUnavailable,
                 error_prefix(t) + "real-name system timed out (" + cc + ")", cc, true, false};
  // At order time the carrier re-checks the applicant; its verdict (a
  // reason name, not personal data) is the useful message.
  if (auto reason = kyc_reason(carrier_code))
    return Error{*reason == "QUOTA_EXCEEDED" ? code::kQuotaExceeded : code::kCarrierRejected,
                 std::string(*reason), cc, false, false};
  return Error{code::kCarrierRejected,
               error_prefix(t) + "carrier rejected the request (" + cc + ")", cc, false, false};
}

std::optional<std::string_view> kyc_reason(std::string_view carrier_code) {
  return lookup(kKycReasons, carrier_code);
}

Unwrapped unwrap_reply(const HttpResponse& r, const CallTraits& t, pugi::xml_document& doc) {
  Unwrapped u;
  if (auto e = transport_failure(r, t)) {
    u.error = std::move(e);
    return u;
  }
  const bool client_error = r.status >= 400 && r.status <= 499;
  if (r.status != 200 && !client_error) {
    u.error = Error{code::kCarrierBadResponse,
                    error_prefix(t) + "unexpected carrier HTTP " + std::to_string(r.status),
                    {},
                    false,
                    false};
    return u;
  }
  if (!xml::parse(r.body, doc)) {
    // A 4xx without the protocol's error element came from something in
    // front of the carrier (a proxy, a gateway): it did not apply anything.
    u.error = client_error
                  ? Error{code::kCarrierBadResponse,
                          error_prefix(t) + "unexpected carrier HTTP " + std::to_string(r.status),
                          {},
                          false,
                          false}
                  : bad_response(t, "not well-formed XML");
    return u;
  }
  const pugi::xml_node root = root_element(doc);
  try {
    if (std::string_view(root.name()) == "Error") {
      const std::string cc = req_text(root, "Code");
      if (!plausible_code(cc)) throw BadReply("element 'Code' is malformed");
      u.error = map_carrier_code(cc, t);
      u.token_rejected = cc == "10002" || cc == "10003";
      return u;
    }
    if (std::string_view(root.name()) != "Response" || client_error)
      throw BadReply("unexpected root element");
    if (req_text(root, "Code") != "0") throw BadReply("a Response element with a non-zero Code");
    u.data = req_child(root, "Data");
  } catch (const BadReply& e) {
    u.error = bad_response(t, e.what());
  }
  return u;
}

}  // namespace cgw::telecom
