// The request form and its signature in the unicom protocol
// (docs/carriers/unicom.md): a form-encoded body whose parameters are signed
// with sign = upper-case hex MD5(secret + name1value1 + name2value2 ... +
// secret), over every non-empty parameter but `sign`, sorted by name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::sim::unicom {

// Decoded form parameters. std::map orders names in byte order (std::string
// compares like memcmp), the order the signature uses.
using FormParams = std::map<std::string, std::string>;

inline constexpr int64_t kTimestampWindowMs = 600'000;  // code 1003 beyond
inline constexpr std::string_view kApiVersion = "1.0";

// Parses an application/x-www-form-urlencoded body (Boost.URL, '+' read as a
// space). nullopt for malformed percent-escapes or a name given twice (two
// values for one name would make the signed text ambiguous).
std::optional<FormParams> parse_form(std::string_view body);

// The expected `sign` for the parameters as received.
std::string expected_sign(std::string_view secret, const FormParams& params);

// "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8) and back (Unix ms); the
// parser accepts exactly that format and real calendar dates only.
std::string beijing_time(int64_t unix_ms);
std::optional<int64_t> parse_beijing_time(std::string_view text);

struct AuthOutcome {
  std::string code;  // empty: authentic; else 1001-1003
  bool signature_ok = false;
};

// Checks in this order: app_key (1001), sign (1002, compared in constant
// time), timestamp format and window against the real clock (1003).
AuthOutcome verify_request(const FormParams& params, std::string_view app_key,
                           std::string_view secret, int64_t wall_ms);

}  // namespace cgw::sim::unicom
