// Shared pieces of the unified API handlers: the request context, JSON
// responses, strict body decoding and the scope names.
#pragma once

#include "api/audit_log.hpp"
#include "api/error.hpp"
#include "api/tenant_quotas.hpp"
#include "carriers/carrier.hpp"
#include "carriers/services.hpp"
#include "inventory/number_index.hpp"
#include "orders/activation_engine.hpp"

#include "cgw/common/http_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace cgw::gw::api {

namespace json = boost::json;
using net::Request;
using net::Response;

namespace scope {
inline constexpr const char* kInventoryRead = "inventory:read";
inline constexpr const char* kNumbersReserve = "numbers:reserve";
inline constexpr const char* kKycVerify = "kyc:verify";
inline constexpr const char* kActivationsWrite = "activations:write";
inline constexpr const char* kActivationsRead = "activations:read";
// Resolving an activation whose outcome is unknown is an operator's act:
// never implied by a key without a scopes list (docs/security.md).
inline constexpr const char* kActivationsResolve = "activations:resolve";
// Subscriber services (docs/after-sales.md): reading a sold number's line,
// top-ups and replacements; changing the line (top-up, SIM replacement,
// suspend, resume).
inline constexpr const char* kSubscribersRead = "subscribers:read";
inline constexpr const char* kSubscribersWrite = "subscribers:write";
}  // namespace scope

// A handler's answer and what the audit log records of it (routes.hpp):
// nothing is read back from the response.
struct Reply {
  Reply(Response r) : res(std::move(r)) {}
  Response res;
  // The object a create made (its path names none); "" otherwise.
  std::string object_id;
  // The audited outcome: an error code, or a decision such as
  // "resolved:activated"; "" : "ok" or "error" by the status.
  std::string outcome;
};
using Awaitable = boost::asio::awaitable<Reply>;

struct Route;

// What the handlers use: the shared services, the parts of the rooms below
// that the API drives (the search index, the activation engine) and the
// API's own quotas and audit trail. The App owns them all.
struct Deps {
  Services& svc;
  NumberIndex& numbers;
  ActivationEngine& engine;
  TenantQuotas* quotas = nullptr;  // null: no per-tenant quotas (the API fuzz target)
  AuditLog* audit = nullptr;       // null: no audit trail (the API fuzz target)
};

struct Ctx {
  Deps& deps;
  Services& svc;  // deps.svc
  Request& req;
  std::string request_id;
  std::map<std::string, std::string> query;  // decoded
  // The route the path matched (for a 405, the path's route whose rules
  // apply) and its {id} or {carrier} segment.
  const Route* route = nullptr;
  std::string param;
  std::string tenant, key_label;  // after authentication
};

Response json_response(const Ctx& c, int status, const json::value& body);
// The same with a body already serialized (see append_json_string).
Response json_response(const Ctx& c, int status, std::string body);
// Appends `s` as a JSON string, quoted and escaped byte for byte as
// boost::json::serialize does, for handlers that write their JSON directly.
void append_json_string(std::string& out, std::string_view s);
// The error with its status from the one table (api/error.cpp); the
// outcome audited is its code.
Reply error_response(const Ctx& c, const Error& e,
                     ErrorSubject subject = ErrorSubject::kReferenced);
// A used-up tenant quota (`code`: RATE_LIMITED or KYC_QUOTA_EXCEEDED):
// retryable, with Retry-After.
Error quota_exceeded(const char* code, const std::string& quota, int64_t retry_after_s);
// An answer stored under an Idempotency-Key, sent again. The audit records
// what the first answer did: its error code, or the id of the object it
// made (the member `id_member` of the stored body).
Reply replay_response(const Ctx& c, int http_status, const std::string& body,
                      std::string_view id_member);

// The access log (one line per request): a logger with the default
// logger's name, pattern and level whose lines go to `fd` (stderr) in
// batches, written by a background thread every `every` or when 64 KiB
// wait, instead of one write(2) per line under the logger's lock. A line
// can appear up to `every` after it was logged; every line is written by the
// time the logger is destroyed.
std::shared_ptr<spdlog::logger> make_access_log(
    int fd = 2, std::chrono::milliseconds every = std::chrono::milliseconds(200));

// Parses `text` like json::parse, but an object that has two members with
// the same key is an error (400 INVALID_JSON naming the key), as is any
// text that is not one JSON value.
Result<json::value> parse_json_unique_keys(std::string_view text,
                                           const json::parse_options& options);
// Parses the body as a JSON object whose members are all in `allowed`
// (each once).
Result<json::object> parse_body(const Ctx& c, std::initializer_list<const char*> allowed);
// The number of characters (code points) of well-formed UTF-8, or nullopt.
std::optional<size_t> utf8_length(std::string_view s);
// INVALID_ARGUMENT naming `name` when `value` has a NUL or is not UTF-8.
Status check_text(std::string_view name, std::string_view value);
// The same for every decoded query parameter (a %C0%AF is not text).
Status check_query(const std::map<std::string, std::string>& query);
// Required / optional string members: text without NUL, 1 to `max_len`
// characters (code points, not bytes); errors name the field.
Result<std::string> req_string(const json::object& o, const char* field, size_t max_len);
Result<std::optional<std::string>> opt_string(const json::object& o, const char* field,
                                              size_t max_len);
// The required member `delivery` {name, phone, address} of an order's body
// (an activation, a SIM replacement), checked, into `out`.
Status read_delivery(const json::object& body, Delivery& out);
// The Idempotency-Key header of a request that requires one (400
// IDEMPOTENCY_KEY_REQUIRED without it).
Result<std::string> idempotency_key(const Ctx& c);
bool all_digits(std::string_view s);
std::string rfc3339(int64_t ms);

// Handlers (routes.cpp names each with its path, scope and audit action).
Awaitable health(Ctx& c);
Awaitable ready(Ctx& c);
Awaitable metrics(Ctx& c);
Awaitable list_carriers(Ctx& c);
Awaitable list_plans(Ctx& c);
Awaitable search_numbers(Ctx& c);
Awaitable create_reservation(Ctx& c);
Awaitable get_reservation(Ctx& c);
Awaitable delete_reservation(Ctx& c);
Awaitable create_verification(Ctx& c);
Awaitable get_verification(Ctx& c);
Awaitable create_activation(Ctx& c);
Awaitable get_activation(Ctx& c);
Awaitable list_activation_webhooks(Ctx& c);
Awaitable list_activations(Ctx& c);
Awaitable resolve_activation(Ctx& c);
Awaitable cancel_activation(Ctx& c);
Awaitable receive_callback(Ctx& c);
Awaitable get_subscriber(Ctx& c);
Awaitable create_recharge(Ctx& c);
Awaitable get_recharge(Ctx& c);
Awaitable create_sim_replacement(Ctx& c);
Awaitable get_sim_replacement(Ctx& c);
Awaitable suspend_subscriber(Ctx& c);
Awaitable resume_subscriber(Ctx& c);
Awaitable get_test_clock(Ctx& c);  // test_clock.cpp
Awaitable move_test_clock(Ctx& c);

}  // namespace cgw::gw::api
