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

std::string error_body(const ApiError& e) {
  boost::json::object err{
      {"code", e.code}, {"message", valid_utf8(e.message)}, {"retryable", e.retryable}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

int http_status_for(const std::string& code) {
  if (code == "INVALID_ARGUMENT") return 400;
  if (code == "NUMBER_UNAVAILABLE") return 409;
  if (code == "RESERVATION_NOT_FOUND" || code == "RESERVATION_EXPIRED" ||
      code == "PLAN_NOT_FOUND" || code == "QUOTA_EXCEEDED" || code == "UNSUPPORTED_OPERATION" ||
      code == "ORDER_NOT_FOUND")
    return 422;
  if (code == "CARRIER_UNAVAILABLE") return 503;
  if (code == "CARRIER_TIMEOUT") return 504;
  // CARRIER_REJECTED, CARRIER_AUTH_FAILED, CARRIER_BAD_RESPONSE, PLUGIN_ERROR, ...
  return 502;
}

}  // namespace cgw::gw
