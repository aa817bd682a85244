// Expected errors are values: an ApiError carries the HTTP status and the
// documented error code (docs/openapi.yaml) all the way to the response.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cgw::gw {

struct ApiError {
  int http_status = 500;
  std::string code = "INTERNAL";
  std::string message;
  bool retryable = false;
  // Sent as Retry-After (seconds) when set: a quota, or a carrier that
  // asked us to slow down.
  std::optional<int64_t> retry_after_s = std::nullopt;
};

inline ApiError bad_argument(std::string message) {
  return {400, "INVALID_ARGUMENT", std::move(message), false};
}
inline ApiError not_found(std::string what) {
  return {404, "NOT_FOUND", std::move(what), false};
}
inline ApiError unprocessable(std::string code, std::string message) {
  return {422, std::move(code), std::move(message), false};
}

// Maps a normalized plugin/carrier error code to the HTTP status the API uses.
int http_status_for(const std::string& code);

// Transitional: the API's results still carry their HTTP status; they move
// to core Error + the one code-to-status table in error.cpp.
template <class T>
using ApiResult = Result<T, ApiError>;

}  // namespace cgw::gw

namespace cgw::gw {
// {"error":{"code","message","retryable"}}
std::string error_body(const ApiError& e);
}  // namespace cgw::gw
