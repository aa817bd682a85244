// The `mvno` carrier plugin: the simulated 170/171 reseller protocol of
// docs/carriers/mvno.md, written against the sans-I/O C++ layer.
#pragma once

#include "signing.hpp"

#include <cgw/dispatch.hpp>
#include <cgw/plugin.hpp>

#include <boost/url/url.hpp>

#include <cstdint>
#include <string>

namespace cgw::mvno {

inline constexpr std::string_view kSignType = "SHA256withRSA";

// The carrier's `settings` block, validated once at instance creation.
struct Settings {
  boost::urls::url base_url;  // absolute http(s), no query: paths are appended
  std::string partner_id;
  KeyHandle gateway_private_key;  // signs our requests
  KeyHandle carrier_public_key;   // verifies the carrier's callbacks
  std::string id_field_key;       // 32 raw bytes: AES-256-GCM for certNoEnc
  std::string callback_url;       // sent as notifyUrl with every order
  int64_t occupy_minutes = 30;
  uint32_t timeout_ms = 0;  // 0: the host's default for this carrier

  // Throws std::invalid_argument naming the offending key, never its value
  // (three of them are keys).
  static Settings from_settings(const json::object& node);
};

// One request as an operation wants it, before URL building and signing.
// Every endpoint of the protocol is a POST with a JSON object body.
struct Outbound {
  std::string path;  // e.g. "/openapi/v1/product/list"
  json::object body;
};

class MvnoPlugin final : public CarrierPlugin {
 public:
  MvnoPlugin(HostApi host, const json::object& settings);

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

  // certNoEnc for an ID number: AES-256-GCM under the carrier's field key
  // with a fresh IV from the host's random source.
  std::string seal_id_number(std::string_view id_number) const;

 private:
  // Immutable after construction: calls may run concurrently on any thread.
  const Settings settings_;
  Dispatcher ops_;
};

}  // namespace cgw::mvno
