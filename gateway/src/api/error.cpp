#include "api/error.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <string_view>

namespace cgw::gw {
namespace {

// A message can quote what the client sent (an unknown carrier id from the
// query string, a parameter's name), and JSON text must be UTF-8: a byte
// that is not part of a well-formed UTF-8 sequence becomes U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    bool ok = n > 0 && i + n <= s.size();
    uint32_t cp = c & (0xFFu >> (n + 1));
    for (size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = cp << 6 | (cc & 0x3F);
    }
    // No overlong forms, no surrogates, nothing above U+10FFFF.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && n > 1) ok = cp >= kMin[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string error_body(const Error& e) {
  // A client always gets a message: a plugin that gave none is quoted by
  // its code.
  boost::json::object err{{"code", e.code},
                          {"message", valid_utf8(e.message.empty() ? e.code : e.message)},
                          {"retryable", e.retryable}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

namespace {

// Every code the gateway sends and its HTTP status, as docs/openapi.yaml
// ("Errors") documents them: the one table. `as_target` differs only where
// the status depends on where the object was named (ErrorSubject).
struct StatusRow {
  std::string_view code;
  int status;
  int as_target;
};
constexpr StatusRow kStatuses[] = {
    {code::kBadRequest, 400, 400},
    {code::kInvalidJson, 400, 400},
    {code::kInvalidArgument, 400, 400},
    {code::kUnknownField, 400, 400},
    // A carrier id in a body or query is bad input; as the path of
    // /v1/callbacks/{carrier} it is a resource that does not exist.
    {code::kUnknownCarrier, 400, 404},
    {code::kIdempotencyKeyRequired, 400, 400},
    {code::kUnauthenticated, 401, 401},
    {code::kCallbackRejected, 401, 401},
    {code::kForbidden, 403, 403},
    {code::kNotFound, 404, 404},
    {code::kSubscriberNotFound, 404, 404},
    {code::kMethodNotAllowed, 405, 405},
    {code::kNumberUnavailable, 409, 409},
    {code::kIdempotencyKeyInUse, 409, 409},
    {code::kActivationNotUnknown, 409, 409},
    {code::kCancelRefused, 409, 409},
    // The reservation an activation names is unusable (422); the one a
    // DELETE targets is in a conflicting state (409).
    {code::kReservationNotHeld, 422, 409},
    {code::kBodyTooLarge, 413, 413},
    {code::kIdempotencyKeyReused, 422, 422},
    {code::kVerificationNotFound, 422, 422},
    {code::kVerificationNotPassed, 422, 422},
    {code::kReservationNotFound, 422, 422},
    {code::kReservationExpired, 422, 422},
    {code::kCarrierMismatch, 422, 422},
    {code::kIdentityMismatch, 422, 422},
    {code::kPlanNotFound, 422, 422},
    {code::kUnsupportedOperation, 422, 422},
    {code::kQuotaExceeded, 422, 422},
    {code::kOrderNotFound, 422, 422},
    {code::kRateLimited, 429, 429},
    {code::kKycQuotaExceeded, 429, 429},
    {code::kHeadersTooLarge, 431, 431},
    {code::kInternal, 500, 500},
    {code::kNotSupported, 501, 501},
    {code::kCarrierBadResponse, 502, 502},
    {code::kCarrierAuthFailed, 502, 502},
    {code::kPluginError, 502, 502},
    {code::kCarrierRejected, 502, 409},
    {code::kCarrierUnavailable, 503, 503},
    {code::kNotReady, 503, 503},
    {code::kStoreUnavailable, 503, 503},
    {code::kCarrierTimeout, 504, 504},
};

}  // namespace

int http_status_for(std::string_view code, ErrorSubject subject) {
  for (const auto& row : kStatuses)
    if (row.code == code) return subject == ErrorSubject::kTarget ? row.as_target : row.status;
  // A code of a carrier's own (CONFIG_INVALID, anything a plugin made up):
  // the carrier side failed.
  return 502;
}

}  // namespace cgw::gw
