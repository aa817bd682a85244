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

// Starts clock.wait_for(d); the future is set when it ends.
std::future<boost::system::error_code> start_wait(Io& io, HostClock& clock,
                                                  std::chrono::milliseconds d) {
  auto done = std::make_shared<std::promise<boost::system::error_code>>();
  auto f = done->get_future();
  asio::co_spawn(
      io.ioc,
      [&clock, d, done]() -> asio::awaitable<void> { done->set_value(co_await clock.wait_for(d)); },
      asio::detached);
  return f;
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
  auto wait = start_wait(io, clock, 1h);
  // The wait may not have started when the move comes: either way it ends.
  ASSERT_TRUE(clock.advance(3'600'000).ok());
  ASSERT_EQ(wait.wait_for(10s), std::future_status::ready) << "the move did not wake the wait";
  EXPECT_FALSE(wait.get());
}

TEST(HostClock, ASmallerMoveShortensAWaitWithoutEndingIt) {
  Io io;
  HostClock clock(true);
  const int64_t start = clock.now_ms();
  auto wait = start_wait(io, clock, 10min);
  ASSERT_TRUE(clock.advance(9 * 60'000).ok());
  ASSERT_TRUE(clock.advance(2 * 60'000).ok());
  ASSERT_EQ(wait.wait_for(10s), std::future_status::ready);
  EXPECT_GE(clock.now_ms() - start, 10 * 60'000) << "it ended before its time on the clock";
}

}  // namespace
