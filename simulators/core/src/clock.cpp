#include "cgw/sim/clock.hpp"

#include "cgw/common/time_format.hpp"

namespace cgw::sim {

int64_t SimClock::base_ms() const {
  return fixed_base_ ? *fixed_base_ : wall_ms();
}

int64_t SimClock::now_locked() const {
  return frozen_at_ ? *frozen_at_ : base_ms() + offset_;
}

int64_t SimClock::now_ms() const {
  std::lock_guard lock(mu_);
  return now_locked();
}

int64_t SimClock::wall_ms() const {
  return cgw::system_now_ms();
}

int64_t SimClock::offset_ms() const {
  std::lock_guard lock(mu_);
  return now_locked() - base_ms();
}

void SimClock::advance(int64_t ms) {
  if (ms <= 0) return;
  std::lock_guard lock(mu_);
  if (frozen_at_)
    *frozen_at_ += ms;
  else
    offset_ += ms;
}

bool SimClock::set_ms(int64_t unix_ms) {
  std::lock_guard lock(mu_);
  const int64_t now = now_locked();
  if (unix_ms < now) return false;
  if (frozen_at_)
    frozen_at_ = unix_ms;
  else
    offset_ += unix_ms - now;
  return true;
}

void SimClock::freeze() {
  std::lock_guard lock(mu_);
  if (!frozen_at_) frozen_at_ = now_locked();
}

void SimClock::unfreeze() {
  std::lock_guard lock(mu_);
  if (!frozen_at_) return;
  offset_ = *frozen_at_ - base_ms();
  frozen_at_.reset();
}

SimClock::Saved SimClock::save() const {
  std::lock_guard lock(mu_);
  return Saved{offset_, frozen_at_};
}

void SimClock::restore(const Saved& saved) {
  std::lock_guard lock(mu_);
  offset_ = saved.offset_ms;
  frozen_at_ = saved.frozen_at_ms;
}

bool SimClock::frozen() const {
  std::lock_guard lock(mu_);
  return frozen_at_.has_value();
}

}  // namespace cgw::sim
