// The telecom carrier's `settings` block (docs/carriers/telecom.md, "Plugin
// settings"), validated once when the instance is created.
#pragma once

#include <boost/json/object.hpp>
#include <boost/url/url.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::telecom {

struct Settings {
  boost::urls::url base_url;  // absolute http(s), no query: paths are appended
  std::string client_id;
  std::string client_secret;    // OAuth2 client secret (never logged)
  std::string callback_secret;  // HMAC key of inbound callbacks (never logged)
  std::string callback_url;     // sent as NotifyUrl with every order
  int64_t hold_seconds = 1800;  // reservation hold when the gateway asks for 0
  uint32_t timeout_ms = 0;      // 0: the host's default for this carrier

  // Throws std::invalid_argument naming the offending key, never its value
  // (some of them are secrets).
  static Settings from_settings(const boost::json::object& node);

  // base_url + path, keeping a base path prefix (e.g. behind a reverse proxy).
  std::string url_for(std::string_view path) const;
};

}  // namespace cgw::telecom
