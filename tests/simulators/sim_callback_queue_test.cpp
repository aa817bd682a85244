// The callback sender's delivery queue (callback_sender.hpp): due callbacks
// start at most `max_in_flight` at a time, as a carrier's notifier pool;
// the others wait for a free slot, not for a retry, and all arrive once. A
// retry waits for its backoff on the simulated clock.
#include "cgw/common/http_server.hpp"
#include "cgw/sim/callback_sender.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace asio = boost::asio;
using namespace cgw;
using namespace std::chrono_literals;

namespace {

// A partner that answers each callback after 30 ms (or refuses the first
// attempt of each when `refuse_first`), noting how many it held at once.
class SlowPartner {
 public:
  SlowPartner(asio::io_context& ioc, bool refuse_first)
      : refuse_first_(refuse_first),
        server_(ioc, net::ServerOptions{},
                [this](net::Request& req, const net::Peer&) { return handle(req); }) {
    EXPECT_EQ(server_.listen(), "");
    server_.start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/cb"; }
  int max_concurrent() const { return max_; }
  std::multiset<std::string> acknowledged() {
    std::lock_guard lock(mu_);
    return acked_;
  }

 private:
  asio::awaitable<net::Response> handle(net::Request& req) {
    const int now = ++current_;
    for (int seen = max_.load(); now > seen && !max_.compare_exchange_weak(seen, now);) {
    }
    asio::steady_timer t(co_await asio::this_coro::executor, 30ms);
    co_await t.async_wait(asio::use_awaitable);
    --current_;
    std::lock_guard lock(mu_);
    const std::string body = req.body();
    if (refuse_first_ && seen_.insert(body).second)
      co_return net::make_response(req, net::http::status::service_unavailable, "busy");
    acked_.insert(body);
    co_return net::make_response(req, net::http::status::ok, "ok");
  }
  bool refuse_first_;
  std::atomic<int> current_{0}, max_{0};
  std::mutex mu_;
  std::set<std::string> seen_;
  std::multiset<std::string> acked_;
  net::HttpServer server_;
};

struct Rig {
  Rig(bool refuse_first, size_t slots, std::optional<int64_t> fixed_clock = std::nullopt)
      : clock(fixed_clock), partner(ioc, refuse_first) {
    sim::CallbackPolicy policy;
    policy.max_in_flight = slots;
    sender = std::make_unique<sim::CallbackSender>(
        ioc.get_executor(), clock,
        [](std::string_view, std::string_view) { return net::HeaderList{}; },
        [](int status, std::string_view) { return status == 200; }, policy);
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  ~Rig() {
    sender->stop();
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
  }
  void enqueue(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string id = "E" + std::to_string(i);
      sender->enqueue({id, "O" + std::to_string(i), partner.url(), id});
    }
  }
  bool wait_for(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      sender->tick();
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(ioc);
  sim::SimClock clock;
  SlowPartner partner;
  std::unique_ptr<sim::CallbackSender> sender;
  std::vector<std::thread> threads;
};

}  // namespace

TEST(CallbackQueue, AtMostMaxInFlightAndEveryCallbackArrivesOnce) {
  Rig rig(false, 3);
  rig.enqueue(20);
  ASSERT_TRUE(rig.wait_for([&] { return rig.partner.acknowledged().size() >= 20; }));
  EXPECT_LE(rig.partner.max_concurrent(), 3);
  EXPECT_GE(rig.partner.max_concurrent(), 2);  // the slots are used side by side
  const auto acked = rig.partner.acknowledged();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(acked.count("E" + std::to_string(i)), 1u) << i;
  EXPECT_TRUE(rig.wait_for([&] { return rig.sender->in_flight() == 0; }));
  EXPECT_FALSE(rig.sender->next_due_ms().has_value());
  for (const auto& r : rig.sender->journal()) EXPECT_EQ(r.attempts.size(), 1u) << r.event_id;
}

TEST(CallbackQueue, ARetryWaitsForItsBackoffOnTheSimulatedClock) {
  const int64_t t0 = 1'700'000'000'000;
  Rig rig(true, 4, t0);  // the clock stands still unless advanced
  rig.enqueue(6);
  ASSERT_TRUE(rig.wait_for([&] {
    const auto j = rig.sender->journal();
    return rig.sender->in_flight() == 0 &&
           std::all_of(j.begin(), j.end(), [](const auto& r) { return r.attempts.size() == 1; });
  }));
  EXPECT_LE(rig.partner.max_concurrent(), 4);
  // Refused once each: due again 1 s later on the simulated clock, not before.
  EXPECT_TRUE(rig.sender->start_due().empty());
  ASSERT_TRUE(rig.sender->next_due_ms().has_value());
  EXPECT_EQ(*rig.sender->next_due_ms(), t0 + 1000);
  EXPECT_TRUE(rig.partner.acknowledged().empty());
  rig.clock.advance(1000);
  ASSERT_TRUE(rig.wait_for([&] { return rig.partner.acknowledged().size() >= 6; }));
  for (const auto& r : rig.sender->journal()) {
    EXPECT_TRUE(r.acknowledged) << r.event_id;
    EXPECT_EQ(r.attempts.size(), 2u) << r.event_id;
  }
}
