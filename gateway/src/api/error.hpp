// Errors as HTTP answers: the one place that knows which HTTP status each
// error code (core/error.hpp) is sent with, and the error body
// (docs/openapi.yaml, "Errors"). Rooms below `api` return core `Error`s and
// never name a status.
#pragma once

#include "core/error.hpp"

#include <string>
#include <string_view>

namespace cgw::gw {

// Where the object an error is about was named. Two codes are sent with a
// different status when the object is the request's own target (a path
// segment) than when the request refers to it in a field or a query
// parameter: UNKNOWN_CARRIER (400 for `carrier` in a body or query, 404 for
// /v1/callbacks/{carrier}) and RESERVATION_NOT_HELD (422 for the
// reservation an activation names, 409 for DELETE /v1/reservations/{id}).
enum class ErrorSubject { kReferenced, kTarget };

// The HTTP status of `code` (the table in error.cpp). A code the table does
// not know is a carrier's or a plugin's own: 502.
int http_status_for(std::string_view code, ErrorSubject subject = ErrorSubject::kReferenced);

// {"error":{"code","message","retryable"}}
std::string error_body(const Error& e);

// Transitional, for the store until its callers pass core `Error`s: an
// Error with the HTTP status it is stored and replayed with. Built from an
// Error, the status comes from the table.
struct ApiError : Error {
  int http_status = 500;
  ApiError() = default;
  ApiError(int status, std::string code, std::string message, bool retryable = false)
      : Error{std::move(code), std::move(message), retryable}, http_status(status) {}
  ApiError(const Error& e) : Error(e), http_status(http_status_for(e.code)) {}
};
inline ApiError unprocessable(std::string code, std::string message) {
  return ApiError(422, std::move(code), std::move(message));
}
template <class T>
using ApiResult = Result<T, ApiError>;

}  // namespace cgw::gw
