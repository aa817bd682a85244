#include "number_segments.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace cgw::mvno {
namespace {

// Every MVNO segment of domain.md. 170x and 170-less 17x share "17", so the
// 170 block is listed digit by digit; 171, 162, 165 and 167 are whole.
constexpr std::array<std::pair<std::string_view, HostNetwork>, 14> kSegments{{
    {"1700", HostNetwork::kTelecom},
    {"1701", HostNetwork::kTelecom},
    {"1702", HostNetwork::kTelecom},
    {"1703", HostNetwork::kMobile},
    {"1704", HostNetwork::kUnicom},
    {"1705", HostNetwork::kMobile},
    {"1706", HostNetwork::kMobile},
    {"1707", HostNetwork::kUnicom},
    {"1708", HostNetwork::kUnicom},
    {"1709", HostNetwork::kUnicom},
    {"171", HostNetwork::kUnicom},
    {"162", HostNetwork::kTelecom},
    {"165", HostNetwork::kMobile},
    {"167", HostNetwork::kUnicom},
}};

}  // namespace

std::string_view gateway_name(HostNetwork n) {
  switch (n) {
    case HostNetwork::kTelecom:
      return "telecom";
    case HostNetwork::kMobile:
      return "mobile";
    case HostNetwork::kUnicom:
      return "unicom";
  }
  return "";
}

std::string_view protocol_name(HostNetwork n) {
  switch (n) {
    case HostNetwork::kTelecom:
      return "CTCC";
    case HostNetwork::kMobile:
      return "CMCC";
    case HostNetwork::kUnicom:
      return "CUCC";
  }
  return "";
}

std::optional<HostNetwork> host_network_from_protocol(std::string_view name) {
  for (HostNetwork n : {HostNetwork::kTelecom, HostNetwork::kMobile, HostNetwork::kUnicom})
    if (protocol_name(n) == name) return n;
  return std::nullopt;
}

std::optional<HostNetwork> host_network_of(std::string_view msisdn) {
  if (msisdn.size() != 11 ||
      !std::all_of(msisdn.begin(), msisdn.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  // Longest match wins; with 3- and 4-digit prefixes that never overlap
  // today the first match would do, but a future "1710" entry must win
  // over "171" without reordering the table.
  std::optional<HostNetwork> best;
  size_t best_len = 0;
  for (const auto& [prefix, network] : kSegments)
    if (prefix.size() > best_len && msisdn.starts_with(prefix)) {
      best = network;
      best_len = prefix.size();
    }
  return best;
}

}  // namespace cgw::mvno
