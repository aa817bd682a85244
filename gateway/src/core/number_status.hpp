// The statuses a carrier reports for a number in its inventory
// (cgw::InventoryItem::status, docs/sdk.md), as stored in
// numbers.carrier_status. Only `available` numbers are offered.
#pragma once

namespace cgw::gw::carrier_number {

inline constexpr const char* kAvailable = "available";
inline constexpr const char* kReserved = "reserved";  // locked by another channel
inline constexpr const char* kSold = "sold";

}  // namespace cgw::gw::carrier_number
