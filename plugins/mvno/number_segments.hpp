// The MVNO number segments and the host network behind each (MIIT
// allocation table, March 2023; shared/domain.md). MVNO numbers cannot be
// ported, so the prefix really does tell the host network. Looked up by
// longest prefix (3 to 4 digits), not by regexes, so "1700" (Telecom) and
// "1703" (Mobile) under the same "170" cannot be confused.
#pragma once

#include <optional>
#include <string_view>

namespace cgw::mvno {

enum class HostNetwork { kTelecom, kMobile, kUnicom };

// "CTCC", "CMCC", "CUCC": the protocol's hostNetwork values.
std::string_view protocol_name(HostNetwork n);
// The gateway's name of the network: "mobile", "unicom" or "telecom".
std::string_view gateway_name(HostNetwork n);
std::optional<HostNetwork> host_network_from_protocol(std::string_view name);

// The host network of an 11-digit MVNO number, or nullopt when the number
// is not 11 digits or not in an MVNO segment (e.g. 1349x satellite, 138x).
std::optional<HostNetwork> host_network_of(std::string_view msisdn);

}  // namespace cgw::mvno
