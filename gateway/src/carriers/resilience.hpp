// Per-carrier protection: a circuit breaker, a concurrency limit and a QPS
// limit, so one slow or failing carrier never starves the others, and the
// rule for which failures are safe to retry.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>

namespace cgw::gw {

struct BreakerOptions {
  int window = 20;             // the last N calls are judged
  int min_calls = 10;          // no verdict on fewer calls
  double failure_ratio = 0.5;  // open at this share of failures
  std::chrono::milliseconds open_for{30'000};
};

// closed -> (failure ratio reached) -> open -> (open_for elapsed) ->
// half_open: one probe call; success closes, failure opens again.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  using Clock = std::chrono::steady_clock;

  CircuitBreaker(std::string carrier, BreakerOptions options);
  // May a call go out now? In half-open only one probe is let through.
  bool allow(Clock::time_point now = Clock::now());
  void record(bool success, Clock::time_point now = Clock::now());
  State state() const;
  double failure_ratio() const;
  static const char* name(State s);

 private:
  void transition(State to);
  std::string carrier_;
  BreakerOptions options_;
  mutable std::mutex mu_;
  State state_ = State::kClosed;
  std::deque<bool> outcomes_;  // true = failure
  int failures_ = 0;
  Clock::time_point opened_at_{};
  bool probe_in_flight_ = false;
};

// Waits for a free slot (concurrency) and for the next permitted send time
// (QPS, a token bucket of one second's burst). Release the slot with the
// returned guard.
class CallLimiter {
 public:
  CallLimiter(int max_concurrency, double max_qps);
  class Slot {
   public:
    explicit Slot(CallLimiter* l) : l_(l) {}
    Slot(Slot&& o) noexcept : l_(o.l_) { o.l_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (l_) l_->release();
    }

   private:
    CallLimiter* l_;
  };
  boost::asio::awaitable<Slot> acquire();
  int in_flight() const;

 private:
  void release();
  int max_concurrency_;
  double max_qps_;
  mutable std::mutex mu_;
  int in_flight_ = 0;
  std::list<boost::asio::steady_timer*> waiters_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_at_ = std::chrono::steady_clock::now();
};

// Operations that only read carrier state: retried after a timeout, a broken
// connection or a 5xx. Anything else is retried only when nothing was sent.
bool is_read_operation(const std::string& operation);

}  // namespace cgw::gw
