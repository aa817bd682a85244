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
// CARRIER_REJECTED is 502 (the carrier refused a request), but 409 when
// the refusal is the state of the request's own target: a line the carrier
// suspended itself, which the partner cannot resume.
enum class ErrorSubject { kReferenced, kTarget };

// The HTTP status of `code` (the table in error.cpp). A code the table does
// not know is a carrier's or a plugin's own: 502.
int http_status_for(std::string_view code, ErrorSubject subject = ErrorSubject::kReferenced);

// {"error":{"code","message","retryable"}}
std::string error_body(const Error& e);

}  // namespace cgw::gw
