#include "settings.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

namespace cgw::telecom {
namespace {

// Bounds the carrier accepts for HoldSeconds (docs/carriers/telecom.md).
constexpr int64_t kMinHoldSeconds = 60;
constexpr int64_t kMaxHoldSeconds = 7 * 24 * 3600;

[[noreturn]] void bad_setting(std::string_view key, std::string_view problem) {
  throw std::invalid_argument("telecom settings: '" + std::string(key) + "' " +
                              std::string(problem));
}

std::string required_string(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) bad_setting(key, "is required");
  if (!v.IsScalar()) bad_setting(key, "must be a string");
  if (v.Scalar().empty()) bad_setting(key, "must not be empty");
  return v.Scalar();
}

int64_t optional_int(const YAML::Node& node, const char* key, int64_t fallback, int64_t lo,
                     int64_t hi) {
  const YAML::Node v = node[key];
  if (!v.IsDefined() || v.IsNull()) return fallback;
  int64_t x = 0;
  if (!v.IsScalar() || !YAML::convert<int64_t>::decode(v, x) || x < lo || x > hi)
    bad_setting(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return x;
}

// An absolute http(s) URL with a host; nullopt otherwise.
std::optional<boost::urls::url> http_url(std::string_view s) {
  auto r = boost::urls::parse_absolute_uri(s);
  if (!r || r->encoded_host().empty()) return std::nullopt;
  if (r->scheme_id() != boost::urls::scheme::http && r->scheme_id() != boost::urls::scheme::https)
    return std::nullopt;
  return boost::urls::url(*r);
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

Settings Settings::from_yaml(const YAML::Node& node) {
  if (!node.IsMap())
    throw std::invalid_argument(
        "telecom settings: expected a mapping with base_url, client_id, client_secret, "
        "callback_secret and callback_url");
  Settings s;
  auto base = http_url(required_string(node, "base_url"));
  if (!base || base->has_query() || base->has_fragment())
    bad_setting("base_url", "must be an absolute http(s) URL without query or fragment");
  s.base_url = std::move(*base);
  s.client_id = required_string(node, "client_id");
  // Form-encoded, but a control character is never a legitimate client id.
  if (has_control_chars(s.client_id))
    bad_setting("client_id", "must not contain control characters");
  s.client_secret = required_string(node, "client_secret");
  s.callback_secret = required_string(node, "callback_secret");
  s.callback_url = required_string(node, "callback_url");
  // It goes into XML: control characters would make the document ill-formed.
  if (!http_url(s.callback_url) || has_control_chars(s.callback_url))
    bad_setting("callback_url", "must be an absolute http(s) URL");
  s.hold_seconds = optional_int(node, "hold_seconds", 1800, kMinHoldSeconds, kMaxHoldSeconds);
  s.timeout_ms = static_cast<uint32_t>(
      optional_int(node, "timeout_ms", 0, 1, std::numeric_limits<uint32_t>::max()));
  return s;
}

std::string Settings::url_for(std::string_view path) const {
  boost::urls::url u = base_url;
  std::string prefix(base_url.encoded_path());
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  u.set_encoded_path(prefix + std::string(path));
  return std::string(u.buffer());
}

}  // namespace cgw::telecom
