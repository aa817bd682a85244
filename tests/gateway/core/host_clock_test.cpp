// The gateway's clock (core/host_clock.hpp): real time unless it is a test
// clock; a test clock only moves forward, and a move wakes the waits on it.
#include "core/host_clock.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <future>
#include <thread>

using cgw::gw::HostClock;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// An io_context run by two threads (moves come from another thread than
// the wait's, as from an API request).
struct Io {
  asio::io_context ioc{2};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread a{[this] { ioc.run(); }}, b{[this] { ioc.run(); }};
  ~Io() {
    work.reset();
    ioc.stop();
    a.join();
    b.join();
  }
};

// One clock.wait_for(d) on the io_context: when it started and when it
// ended, by the clock.
struct Wait {
  std::promise<int64_t> started;
  std::promise<std::pair<boost::system::error_code, int64_t>> ended;
};

std::shared_ptr<Wait> start_wait(Io& io, HostClock& clock, std::chrono::milliseconds d) {
  auto w = std::make_shared<Wait>();
  asio::co_spawn(
      io.ioc,
      [&clock, d, w]() -> asio::awaitable<void> {
        w->started.set_value(clock.now_ms());
        auto ec = co_await clock.wait_for(d);
        w->ended.set_value({ec, clock.now_ms()});
      },
      asio::detached);
  return w;
}

// Moves the clock by `step` until the wait ends (at most 50 times, 100 ms
// apart); whether it ended. A move that lands before the wait began
// would only push its end further: the next one wakes it.
bool move_until_ended(HostClock& clock,
                      std::future<std::pair<boost::system::error_code, int64_t>>& f, int64_t step) {
  for (int i = 0; i < 50; ++i) {
    if (!clock.advance(step).ok()) return false;
    if (f.wait_for(100ms) == std::future_status::ready) return true;
  }
  return false;
}

TEST(HostClock, ProductionClockIsRealAndCannotMove) {
  HostClock clock;
  EXPECT_FALSE(clock.movable());
  const int64_t before = HostClock::real_now_ms();
  EXPECT_GE(clock.now_ms(), before);
  EXPECT_LE(clock.now_ms(), HostClock::real_now_ms());
  EXPECT_EQ(clock.advance(1000).error().code, "NOT_FOUND");
  EXPECT_EQ(clock.set(before + 1000).error().code, "NOT_FOUND");
  EXPECT_EQ(clock.offset_ms(), 0);
}

TEST(HostClock, TestClockMovesOnlyForward) {
  HostClock clock(true);
  auto m = clock.advance(60'000);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->old_offset_ms, 0);
  EXPECT_EQ(m->new_offset_ms, 60'000);
  EXPECT_GE(clock.now_ms(), HostClock::real_now_ms() + 59'000);
  EXPECT_EQ(clock.advance(-1).error().code, "INVALID_ARGUMENT");
  EXPECT_EQ(clock.set(HostClock::real_now_ms()).error().code, "INVALID_ARGUMENT")
      << "the real time is in the test clock's past";
  const int64_t target = clock.now_ms() + 3'600'000;
  ASSERT_TRUE(clock.set(target).ok());
  EXPECT_GE(clock.now_ms(), target);
  EXPECT_LT(clock.now_ms(), target + 60'000);
  EXPECT_GE(clock.offset_ms(), m->new_offset_ms + 3'540'000);
  EXPECT_EQ(clock.advance(int64_t{1} << 62).error().code, "INVALID_ARGUMENT");
}

TEST(HostClock, AMovePastTheEndEndsAWait) {
  Io io;
  HostClock clock(true);
  auto w = start_wait(io, clock, 1h);
  auto ended = w->ended.get_future();
  w->started.get_future().wait();
  ASSERT_TRUE(move_until_ended(clock, ended, 3'600'000)) << "no move woke the wait";
  EXPECT_FALSE(ended.get().first);
}

TEST(HostClock, ASmallerMoveShortensAWaitWithoutEndingIt) {
  Io io;
  HostClock clock(true);
  auto w = start_wait(io, clock, 10min);
  auto ended = w->ended.get_future();
  const int64_t started = w->started.get_future().get();
  ASSERT_TRUE(clock.advance(9 * 60'000).ok());
  ASSERT_TRUE(move_until_ended(clock, ended, 2 * 60'000));
  const auto [ec, at] = ended.get();
  EXPECT_FALSE(ec);
  EXPECT_GE(at - started, 10 * 60'000) << "it ended before its time on the clock";
}

}  // namespace
