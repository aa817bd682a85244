#include "carriers/resilience.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cgw/types.hpp>

#include <algorithm>

namespace cgw::gw {

namespace asio = boost::asio;

CircuitBreaker::CircuitBreaker(std::string carrier, BreakerOptions options)
    : carrier_(std::move(carrier)), options_(options) {}

const char* CircuitBreaker::name(State s) {
  switch (s) {
    case State::kClosed:
      return "closed";
    case State::kOpen:
      return "open";
    case State::kHalfOpen:
      return "half_open";
  }
  return "?";
}

void CircuitBreaker::transition(State to) {
  if (to == state_) return;
  spdlog::warn("carrier={} circuit {} -> {} (failure ratio {:.2f} over {} calls)", carrier_,
               name(state_), name(to),
               outcomes_.empty() ? 0.0 : double(failures_) / outcomes_.size(), outcomes_.size());
  state_ = to;
  if (to == State::kClosed) {
    outcomes_.clear();
    failures_ = 0;
  }
}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (state_ == State::kOpen && now - opened_at_ >= options_.open_for) {
    transition(State::kHalfOpen);
    probe_in_flight_ = false;
  }
  if (state_ == State::kClosed) return true;
  if (state_ == State::kHalfOpen && !probe_in_flight_) {
    probe_in_flight_ = true;
    return true;
  }
  return false;
}

void CircuitBreaker::record(bool success, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (state_ == State::kHalfOpen) {
    probe_in_flight_ = false;
    if (success) {
      transition(State::kClosed);
    } else {
      opened_at_ = now;
      transition(State::kOpen);
    }
    return;
  }
  if (state_ == State::kOpen) return;  // a call that started before opening
  outcomes_.push_back(!success);
  failures_ += success ? 0 : 1;
  if (static_cast<int>(outcomes_.size()) > options_.window) {
    failures_ -= outcomes_.front() ? 1 : 0;
    outcomes_.pop_front();
  }
  if (static_cast<int>(outcomes_.size()) >= options_.min_calls &&
      double(failures_) / outcomes_.size() >= options_.failure_ratio) {
    opened_at_ = now;
    transition(State::kOpen);
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

double CircuitBreaker::failure_ratio() const {
  std::lock_guard lock(mu_);
  return outcomes_.empty() ? 0.0 : double(failures_) / outcomes_.size();
}

CallLimiter::CallLimiter(int max_concurrency, double max_qps)
    : max_concurrency_(std::max(1, max_concurrency)), max_qps_(max_qps), tokens_(max_qps) {}

asio::awaitable<CallLimiter::Slot> CallLimiter::acquire() {
  auto executor = co_await asio::this_coro::executor;
  // Concurrency: wait until a slot is free. release() wakes one waiter at
  // once; the short expiry covers a wake-up that lands before the wait
  // began, so none is ever lost.
  // The guard takes the timer off `waiters_` however the wait ends: a
  // cancelled caller unwinds from a co_await (operation_aborted), and a
  // timer left listed would be cancelled by release() after it was freed.
  struct Waiting {
    CallLimiter& limiter;
    asio::steady_timer* timer = nullptr;
    ~Waiting() {
      std::lock_guard lock(limiter.mu_);
      limiter.waiters_.remove(timer);
    }
  };
  for (;;) {
    asio::steady_timer wake(executor, std::chrono::milliseconds(20));
    {
      std::lock_guard lock(mu_);
      if (in_flight_ < max_concurrency_) {
        ++in_flight_;
        break;
      }
      waiters_.push_back(&wake);
    }
    Waiting waiting{*this, &wake};
    co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  Slot slot(this);
  // Rate: a token bucket refilled at max_qps per second, one second of burst.
  while (max_qps_ > 0) {
    std::chrono::steady_clock::duration wait{};
    {
      std::lock_guard lock(mu_);
      auto now = std::chrono::steady_clock::now();
      tokens_ = std::min(
          max_qps_, tokens_ + max_qps_ * std::chrono::duration<double>(now - refilled_at_).count());
      refilled_at_ = now;
      if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        break;
      }
      wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>((1.0 - tokens_) / max_qps_));
    }
    asio::steady_timer t(executor, wait);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return slot;
}

void CallLimiter::release() {
  std::lock_guard lock(mu_);
  --in_flight_;
  if (!waiters_.empty()) {
    waiters_.front()->cancel();
    waiters_.pop_front();
  }
}

int CallLimiter::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

bool is_read_operation(const std::string& op) {
  return op == op::kPlansList || op == op::kInventorySync || op == op::kActivationQuery ||
         op == op::kSubscriberQuery || op == op::kSubscriberRechargeQuery;
}

}  // namespace cgw::gw
