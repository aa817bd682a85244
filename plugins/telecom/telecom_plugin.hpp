// The `telecom` carrier plugin: the simulated China Telecom partner protocol
// of docs/carriers/telecom.md (OAuth2 bearer tokens, XML bodies, activation
// in several calls, signed XML callbacks), on the sans-I/O C++ layer.
#pragma once

#include "operations.hpp"
#include "settings.hpp"

#include <boost/describe.hpp>
#include <cgw/dispatch.hpp>
#include <cgw/plugin.hpp>

#include <string>
#include <string_view>

namespace cgw::telecom {

// The continuation state of an operation: where its chain of calls stands.
struct Chain {
  std::string stage;       // the carrier call
  std::string phase;       // "token": fetching a token first; "call"
  bool refreshed = false;  // the token was fetched anew for this call
  json::object ctx;        // what the stages need (see operations.hpp)
};
BOOST_DESCRIBE_STRUCT(Chain, (), (stage, phase, refreshed, ctx))

class TelecomPlugin final : public CarrierPlugin {
 public:
  TelecomPlugin(HostApi host, const json::object& settings);

  // Every operation is a chain of carrier calls; before a call the plugin
  // takes the access token from the host cache or fetches one first. A
  // call refused for its token (10002/10003) is sent once more with a new
  // token. The continuation state is a Chain.
  Step start(std::string_view operation, const json::value& input) override {
    return ops_.start(operation, input);
  }
  Step resume(const json::value& state, const HttpResponse& response) override {
    return ops_.resume(state, response);
  }
  CallbackResult parse_callback(const HttpRequest& request) override;

  const Settings& settings() const { return settings_; }

 private:
  // The token step or, with a cached token, the call itself. `refresh`:
  // skip the cache (the carrier refused the cached token).
  Next<Chain> first_call(const Operation& op, const json::value& input) const;
  Next<Chain> begin_call(const Stage& stage, json::object ctx, bool refresh) const;
  Next<Chain> send_call(Chain chain, const Stage& stage, const std::string& token) const;
  Next<Chain> on_reply(std::string_view op, Chain chain, const HttpResponse& response) const;
  Next<Chain> after_call(std::string_view op, const Stage& stage, json::object ctx, bool refreshed,
                         const HttpResponse& response) const;

  // Immutable after construction: calls may run concurrently on any thread.
  const Settings settings_;
  Dispatcher ops_;
};

}  // namespace cgw::telecom
