// The simulated China Unicom catalogue: number segments (MIIT allocation,
// see domain.md), regions and products (plans).
#pragma once

#include "cgw/sim/number_pool.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim::unicom {

struct Product {
  std::string code, name;
  int64_t monthly_fee_fen = 0;
  int64_t flow_mb = 0;
  int64_t voice_min = 0;
};

// Hidden products that steer an order's outcome in tests. Accepted by
// order.create, never listed by plan.list. There is no SIM-NOCALLBACK: this
// carrier sends no callbacks at all.
inline constexpr std::string_view kProductReject = "SIM-REJECT";  // FAILED, fail_code 4009
inline constexpr std::string_view kProductStuck = "SIM-STUCK";    // IN_PROCESS forever

// China Unicom's own segments; not the MVNO ones (167, 171, 1704, 1707-1709).
const std::vector<std::string>& segments();
const std::vector<Region>& regions();
const std::vector<Product>& products();  // the listed products
bool is_magic_product(std::string_view code);
bool product_exists(std::string_view code);  // listed or magic

}  // namespace cgw::sim::unicom
