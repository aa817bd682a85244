#include "api_support.hpp"

#include "cgw/common/time_format.hpp"

namespace cgw::gw::api {

Response json_response(const Ctx& c, int status, const json::value& body) {
  Response res{static_cast<net::http::status>(status), c.req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

Response quota_response(const Ctx& c, const std::string& code, const std::string& quota,
                        int64_t retry_after_s) {
  auto res = error_response(c, ApiError{429, code,
                                        quota + " quota of this tenant exceeded; retry after " +
                                            std::to_string(retry_after_s) + " s",
                                        true});
  res.set(net::http::field::retry_after, std::to_string(retry_after_s));
  return res;
}

Response error_response(const Ctx& c, const ApiError& e) {
  Response res{static_cast<net::http::status>(e.http_status), c.req.version()};
  res.set(net::http::field::content_type, "application/json");
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = error_body(e);
  res.prepare_payload();
  return res;
}

ApiError carrier_error(const OperationOutcome& o) {
  ApiError e;
  e.code = o.code;
  e.http_status = http_status_for(o.code);
  e.message = o.message.empty() ? o.code : o.message;
  e.retryable = o.retryable;
  return e;
}

Result<json::object> parse_body(const Ctx& c, std::initializer_list<const char*> allowed) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;  // our bodies are shallow; deep nesting is an attack
  json::value v = json::parse(c.req.body(), ec, {}, opts);
  if (ec || !v.is_object())
    return ApiError{400, "INVALID_JSON", "the body must be a JSON object", false};
  for (const auto& kv : v.as_object()) {
    bool known = false;
    for (const char* a : allowed) known = known || kv.key() == a;
    if (!known)
      return ApiError{400, "UNKNOWN_FIELD", "unknown field '" + std::string(kv.key()) + "'", false};
  }
  return std::move(v.as_object());
}

Result<std::string> req_string(const json::object& o, const char* field, size_t max_len) {
  auto* v = o.if_contains(field);
  if (!v || !v->is_string()) return bad_argument(std::string(field) + " is required (a string)");
  const auto& s = v->as_string();
  if (s.empty() || s.size() > max_len)
    return bad_argument(std::string(field) + " must have 1 to " + std::to_string(max_len) +
                        " characters");
  return std::string(s);
}

Result<std::optional<std::string>> opt_string(const json::object& o, const char* field,
                                              size_t max_len) {
  auto* v = o.if_contains(field);
  if (!v || v->is_null()) return std::optional<std::string>();
  auto r = req_string(o, field, max_len);
  if (!r) return r.error();
  return std::optional<std::string>(std::move(r.value()));
}

bool all_digits(std::string_view s) {
  for (char ch : s)
    if (ch < '0' || ch > '9') return false;
  return !s.empty();
}

std::string rfc3339(int64_t ms) {
  return rfc3339_utc(ms);
}

}  // namespace cgw::gw::api
