#include "carriers/resilience.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

using namespace cgw::gw;
using State = CircuitBreaker::State;
using namespace std::chrono_literals;

namespace {
BreakerOptions opts() {
  return BreakerOptions{10, 4, 0.5, 1000ms};
}
}  // namespace

TEST(CircuitBreaker, StaysClosedBelowMinimumCalls) {
  CircuitBreaker b("x", opts());
  auto t = CircuitBreaker::Clock::now();
  for (int i = 0; i < 3; ++i) b.record(false, t);
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_TRUE(b.allow(t));
}

TEST(CircuitBreaker, OpensOnFailureRatioAndFailsFast) {
  CircuitBreaker b("x", opts());
  auto t = CircuitBreaker::Clock::now();
  b.record(true, t);
  b.record(true, t);
  b.record(false, t);
  EXPECT_EQ(b.state(), State::kClosed);  // 1 of 3, below the minimum anyway
  b.record(false, t);                    // 2 of 4 = 0.5
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_FALSE(b.allow(t + 999ms));
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeThrough) {
  CircuitBreaker b("x", opts());
  auto t = CircuitBreaker::Clock::now();
  for (int i = 0; i < 4; ++i) b.record(false, t);
  ASSERT_EQ(b.state(), State::kOpen);
  EXPECT_TRUE(b.allow(t + 1000ms));
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_FALSE(b.allow(t + 1001ms));  // only one probe
  b.record(false, t + 1002ms);        // probe failed: open again
  EXPECT_EQ(b.state(), State::kOpen);
  EXPECT_FALSE(b.allow(t + 1500ms));
  EXPECT_TRUE(b.allow(t + 2002ms));
  b.record(true, t + 2003ms);  // probe succeeded: closed, history cleared
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_EQ(b.failure_ratio(), 0.0);
}

TEST(CircuitBreaker, WindowForgetsOldFailures) {
  CircuitBreaker b("x", BreakerOptions{4, 4, 0.75, 1000ms});
  auto t = CircuitBreaker::Clock::now();
  b.record(false, t);
  b.record(false, t);
  b.record(true, t);
  b.record(true, t);   // 2 of 4
  b.record(true, t);   // window: F T T T
  b.record(false, t);  // window: T T T F
  EXPECT_EQ(b.state(), State::kClosed);
  EXPECT_DOUBLE_EQ(b.failure_ratio(), 0.25);
}

TEST(CallLimiter, NeverExceedsConcurrency) {
  boost::asio::io_context ioc;
  CallLimiter limiter(2, 0);
  int running = 0, peak = 0, done = 0;
  for (int i = 0; i < 6; ++i)
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
          auto slot = co_await limiter.acquire();
          peak = std::max(peak, ++running);
          boost::asio::steady_timer t(ioc, 5ms);
          co_await t.async_wait(boost::asio::use_awaitable);
          --running;
          ++done;
        },
        boost::asio::detached);
  ioc.run_for(5s);
  EXPECT_EQ(done, 6);
  EXPECT_EQ(peak, 2);
  EXPECT_EQ(limiter.in_flight(), 0);
}

TEST(CallLimiter, PacesToTheRate) {
  boost::asio::io_context ioc;
  CallLimiter limiter(100, 50);  // 50 per second, burst of 50
  int done = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 75; ++i)
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
          auto slot = co_await limiter.acquire();
          ++done;
        },
        boost::asio::detached);
  ioc.run_for(10s);
  EXPECT_EQ(done, 75);
  // The 25 beyond the burst need about half a second at 50/s.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
}

TEST(Retries, OnlyReadsAreRetriedAfterTheySent) {
  EXPECT_TRUE(is_read_operation("activation.query"));
  EXPECT_TRUE(is_read_operation("inventory.sync"));
  EXPECT_FALSE(is_read_operation("activation.submit"));
  EXPECT_FALSE(is_read_operation("number.reserve"));
  EXPECT_FALSE(is_read_operation("kyc.verify"));  // paid, and not idempotent
}
