// The `unicom` carrier plugin: the simulated China Unicom open-platform
// protocol of docs/carriers/unicom.md (one form-encoded router endpoint,
// MD5-signed parameters, no callbacks), written against the sans-I/O C++
// layer.
#pragma once

#include "signing.hpp"

#include <cgw/dispatch.hpp>
#include <cgw/plugin.hpp>

#include <boost/url/url.hpp>

#include <cstdint>
#include <string>

namespace cgw::unicom {

// The protocol version this plugin speaks (the `v` parameter).
inline constexpr std::string_view kApiVersion = "1.0";
// The router endpoint, appended to the path of base_url.
inline constexpr std::string_view kRouterPath = "/router/rest";

// The carrier's `settings` block, validated once at instance creation.
struct Settings {
  boost::urls::url base_url;  // absolute http(s), no query: the router path is appended
  std::string app_id;         // sent as the `app_key` parameter
  std::string secret;
  int64_t lock_minutes = 30;  // hold asked for when the gateway leaves it to the carrier
  uint32_t timeout_ms = 0;    // 0: the host's default for this carrier

  // Throws std::invalid_argument naming the offending key, never its value
  // (one of them is the secret).
  static Settings from_settings(const json::object& node);
};

// One call as an operation wants it, before the common parameters and
// signing are added.
struct Outbound {
  std::string method;  // the protocol's `method`, e.g. "number.lock"
  Params params;       // business parameters, decoded values
};

class UnicomPlugin final : public CarrierPlugin {
 public:
  UnicomPlugin(HostApi host, const json::object& settings);

  Step start(std::string_view operation, const json::value& input) override {
    return ops_.start(operation, input);
  }
  Step resume(const json::value& state, const HttpResponse& response) override {
    return ops_.resume(state, response);
  }
  // No override of parse_callback: this carrier sends no callbacks, and the
  // base class refuses every one (the plugin does not declare
  // CGW_CAP_CALLBACKS; order status is learned by polling order.query).

  const Settings& settings() const { return settings_; }

  // The complete signed HTTP request for `out` (public so tests can check
  // the form body and the sign without running an operation).
  HttpRequest build_request(const Outbound& out) const;

 private:
  // Immutable after construction: calls may run concurrently on any thread.
  const Settings settings_;
  Dispatcher ops_;
};

}  // namespace cgw::unicom
