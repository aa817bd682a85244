// Shared pieces of the unified API handlers: the request context, JSON
// responses, strict body decoding and the scope names.
#pragma once

#include "api/error.hpp"
#include "app/services.hpp"
#include "carriers/carrier.hpp"

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
using Awaitable = boost::asio::awaitable<Response>;

namespace scope {
inline constexpr const char* kInventoryRead = "inventory:read";
inline constexpr const char* kNumbersReserve = "numbers:reserve";
inline constexpr const char* kKycVerify = "kyc:verify";
inline constexpr const char* kActivationsWrite = "activations:write";
inline constexpr const char* kActivationsRead = "activations:read";
// Resolving an activation whose outcome is unknown is an operator's act:
// never implied by a key without a scopes list (docs/security.md).
inline constexpr const char* kActivationsResolve = "activations:resolve";
}  // namespace scope

struct Ctx {
  Services& svc;
  Request& req;
  std::string request_id;
  std::string tenant;                        // after authentication
  std::vector<std::string> segments;         // path split on '/'
  std::map<std::string, std::string> query;  // decoded
};

Response json_response(const Ctx& c, int status, const json::value& body);
// The same with a body already serialized (see append_json_string).
Response json_response(const Ctx& c, int status, std::string body);
// Appends `s` as a JSON string, quoted and escaped byte for byte as
// boost::json::serialize does, for handlers that write their JSON directly.
void append_json_string(std::string& out, std::string_view s);
Response error_response(const Ctx& c, const ApiError& e);
// 429 for a used-up quota (`code`: RATE_LIMITED or KYC_QUOTA_EXCEEDED),
// with Retry-After.
Response quota_response(const Ctx& c, const std::string& code, const std::string& quota,
                        int64_t retry_after_s);
// A plugin/carrier failure as an API error (normalized code -> HTTP status).
ApiError carrier_error(const OperationOutcome& o);

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
ApiResult<json::value> parse_json_unique_keys(std::string_view text,
                                              const json::parse_options& options);
// Parses the body as a JSON object whose members are all in `allowed`
// (each once).
ApiResult<json::object> parse_body(const Ctx& c, std::initializer_list<const char*> allowed);
// The number of characters (code points) of well-formed UTF-8, or nullopt.
std::optional<size_t> utf8_length(std::string_view s);
// 400 INVALID_ARGUMENT naming `name` when `value` has a NUL or is not UTF-8.
std::optional<ApiError> check_text(std::string_view name, std::string_view value);
// The same for every decoded query parameter (a %C0%AF is not text).
std::optional<ApiError> check_query(const std::map<std::string, std::string>& query);
// Required / optional string members: text without NUL, 1 to `max_len`
// characters (code points, not bytes); errors name the field.
ApiResult<std::string> req_string(const json::object& o, const char* field, size_t max_len);
ApiResult<std::optional<std::string>> opt_string(const json::object& o, const char* field,
                                                 size_t max_len);
bool all_digits(std::string_view s);
std::string rfc3339(int64_t ms);

// Handlers; each checks its own scope.
Awaitable list_carriers(Ctx& c);
Awaitable list_plans(Ctx& c);
Awaitable search_numbers(Ctx& c);
Awaitable create_reservation(Ctx& c);
Awaitable get_reservation(Ctx& c, const std::string& id);
Awaitable delete_reservation(Ctx& c, const std::string& id);
Awaitable create_verification(Ctx& c);
Awaitable get_verification(Ctx& c, const std::string& id);
Awaitable create_activation(Ctx& c);
Awaitable get_activation(Ctx& c, const std::string& id);
Awaitable list_activation_webhooks(Ctx& c, const std::string& id);
Awaitable list_activations(Ctx& c);
Awaitable resolve_activation(Ctx& c, const std::string& id);
Awaitable receive_callback(Ctx& c, const std::string& carrier);

}  // namespace cgw::gw::api
