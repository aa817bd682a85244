#include "api/tenant_carriers.hpp"

namespace cgw::gw::api {

Result<Carrier*> tenant_carrier(const Ctx& c, const std::string& name) {
  Carrier* carrier = c.svc.carrier(carrier_for_tenant(c.svc.config, c.tenant, name));
  if (!carrier) return make_error(code::kUnknownCarrier, "no carrier '" + name + "'");
  return carrier;
}

std::vector<Carrier*> tenant_carriers(const Ctx& c) {
  std::vector<Carrier*> out;
  for (const auto& [id, carrier] : c.svc.carriers)
    if (serves_tenant(c.svc.config, c.tenant, id)) out.push_back(carrier.get());
  return out;
}

}  // namespace cgw::gw::api
