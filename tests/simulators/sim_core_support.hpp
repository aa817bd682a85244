// Shared by the simulator core tests (sim_core_test, sim_ledger_test,
// sim_config_test): a fixed simulated "now" and small ledgers.
#pragma once

#include "cgw/sim/ledger.hpp"
#include "cgw/sim/mobile/catalog.hpp"
#include "cgw/sim/number_pool.hpp"

#include <string>

namespace cgw::sim::test {

inline constexpr int64_t kT0 = 1'760'000'000'000;  // a fixed simulated "now"

inline PoolSpec mobile_spec(size_t size, uint64_t seed) {
  return PoolSpec{mobile::segments(), mobile::regions(), size, seed};
}

inline Ledger small_ledger() {
  return Ledger(generate_pool(mobile_spec(200, 1)));
}

inline std::string first_number(Ledger& ledger) {
  return ledger.page("", 1, kT0).items.at(0).record.number;
}

// prefix + i. (Not `"x" + std::to_string(i)`: GCC 12 reports a false
// -Wstringop-overflow for that at -O3.)
inline std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

inline ReserveRequest reserve(const std::string& number, const std::string& lock_id,
                              int64_t hold_ms) {
  return ReserveRequest{number, lock_id, "", hold_ms};
}

}  // namespace cgw::sim::test
