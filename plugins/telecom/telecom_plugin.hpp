// The `telecom` carrier plugin: the simulated China Telecom partner protocol
// of docs/carriers/telecom.md (OAuth2 bearer tokens, XML bodies, activation
// in several calls, signed XML callbacks), on the sans-I/O C++ layer.
#pragma once

#include "operations.hpp"
#include "settings.hpp"

#include <cgw/plugin.hpp>

#include <string>
#include <string_view>

namespace cgw::telecom {

class TelecomPlugin final : public CarrierPlugin {
 public:
  TelecomPlugin(HostApi host, const YAML::Node& settings);

  // Every operation is a chain of carrier calls; before a call the plugin
  // takes the access token from the host cache or fetches one first. A
  // call refused for its token (10002/10003) is sent once more with a new
  // token. The continuation state:
  //   {"op", "stage", "phase": "token"|"call", "refreshed": bool, "ctx": {...}}
  Step start(std::string_view operation, const json::value& input) override;
  Step resume(const json::value& state, const HttpResponse& response) override;
  CallbackResult parse_callback(const HttpRequest& request) override;

  const Settings& settings() const { return settings_; }

 private:
  // The token step or, with a cached token, the call itself. `refresh`:
  // skip the cache (the carrier refused the cached token).
  Step begin_call(std::string_view op, const Stage& stage, json::object ctx, bool refresh) const;
  Step send_call(json::object state, const Stage& stage, const std::string& token) const;
  Step after_call(std::string_view op, const Stage& stage, json::object ctx, bool refreshed,
                  const HttpResponse& response) const;

  // Immutable after construction: calls may run concurrently on any thread.
  const Settings settings_;
};

}  // namespace cgw::telecom
