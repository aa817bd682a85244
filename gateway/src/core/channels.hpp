// Channels: a tenant's own settings for a carrier.
//
// A tenant may override a carrier's base_url and plugin settings
// (`tenants[].carriers` in gateway.yaml, docs/security.md "Channels"):
//
//   carriers: {mobile: {base_url: http://127.0.0.1:9101/ns/qa1,
//                       settings: {app_id: qa1-app, secret: {file: ...}}}}
//
// The override becomes a carrier instance of its own, the channel
// "mobile.qa1": a carrier entry like any other in Config::carriers (its own
// plugin instance with the merged settings, HTTP client, circuit breaker,
// inventory sync, search partition, store rows and callback URL
// /v1/callbacks/mobile.qa1), serving that tenant alone. The tenant still
// names it `mobile` in the API; logs and metrics name the channel. The '.'
// that joins the two ids never occurs in a carrier id, so no tenant can name
// a channel directly.
#pragma once

#include "core/config.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw {

inline constexpr char kChannelSeparator = '.';

// "mobile" and "qa1": "mobile.qa1".
std::string channel_id(std::string_view carrier, std::string_view tenant);

// The carrier id a tenant sees for the instance `id`: "mobile" for both
// "mobile" and its channel "mobile.qa1".
std::string_view public_carrier_id(std::string_view id);

// The instance `tenant` means when it names `carrier`: its own channel of
// that carrier, else the carrier itself; "" for a name no tenant may use (a
// channel's id). Whether the instance is loaded is the caller's to check.
std::string carrier_for_tenant(const Config& cfg, std::string_view tenant,
                               std::string_view carrier);

// Whether the instance `id` serves `tenant`: its own channel, or a carrier
// of which the tenant has no channel of its own.
bool serves_tenant(const Config& cfg, std::string_view tenant, std::string_view id);

// A tenant's `carriers:` as written, kept by the parser until the carriers
// are known.
struct TenantChannelsNode {
  size_t tenant_index = 0;  // into Config::tenants
  YAML::Node node;
};

struct ChannelConfigError {
  YAML::Node at;  // where the error is (its line)
  std::string message;
};

// Checks each tenant's `carriers:` against the carriers (`carrier_nodes`:
// the `carriers:` entries as written, for which settings are secrets) and
// appends one channel per override to cfg.carriers, recording it in the
// tenant's `channels`. The first error, with the node it is about.
std::optional<ChannelConfigError> add_channels(Config& cfg,
                                               const std::vector<TenantChannelsNode>& tenants,
                                               const YAML::Node& carrier_nodes,
                                               const std::filesystem::path& base);

}  // namespace cgw::gw
