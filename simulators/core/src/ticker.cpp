#include "cgw/sim/ticker.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>

namespace cgw::sim {

namespace asio = boost::asio;

// Shared with the loop coroutine so the loop may outlive the Ticker object.
struct Ticker::State {
  State(asio::any_io_executor ex, std::chrono::milliseconds p, std::function<void()> f)
      : strand(asio::make_strand(ex)), timer(strand), period(p), fn(std::move(f)) {}
  asio::strand<asio::any_io_executor> strand;  // the timer is touched on it only
  asio::steady_timer timer;
  std::chrono::milliseconds period;
  std::function<void()> fn;
  std::atomic<bool> stopped{false};
};

asio::awaitable<void> Ticker::loop(std::shared_ptr<State> s) {
  while (!s->stopped) {
    s->timer.expires_after(s->period);
    co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (s->stopped) break;
    try {
      s->fn();
    } catch (const std::exception& e) {
      spdlog::error("periodic work failed: {}", e.what());  // keep ticking
    }
  }
}

Ticker::Ticker(asio::any_io_executor executor, std::chrono::milliseconds period,
               std::function<void()> fn)
    : state_(std::make_shared<State>(std::move(executor), period, std::move(fn))) {}

Ticker::~Ticker() {
  stop();
}

void Ticker::start() {
  asio::co_spawn(state_->strand, loop(state_), asio::detached);
}

void Ticker::stop() {
  if (state_->stopped.exchange(true)) return;
  asio::post(state_->strand, [s = state_] { s->timer.cancel(); });
}

}  // namespace cgw::sim
