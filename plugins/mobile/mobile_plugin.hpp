// The `mobile` carrier plugin: the simulated China Mobile partner protocol of
// docs/carriers/mobile.md, written against the sans-I/O C++ layer.
#pragma once

#include <cgw/dispatch.hpp>
#include <cgw/plugin.hpp>

#include <boost/url/url.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cgw::mobile {

// The carrier's `settings` block, validated once at instance creation.
struct Settings {
  boost::urls::url base_url;  // absolute http(s), no query: paths are appended
  std::string app_id;
  std::string secret;
  std::string callback_url;  // sent as notifyUrl with every order
  int64_t hold_minutes = 30;
  uint32_t timeout_ms = 0;  // 0: the host's default for this carrier

  // Throws std::invalid_argument naming the offending key, never its value
  // (one of them is the secret).
  static Settings from_settings(const json::object& node);
};

// One request as an operation wants it, before URL building and signing.
struct Outbound {
  std::string method;                                      // GET or POST
  std::string path;                                        // e.g. "/open/v1/plans"
  std::vector<std::pair<std::string, std::string>> query;  // decoded values
  json::object body;                                       // POST only
};

class MobilePlugin final : public CarrierPlugin {
 public:
  MobilePlugin(HostApi host, const json::object& settings);

  Step start(std::string_view operation, const json::value& input) override {
    return ops_.start(operation, input);
  }
  Step resume(const json::value& state, const HttpResponse& response) override {
    return ops_.resume(state, response);
  }
  CallbackResult parse_callback(const HttpRequest& request) override;

  const Settings& settings() const { return settings_; }

  // The complete signed HTTP request for `out` (public so tests can check
  // URL building and headers without running an operation).
  HttpRequest build_request(const Outbound& out) const;

 private:
  // Immutable after construction: calls may run concurrently on any thread.
  const Settings settings_;
  Dispatcher ops_;
};

}  // namespace cgw::mobile
