// Turning unicom replies into results or normalized errors, exactly per the
// tables in docs/carriers/unicom.md. Carrier replies are untrusted input:
// every field is type-checked and nothing here may throw anything but
// BadReply.
#pragma once

#include <cgw/plugin.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace cgw::unicom {

// The envelope code of a success.
inline constexpr std::string_view kSuccessCode = "0000";

// What the error mapping needs to know about the operation in flight.
struct OpTraits {
  std::string_view name;
  // Changes carrier state: a lost or unreadable reply leaves the outcome
  // unknown, and the gateway must query or reconcile instead of assuming.
  bool writes = false;
  // activation.submit: even a 5xx may hide an accepted order (a proxy can
  // answer 502 after the carrier committed), so it is outcome_unknown too.
  bool unknown_on_5xx = false;
  // The request is safe to send twice (CGW_REQUEST_REPLAYABLE): the carrier
  // deduplicates it (out_lock_id, out_order_id) or it changes nothing.
  // The host may then resend it on a fresh connection when a reused one
  // broke before any reply byte (docs/carriers/unicom.md).
  bool replayable = false;
};

// Thrown by the field readers when the reply lacks the promised shape. The
// message names the field, never its value (values may be personal data).
class BadReply : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The `data` object of a success, or the normalized error for this reply.
using Reply = std::variant<json::object, Error>;
Reply unwrap_reply(const HttpResponse& response, const OpTraits& op);

// The error for a business code other than "0000" (doc table; "other" ->
// CARRIER_REJECTED).
Error map_business_code(std::string_view carrier_code);

// CARRIER_BAD_RESPONSE for `op`; outcome_unknown for writes, because the
// carrier did answer and may have applied the request.
Error bad_response(const OpTraits& op, std::string_view what);

// 4001..4009 -> ID_INVALID, ...; nullopt for codes outside the table.
std::optional<std::string_view> kyc_reason(std::string_view carrier_code);

// IN_PROCESS / ACTIVATED / FAILED -> submitted / activated / failed.
std::optional<std::string_view> order_status(std::string_view order_state);

// FREE / LOCKED / SOLD -> available / reserved / sold.
std::optional<std::string_view> number_status(std::string_view state);

// Typed field readers over a reply's JSON. req_* throw BadReply when the
// member is absent, null or of the wrong type; opt_* accept absent or null.
const json::object& as_object(const json::value& v, std::string_view what);
const json::array& req_array(const json::object& o, std::string_view key);
std::string req_string(const json::object& o, std::string_view key);
// An identifier (order id, lock id, ...): a non-empty string.
std::string req_id(const json::object& o, std::string_view key);
std::string opt_string(const json::object& o, std::string_view key);
int64_t req_int(const json::object& o, std::string_view key);
std::optional<int64_t> opt_int(const json::object& o, std::string_view key);
bool req_bool(const json::object& o, std::string_view key);

}  // namespace cgw::unicom
