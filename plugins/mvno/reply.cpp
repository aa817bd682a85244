#include "reply.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

namespace cgw::mvno {
namespace {

struct CodeRow {
  std::string_view carrier_code;
  const char* gateway_code;
  bool retryable;
  const char* text;  // fixed text: the carrier's own message may echo PII
};

constexpr std::array<CodeRow, 15> kCodes{{
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
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kKycReasons{{
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

// A code we are willing to copy into an error: short and plain, so a hostile
// or broken carrier cannot smuggle arbitrary text (or PII) into our errors.
bool plausible_code(std::string_view c) {
  return !c.empty() && c.size() <= 16 && std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           ch == '_' || ch == '-';
  });
}

std::string field_error(std::string_view key, std::string_view problem) {
  return "field '" + std::string(key) + "' " + std::string(problem);
}

const json::value& member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) throw BadReply(field_error(key, "is missing"));
  return *v;
}

}  // namespace

Error bad_response(const OpTraits& op, std::string_view what) {
  return Error{code::kCarrierBadResponse,
               "mvno " + std::string(op.name) + ": bad carrier reply: " + std::string(what),
               {},
               false,
               op.writes};
}

Reply unwrap_reply(const HttpResponse& r, const OpTraits& op) {
  const std::string prefix = "mvno " + std::string(op.name) + ": ";
  switch (r.transport) {
    case CGW_TRANSPORT_OK:
      break;
    case CGW_TRANSPORT_NOT_SENT:
      // Nothing reached the carrier, so even a write is safe to retry.
      return Error{code::kCarrierUnavailable, prefix + "carrier not reachable", {}, true, false};
    case CGW_TRANSPORT_RESPONSE_TOO_BIG:
      return bad_response(op, "response too big");
    case CGW_TRANSPORT_TIMEOUT:
    case CGW_TRANSPORT_BROKEN:
    default:
      // Unknown transport codes from a newer host are treated like a lost
      // reply: the conservative reading for writes.
      return Error{
          code::kCarrierTimeout, prefix + "no complete reply from carrier", {}, true, op.writes};
  }
  if (r.status >= 500 && r.status <= 599)
    return Error{code::kCarrierUnavailable,
                 prefix + "carrier HTTP " + std::to_string(r.status),
                 {},
                 true,
                 op.unknown_on_5xx};
  // The protocol answers everything, errors included, with HTTP 200; any
  // other status was not produced by the carrier application.
  if (r.status != 200)
    return Error{code::kCarrierBadResponse,
                 prefix + "unexpected carrier HTTP " + std::to_string(r.status),
                 {},
                 false,
                 false};

  boost::system::error_code ec;
  json::value body = json::parse(r.body, ec);
  if (ec) return bad_response(op, "not valid JSON");
  if (!body.is_object()) return bad_response(op, "not a JSON object");
  const json::object& env = body.get_object();
  const json::value* c = env.if_contains("code");
  if (!c || !c->is_string()) return bad_response(op, "no string 'code'");
  std::string_view code = c->get_string();
  if (code != kSuccessCode) {
    if (!plausible_code(code)) return bad_response(op, "malformed 'code'");
    Error e = map_business_code(code, op);
    // Nonces are random per request: a nonce the carrier has seen means it
    // got this very request before (the host resent a replayable request
    // after a connection broke), so a write's outcome is unknown.
    if (code == "1003") e.outcome_unknown = op.writes;
    return e;
  }
  const json::value* data = env.if_contains("data");
  if (!data || !data->is_object()) return bad_response(op, "no 'data' object");
  return data->get_object();
}

Error map_business_code(std::string_view carrier_code, const OpTraits& op) {
  const std::string cc(carrier_code);
  for (const auto& row : kCodes)
    if (row.carrier_code == carrier_code)
      return Error{row.gateway_code, "mvno: " + std::string(row.text) + " (" + cc + ")", cc,
                   row.retryable, false};
  if (carrier_code == "3101")
    return Error{code::kCarrierUnavailable, "mvno: real-name channel unavailable (3101)", cc, true,
                 false};
  if (carrier_code == "9001")
    return Error{code::kCarrierUnavailable, "mvno: carrier system busy (9001)", cc, true, false};
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
  for (const auto& [c, reason] : kKycReasons)
    if (c == carrier_code) return reason;
  return std::nullopt;
}

std::optional<std::string_view> order_status(std::string_view status) {
  if (status == "ACCEPTED") return "submitted";
  if (status == "OPENED") return "activated";
  if (status == "FAILED") return "failed";
  return std::nullopt;
}

const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw BadReply(std::string(what) + " is not an object");
  return v.get_object();
}

const json::object& req_object(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  if (!v.is_object()) throw BadReply(field_error(key, "is not an object"));
  return v.get_object();
}

const json::array& req_array(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  if (!v.is_array()) throw BadReply(field_error(key, "is not an array"));
  return v.get_array();
}

std::string req_string(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  if (!v.is_string()) throw BadReply(field_error(key, "is not a string"));
  return std::string(v.get_string());
}

std::string opt_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) throw BadReply(field_error(key, "is not a string"));
  return std::string(v->get_string());
}

int64_t req_int(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  // Integers only: a double such as 1.5 fen is a broken reply, not a price.
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(v.get_uint64());
  throw BadReply(field_error(key, "is not an integer"));
}

std::optional<int64_t> opt_int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return req_int(o, key);
}

std::string req_id(const json::object& o, std::string_view key) {
  std::string s = req_string(o, key);
  if (s.empty()) throw BadReply(field_error(key, "is empty"));
  return s;
}

bool req_bool(const json::object& o, std::string_view key) {
  const json::value& v = member(o, key);
  if (!v.is_bool()) throw BadReply(field_error(key, "is not a boolean"));
  return v.get_bool();
}

}  // namespace cgw::mvno
