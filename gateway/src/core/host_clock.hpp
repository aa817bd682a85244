// The gateway's one clock for its own logic: reservation expiry, activation
// poll schedules, webhook next-attempt times, the release queue and the
// housekeeping rounds all read it (Services::now) and wait on it.
//
// In production it is the system clock. A test deployment (`environment:
// test` with `test_clock: {enabled: true}`, docs/test-clock.md) may move it
// forward through POST /v1/test/clock, so that a suite that moves the
// simulator's clock sees the gateway follow without a real wait. It never
// runs backwards: an expiry must not "un-expire".
//
// What is compared with a partner's real clock stays on real time
// (real_now_ms): the timestamps plugins sign and the replay windows they
// check (the plugins' host clock, carriers/carrier.hpp), the
// webhook-timestamp header, TLS. Rate limits, timeouts and the circuit
// breaker pace real traffic and stay on the steady clock.
#pragma once

#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>

namespace cgw::gw {

class HostClock {
 public:
  // `movable`: a test clock (only a test deployment's config turns it on).
  explicit HostClock(bool movable = false) : movable_(movable) {}
  HostClock(const HostClock&) = delete;
  HostClock& operator=(const HostClock&) = delete;

  // Unix epoch milliseconds: the real time plus the offset.
  int64_t now_ms() const { return real_now_ms() + offset_.load(); }
  static int64_t real_now_ms();
  bool movable() const { return movable_; }
  int64_t offset_ms() const { return offset_.load(); }

  struct Move {
    int64_t old_offset_ms = 0, new_offset_ms = 0, now_ms = 0;
  };
  // Moves the clock forward by `ms` (>= 0), or to `unix_ms` (not before
  // now_ms()). Every time read after it returns sees the new time, and
  // every wait_for() in progress is woken to look again. Logged at warn.
  // INVALID_ARGUMENT for a move backwards, NOT_FOUND when not movable.
  Result<Move> advance(int64_t ms);
  Result<Move> set(int64_t unix_ms);

  // Waits until `d` has passed on this clock: the real time, cut short by
  // a move (a move past the end ends the wait, a smaller one shortens it).
  // An error only when the wait was cancelled (operation_aborted: the
  // shutdown), as an Asio timer's wait.
  boost::asio::awaitable<boost::system::error_code> wait_for(std::chrono::milliseconds d);

  // A wait that another thread may end early: wake() ends the wait of
  // wait_for(d, wakeup) in progress, and makes every later one return at
  // once (an order's poll, ended by the callback that settled the order).
  class Wakeup {
    friend class HostClock;
    boost::asio::steady_timer* timer_ = nullptr;  // under the clock's mu_
    bool woken_ = false;
  };
  boost::asio::awaitable<boost::system::error_code> wait_for(std::chrono::milliseconds d,
                                                             Wakeup* wakeup);
  void wake(Wakeup& wakeup);

 private:
  Result<Move> move_to_offset(int64_t offset_ms);

  const bool movable_;
  std::atomic<int64_t> offset_{0};
  // Under mu_: every operation on a registered timer (expiry, the start of
  // its wait, its cancel by a move), so a move from another I/O thread
  // never races a wait being started; `moves_` tells a waiter that a move
  // came between its reading of the clock and the start of its wait.
  std::mutex mu_;
  uint64_t moves_ = 0;
  std::set<boost::asio::steady_timer*> waiting_;
};

}  // namespace cgw::gw
