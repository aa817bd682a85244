// Turning carrier replies into results or normalized errors: the transport
// and HTTP status mapping every plugin needs (docs/sdk.md, "Errors"),
// readers for untrusted JSON fields that fail with CARRIER_BAD_RESPONSE,
// and a declarative business-code table. Header-only.
//
// Messages start with a prefix the plugin chooses ("acme number.reserve: ")
// and name fields, never their values: a reply may echo personal data.
#pragma once

#include <cgw/plugin.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace cgw {

// What error mapping needs to know about the operation in flight.
struct OpTraits {
  std::string_view name;
  // Changes carrier state: a lost or unreadable reply leaves the outcome
  // unknown, and the gateway must query or reconcile instead of assuming.
  bool writes = false;
  // Even a 5xx may hide an applied request (a proxy can answer 502 after
  // the carrier committed): activation.submit, typically.
  bool unknown_on_5xx = false;
  // Safe to send twice (CGW_REQUEST_REPLAYABLE): the carrier deduplicates
  // it or it changes nothing.
  bool replayable = false;
};

// Thrown by the field readers when a reply lacks the promised shape. The
// message names the field, never its value.
class BadReply : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// CARRIER_BAD_RESPONSE. outcome_unknown for writes: the carrier did answer
// and may have applied the request before answering garbage.
inline Error bad_reply(std::string_view prefix, const OpTraits& op, std::string_view what) {
  return Error{code::kCarrierBadResponse,
               std::string(prefix) + "bad carrier reply: " + std::string(what),
               {},
               false,
               op.writes};
}

// The error for a reply that did not arrive or carries a 5xx; nullopt when
// a complete reply with a status below 500 arrived.
inline std::optional<Error> transport_error(const HttpResponse& r, std::string_view prefix,
                                            const OpTraits& op) {
  const std::string p(prefix);
  switch (r.transport) {
    case CGW_TRANSPORT_OK:
      break;
    case CGW_TRANSPORT_NOT_SENT:
      // Nothing reached the carrier, so even a write is safe to retry.
      return Error{code::kCarrierUnavailable, p + "carrier not reachable", {}, true, false};
    case CGW_TRANSPORT_RESPONSE_TOO_BIG:
      return bad_reply(prefix, op, "response too big");
    case CGW_TRANSPORT_TIMEOUT:
    case CGW_TRANSPORT_BROKEN:
    default:
      // Unknown transport codes from a newer host read like a lost reply:
      // the conservative reading for writes.
      return Error{
          code::kCarrierTimeout, p + "no complete reply from carrier", {}, true, op.writes};
  }
  if (r.status >= 500 && r.status <= 599)
    return Error{code::kCarrierUnavailable,
                 p + "carrier HTTP " + std::to_string(r.status),
                 {},
                 true,
                 op.unknown_on_5xx};
  return std::nullopt;
}

// transport_error(), and any status but `expected` as CARRIER_BAD_RESPONSE:
// for protocols that answer everything, business errors included, with one
// status, another one was not produced by the carrier application (so it
// applied nothing: outcome known).
inline std::optional<Error> http_error(const HttpResponse& r, std::string_view prefix,
                                       const OpTraits& op, int expected = 200) {
  if (auto e = transport_error(r, prefix, op)) return e;
  if (r.status != expected)
    return Error{code::kCarrierBadResponse,
                 std::string(prefix) + "unexpected carrier HTTP " + std::to_string(r.status),
                 {},
                 false,
                 false};
  return std::nullopt;
}

// INVALID_ARGUMENT for an input the carrier cannot take, "<prefix><what>"
// (e.g. "acme number.reserve: 'msisdn' is required"). Name fields, never
// their values: names and ID numbers are personal data.
inline Error invalid_input(std::string_view prefix, std::string_view what) {
  std::string m(prefix);
  m.append(what);
  return Error{code::kInvalidArgument, std::move(m), {}, false, false};
}
inline Error required_input(std::string_view prefix, std::string_view field) {
  // Built with append(): GCC 12 reports a false -Wrestrict on "'" + string.
  std::string what(1, '\'');
  what.append(field).append("' is required");
  return invalid_input(prefix, what);
}

// A business code we are willing to copy into an error: short and plain, so
// a hostile or broken carrier cannot smuggle free text (or PII) into it.
inline bool plausible_code(std::string_view c, size_t max_len = 16) {
  return !c.empty() && c.size() <= max_len && std::all_of(c.begin(), c.end(), [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           ch == '_' || ch == '-';
  });
}

// ------------------------------------------------------ business codes

// One row of a carrier's error-code table. `text` is fixed: the carrier's
// own message may echo personal data.
struct CodeRule {
  std::string_view carrier_code;
  const char* gateway_code;
  bool retryable = false;
  const char* text = "";
  bool outcome_unknown = false;
};

// The row for `carrier_code`, or nullptr.
inline const CodeRule* find_code(std::span<const CodeRule> table, std::string_view carrier_code) {
  for (const CodeRule& r : table)
    if (r.carrier_code == carrier_code) return &r;
  return nullptr;
}

// The row's error, message "<prefix><text> (<code>)"; nullopt for a code
// outside the table.
inline std::optional<Error> map_code(std::span<const CodeRule> table, std::string_view carrier_code,
                                     std::string_view prefix) {
  const CodeRule* r = find_code(table, carrier_code);
  if (!r) return std::nullopt;
  const std::string cc(carrier_code);
  return Error{r->gateway_code, std::string(prefix) + r->text + " (" + cc + ")", cc, r->retryable,
               r->outcome_unknown};
}

// A carrier code -> value table: KYC reason names, or the SDK's enums
// (`std::pair<std::string_view, OrderStatus> kOrderStates[]`).
using NameRule = std::pair<std::string_view, std::string_view>;
template <class Table>
auto lookup(const Table& table, std::string_view key)
    -> std::optional<std::remove_cvref_t<decltype(std::begin(table)->second)>> {
  for (const auto& [k, v] : table)
    if (k == key) return v;
  return std::nullopt;
}

// ------------------------------------------------------------- JSON

namespace detail {
inline std::string field_problem(std::string_view key, std::string_view problem) {
  std::string s = "field '";
  s.append(key).append("' ").append(problem);
  return s;
}
inline const json::value& member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) throw BadReply(field_problem(key, "is missing"));
  return *v;
}
}  // namespace detail

// Typed readers over a reply's JSON. req_* throw BadReply when the member
// is absent, null or of the wrong type; opt_* accept absent or null.
inline const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw BadReply(std::string(what) + " is not an object");
  return v.get_object();
}
inline const json::object& req_object(const json::object& o, std::string_view key) {
  const json::value& v = detail::member(o, key);
  if (!v.is_object()) throw BadReply(detail::field_problem(key, "is not an object"));
  return v.get_object();
}
inline const json::array& req_array(const json::object& o, std::string_view key) {
  const json::value& v = detail::member(o, key);
  if (!v.is_array()) throw BadReply(detail::field_problem(key, "is not an array"));
  return v.get_array();
}
inline std::string req_string(const json::object& o, std::string_view key) {
  const json::value& v = detail::member(o, key);
  if (!v.is_string()) throw BadReply(detail::field_problem(key, "is not a string"));
  return std::string(v.get_string());
}
// An identifier (order id, lock id, ...): a non-empty string.
inline std::string req_id(const json::object& o, std::string_view key) {
  std::string s = req_string(o, key);
  if (s.empty()) throw BadReply(detail::field_problem(key, "is empty"));
  return s;
}
inline std::string opt_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return {};
  if (!v->is_string()) throw BadReply(detail::field_problem(key, "is not a string"));
  return std::string(v->get_string());
}
// Integers only: 1.5 fen is a broken reply, not a price.
inline int64_t req_int(const json::object& o, std::string_view key) {
  const json::value& v = detail::member(o, key);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(v.get_uint64());
  throw BadReply(detail::field_problem(key, "is not an integer"));
}
inline std::optional<int64_t> opt_int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return req_int(o, key);
}
inline bool req_bool(const json::object& o, std::string_view key) {
  const json::value& v = detail::member(o, key);
  if (!v.is_bool()) throw BadReply(detail::field_problem(key, "is not a boolean"));
  return v.get_bool();
}

// The common JSON envelope: {"<code_key>": "<success>", "<data_key>": {...}}.
struct JsonEnvelope {
  std::string_view code_key = "code";
  std::string_view success = "0";
  std::string_view data_key = "data";
  size_t max_code_len = 16;  // longer codes are refused as malformed
};

// The data object of a success, or the normalized error: http_error() for
// the transport and status, CARRIER_BAD_RESPONSE for a broken envelope,
// and `map_business_code(code)` (any callable returning Error) for a code
// other than `success`.
template <class MapCode>
std::variant<json::object, Error> unwrap_json(const HttpResponse& r, std::string_view prefix,
                                              const OpTraits& op, const JsonEnvelope& env,
                                              MapCode&& map_business_code) {
  if (auto e = http_error(r, prefix, op)) return std::move(*e);
  boost::system::error_code ec;
  json::value body = json::parse(r.body, ec);
  if (ec) return bad_reply(prefix, op, "not valid JSON");
  if (!body.is_object()) return bad_reply(prefix, op, "not a JSON object");
  const json::object& o = body.get_object();
  const json::value* c = o.if_contains(env.code_key);
  if (!c || !c->is_string())
    return bad_reply(prefix, op, "no string '" + std::string(env.code_key) + "'");
  const std::string_view code = c->get_string();
  if (code != env.success) {
    if (!plausible_code(code, env.max_code_len))
      return bad_reply(prefix, op, "malformed '" + std::string(env.code_key) + "'");
    return map_business_code(code);
  }
  const json::value* data = o.if_contains(env.data_key);
  if (!data || !data->is_object())
    return bad_reply(prefix, op, "no '" + std::string(env.data_key) + "' object");
  return data->get_object();
}

}  // namespace cgw
