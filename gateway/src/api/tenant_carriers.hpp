// The carriers as the request's tenant sees them (core/channels.hpp): a
// tenant names a carrier by its id ("mobile") and is served by its own
// channel of it ("mobile.qa1") when it has one; answers name the carrier,
// never the channel.
#pragma once

#include "api/support.hpp"
#include "core/channels.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw::api {

// The loaded instance the tenant means by `name`, or UNKNOWN_CARRIER naming
// what it sent.
Result<Carrier*> tenant_carrier(const Ctx& c, const std::string& name);

// The loaded instances that serve the tenant, in id order.
std::vector<Carrier*> tenant_carriers(const Ctx& c);

// The id a tenant sees for the instance `id`.
inline std::string shown_carrier(std::string_view id) {
  return std::string(public_carrier_id(id));
}

}  // namespace cgw::gw::api
