#include "cgw/sim/clock.hpp"

#include "cgw/common/time_format.hpp"

namespace cgw::sim {

int64_t SimClock::now_ms() const {
  return (fixed_base_ ? *fixed_base_ : wall_ms()) + offset_.load();
}

int64_t SimClock::wall_ms() const {
  return cgw::system_now_ms();
}

void SimClock::advance(int64_t ms) {
  if (ms > 0) offset_.fetch_add(ms);
}

}  // namespace cgw::sim
