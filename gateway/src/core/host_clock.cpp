#include "core/host_clock.hpp"

#include "cgw/common/time_format.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cgw::gw {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// A bound far beyond any test (100 years), so that no sum overflows.
constexpr int64_t kMaxOffsetMs = int64_t{100} * 366 * 24 * 3600 * 1000;
}  // namespace

int64_t HostClock::real_now_ms() {
  return system_now_ms();
}

Result<HostClock::Move> HostClock::advance(int64_t ms) {
  if (!movable_) return not_found("the gateway's clock is not a test clock");
  if (ms < 0 || ms > kMaxOffsetMs)
    return bad_argument("advance_ms must be 0 to " + std::to_string(kMaxOffsetMs) +
                        ": the clock only moves forward");
  std::lock_guard lock(mu_);
  return move_to_offset(offset_.load() + ms);
}

Result<HostClock::Move> HostClock::set(int64_t unix_ms) {
  if (!movable_) return not_found("the gateway's clock is not a test clock");
  std::lock_guard lock(mu_);
  const int64_t now = now_ms();
  if (unix_ms < now)
    return bad_argument("set_ms " + std::to_string(unix_ms) + " is before the clock's now (" +
                        std::to_string(now) + "): the clock only moves forward");
  if (unix_ms - now > kMaxOffsetMs)
    return bad_argument("set_ms is more than 100 years ahead of the clock's now");
  return move_to_offset(offset_.load() + (unix_ms - now));
}

// Under mu_.
Result<HostClock::Move> HostClock::move_to_offset(int64_t offset_ms) {
  if (offset_ms > kMaxOffsetMs)
    return bad_argument("the move would put the clock more than 100 years ahead");
  const int64_t old = offset_.exchange(offset_ms);
  ++moves_;
  for (auto* t : waiting_) t->cancel();
  const Move m{old, offset_ms, now_ms()};
  spdlog::warn("TEST CLOCK moved: offset {} ms -> {} ms (gateway time {} ms, real time {} ms)",
               m.old_offset_ms, m.new_offset_ms, m.now_ms, real_now_ms());
  return m;
}

asio::awaitable<error_code> HostClock::wait_for(std::chrono::milliseconds d) {
  co_return co_await wait_for(d, nullptr);
}

void HostClock::wake(Wakeup& wakeup) {
  std::lock_guard lock(mu_);
  wakeup.woken_ = true;
  if (wakeup.timer_) wakeup.timer_->cancel();
}

asio::awaitable<error_code> HostClock::wait_for(std::chrono::milliseconds d, Wakeup* wakeup) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const int64_t due = now_ms() + d.count();
  auto token = asio::as_tuple(asio::use_awaitable);
  using Token = decltype(token);
  for (;;) {
    uint64_t seen = 0;
    {
      std::lock_guard lock(mu_);
      seen = moves_;
      if (wakeup && wakeup->woken_) co_return error_code{};
    }
    const int64_t left = due - now_ms();
    if (left <= 0) co_return error_code{};
    // The wait starts under the lock that moves take: a move either comes
    // before (seen, so the timer fires at once) or cancels it.
    auto [ec] = co_await asio::async_initiate<Token, void(error_code)>(
        [this, &timer, seen, left, wakeup](auto handler) {
          std::lock_guard lock(mu_);
          const bool woken = wakeup && wakeup->woken_;
          timer.expires_after(std::chrono::milliseconds(moves_ == seen && !woken ? left : 0));
          waiting_.insert(&timer);
          if (wakeup) wakeup->timer_ = &timer;
          timer.async_wait(std::move(handler));
        },
        token);
    bool moved = false, woken = false;
    {
      std::lock_guard lock(mu_);
      waiting_.erase(&timer);
      if (wakeup) wakeup->timer_ = nullptr;
      moved = moves_ != seen;
      woken = wakeup && wakeup->woken_;
    }
    if (woken) co_return error_code{};
    if (ec && !moved) co_return ec;  // cancelled: the shutdown
  }
}

}  // namespace cgw::gw
