#include "settings.hpp"

#include <cgw/settings.hpp>

#include <algorithm>

namespace cgw::telecom {
namespace {

// Bounds the carrier accepts for HoldSeconds (docs/carriers/telecom.md).
constexpr int64_t kMinHoldSeconds = 60;
constexpr int64_t kMaxHoldSeconds = 7 * 24 * 3600;

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

Settings Settings::from_settings(const boost::json::object& node) {
  const SettingsReader in("telecom", node);
  Settings s;
  s.base_url = in.url("base_url");
  s.client_id = in.text("client_id");
  // Form-encoded, but a control character is never a legitimate client id.
  if (has_control_chars(s.client_id)) in.fail("client_id", "must not contain control characters");
  s.client_secret = in.text("client_secret");
  s.callback_secret = in.text("callback_secret");
  s.callback_url = std::string(in.url("callback_url", /*base=*/false).buffer());
  // It goes into XML: control characters would make the document ill-formed.
  if (has_control_chars(s.callback_url)) in.fail("callback_url", "must be an absolute http(s) URL");
  s.hold_seconds = in.integer("hold_seconds", 1800, kMinHoldSeconds, kMaxHoldSeconds);
  s.timeout_ms = in.timeout_ms();
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
