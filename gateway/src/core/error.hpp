// The gateway's one error convention. An expected failure (bad input, a
// number already taken, a carrier that said no) is a value: `Error`, carried
// by `Result<T>` or `Status`. Exceptions are only for programming errors and
// are caught at the plugin boundary and at the top of each async handler.
//
// `Error::code` is one of the constants below: the SDK's `cgw::code` (what a
// plugin reports) plus the codes only the gateway produces. The HTTP status
// of each code is decided in one place, `api/error.cpp`; no room below `api`
// knows about HTTP.
#pragma once

#include <cgw/plugin.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cgw::gw {

namespace code {
using namespace cgw::code;  // what plugins report (sdk/include/cgw/plugin.hpp)
// Request syntax (400).
inline constexpr const char* kBadRequest = "BAD_REQUEST";
inline constexpr const char* kInvalidJson = "INVALID_JSON";
inline constexpr const char* kUnknownField = "UNKNOWN_FIELD";
inline constexpr const char* kUnknownCarrier = "UNKNOWN_CARRIER";
inline constexpr const char* kIdempotencyKeyRequired = "IDEMPOTENCY_KEY_REQUIRED";
// Who is asking (401, 403).
inline constexpr const char* kUnauthenticated = "UNAUTHENTICATED";
inline constexpr const char* kForbidden = "FORBIDDEN";
// Routing (404, 405, 413, 431).
inline constexpr const char* kNotFound = "NOT_FOUND";
inline constexpr const char* kMethodNotAllowed = "METHOD_NOT_ALLOWED";
inline constexpr const char* kBodyTooLarge = "BODY_TOO_LARGE";
inline constexpr const char* kHeadersTooLarge = "HEADERS_TOO_LARGE";
// State conflicts (409).
inline constexpr const char* kIdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE";
inline constexpr const char* kActivationNotUnknown = "ACTIVATION_NOT_UNKNOWN";
// The carrier refused to cancel, or the order is past cancelling.
inline constexpr const char* kCancelRefused = "CANCEL_REFUSED";
// 409 for the reservation a request targets, 422 for one it names.
inline constexpr const char* kReservationNotHeld = "RESERVATION_NOT_HELD";
// Well-formed but refused (422).
inline constexpr const char* kIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
inline constexpr const char* kVerificationNotFound = "VERIFICATION_NOT_FOUND";
inline constexpr const char* kVerificationNotPassed = "VERIFICATION_NOT_PASSED";
inline constexpr const char* kCarrierMismatch = "CARRIER_MISMATCH";
// KYC verdict reasons the gateway decides itself (Verification.reasons).
inline constexpr const char* kIdInvalid = "ID_INVALID";
inline constexpr const char* kUnderage = "UNDERAGE";
inline constexpr const char* kManualReview = "MANUAL_REVIEW";
// The failure code of an activation an operator resolved as failed.
inline constexpr const char* kResolvedFailed = "RESOLVED_FAILED";
// Slow down (429).
inline constexpr const char* kRateLimited = "RATE_LIMITED";
inline constexpr const char* kKycQuotaExceeded = "KYC_QUOTA_EXCEEDED";
// Ours (500, 503).
inline constexpr const char* kInternal = "INTERNAL";
// The carrier does not offer the operation (its plugin lacks the
// capability bit, docs/after-sales.md): 501.
inline constexpr const char* kNotSupported = "NOT_SUPPORTED";
inline constexpr const char* kNotReady = "NOT_READY";
inline constexpr const char* kStoreUnavailable = "STORE_UNAVAILABLE";
}  // namespace code

struct Error {
  std::string code = code::kInternal;
  std::string message;
  bool retryable = false;
  // Sent as Retry-After (seconds) when set: a quota, or a carrier that
  // asked us to slow down.
  std::optional<int64_t> retry_after_s = std::nullopt;
  // What a carrier operation's failure adds (Carrier::run): the carrier's
  // own code, for logs and support; whether the carrier may have applied
  // the operation all the same (docs/reliability.md, "Unknown outcomes"),
  // which decides between failing and resolving by a query; and whether
  // the carrier asked us to slow down (HTTP 429), which is never retried
  // at once.
  std::string carrier_code = {};
  bool outcome_unknown = false;
  bool rate_limited = false;
};

inline Error make_error(const char* code, std::string message, bool retryable = false) {
  return Error{code, std::move(message), retryable};
}
// INVALID_ARGUMENT: the message names the field or parameter.
inline Error bad_argument(std::string message) {
  return make_error(code::kInvalidArgument, std::move(message));
}
// NOT_FOUND: no such route or object (another tenant's objects included).
inline Error not_found(std::string message) {
  return make_error(code::kNotFound, std::move(message));
}

// A value or the expected error that prevented it.
template <class T, class E = Error>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(E error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  E& error() { return std::get<1>(v_); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Success or the expected error: for operations with nothing to return.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace cgw::gw
