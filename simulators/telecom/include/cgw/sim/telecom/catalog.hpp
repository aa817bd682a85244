// The simulated China Telecom catalogue: number segments (MIIT allocation,
// see domain.md; the MVNO blocks 162 and 1700-1702 are not the carrier's
// own), regions and plans.
#pragma once

#include "cgw/sim/number_pool.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim::telecom {

struct Plan {
  std::string code, name;
  int64_t monthly_fee_fen = 0;
  int64_t data_mb = 0;
  int64_t voice_minutes = 0;
};

// Hidden plans that steer an order's outcome in tests. Accepted by
// orders/create, never listed by plans/list.
inline constexpr std::string_view kPlanReject = "SIM-REJECT";          // FAILED, FailCode 40008
inline constexpr std::string_view kPlanStuck = "SIM-STUCK";            // PROCESSING forever
inline constexpr std::string_view kPlanNoCallback = "SIM-NOCALLBACK";  // ACTIVATED, no callback
inline constexpr std::string_view kPlanReturn = "SIM-RETURN";          // SHIPPED, then RETURNED
inline constexpr std::string_view kPlanEvents =
    "SIM-EVENTS";  // reviewing, shipped, delivered, activated
inline constexpr std::string_view kPlanEventsOutOfOrder =
    "SIM-EVENTS-OOO";  // events out of order (EventScript)

const std::vector<std::string>& segments();
const std::vector<Region>& regions();
const std::vector<Plan>& plans();  // the listed plans
bool is_magic_plan(std::string_view code);
bool plan_exists(std::string_view code);  // listed or magic

}  // namespace cgw::sim::telecom
