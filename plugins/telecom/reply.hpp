// Turning carrier replies into data or normalized errors, exactly per the
// tables of docs/carriers/telecom.md. Replies are untrusted input.
#pragma once

#include <cgw/plugin.hpp>
#include <cgw/reply.hpp>
#include <cgw/xml.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cgw::telecom {

// The SDK's XML readers (<cgw/xml.hpp>); inside this namespace they hide
// the JSON readers of the same names.
using xml::list_of;
using xml::opt_child;
using xml::opt_int;
using xml::opt_text;
using xml::parse_int;
using xml::req_bool;
using xml::req_child;
using xml::req_id;
using xml::req_int;
using xml::req_text;
using xml::root_element;

// What the error mapping needs to know about the call in flight.
struct CallTraits {
  std::string_view op;    // the gateway operation, e.g. "activation.submit"
  std::string_view call;  // the carrier call, e.g. "orders.confirm"
  // Changes carrier state: a lost or unreadable reply leaves the outcome
  // unknown, and the gateway must query instead of assuming.
  bool writes = false;
  // Order calls: even a 5xx may hide an applied request (a proxy can answer
  // 502 after the carrier committed), so it is outcome_unknown too.
  bool unknown_on_5xx = false;
};

// "telecom activation.submit (orders.confirm): "
std::string error_prefix(const CallTraits& t);

// The outcome of one business call.
struct Unwrapped {
  pugi::xml_node data;         // success: the <Data> element
  std::optional<Error> error;  // otherwise the normalized error
  // 10002 / 10003: the token was refused. The plugin fetches a new one and
  // sends the call once more; `error` holds the mapping if it does not.
  bool token_rejected = false;
};
// `doc` owns the nodes of the result.
Unwrapped unwrap_reply(const HttpResponse& response, const CallTraits& t, pugi::xml_document& doc);

// Transport failures and 5xx (shared with the token call); nullopt when a
// complete HTTP response below 500 arrived.
std::optional<Error> transport_failure(const HttpResponse& r, const CallTraits& t);

// The normalized error for a carrier error code (doc table; "other" ->
// CARRIER_REJECTED).
Error map_carrier_code(std::string_view carrier_code, const CallTraits& t);

// CARRIER_BAD_RESPONSE; outcome_unknown for writes, because the carrier did
// answer and may have applied the request.
Error bad_response(const CallTraits& t, std::string_view what);

// 40001..40009 -> ID_INVALID, ...; nullopt for codes outside the table.
std::optional<std::string_view> kyc_reason(std::string_view carrier_code);

// A code short and plain enough to copy into an error, so a broken or
// hostile carrier cannot smuggle arbitrary text (or PII) into our errors.
bool plausible_code(std::string_view c);

}  // namespace cgw::telecom
