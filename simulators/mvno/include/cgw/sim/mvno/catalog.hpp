// The simulated 170/171 MVNO catalogue: its number segments with the host
// network behind each (MIIT allocation, see domain.md), regions and products.
#pragma once

#include "cgw/sim/number_pool.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim::mvno {

struct Product {
  std::string code, name;
  int64_t monthly_fee_fen = 0;
  int64_t data_mb = 0;
  int64_t voice_min = 0;
};

// Hidden products that steer an order's outcome in tests. Accepted by
// order/create, never listed by product/list.
inline constexpr std::string_view kProductReject = "SIM-REJECT";          // FAILED, failCode 3008
inline constexpr std::string_view kProductStuck = "SIM-STUCK";            // ACCEPTED forever
inline constexpr std::string_view kProductNoCallback = "SIM-NOCALLBACK";  // OPENED, no callback
inline constexpr std::string_view kProductReturn = "SIM-RETURN";          // SHIPPED, then RETURNED
inline constexpr std::string_view kProductEvents =
    "SIM-EVENTS";  // reviewing, shipped, delivered, activated
inline constexpr std::string_view kProductEventsOutOfOrder =
    "SIM-EVENTS-OOO";  // events out of order (EventScript)

const std::vector<std::string>& segments();  // 3- and 4-digit prefixes
// "CTCC", "CMCC" or "CUCC" by longest prefix; nullopt outside the segments.
std::optional<std::string_view> host_network_of(std::string_view number);
const std::vector<Region>& regions();
const std::vector<Product>& products();  // the listed products
bool is_magic_product(std::string_view code);
bool product_exists(std::string_view code);  // listed or magic

}  // namespace cgw::sim::mvno
