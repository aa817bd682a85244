#include "orders/webhooks.hpp"

#include "cgw/common/crypto.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace cgw::gw {

namespace asio = boost::asio;

namespace {
// A uniform draw in [0, 1). Not a thread_local generator: a coroutine may
// resume on another thread, and a cached thread-local address would race.
double jitter01() {
  const std::string b = crypto::random_bytes(4);
  uint32_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<unsigned char>(c);
  return static_cast<double>(v) / 4294967296.0;
}
}  // namespace

WebhookDispatcher::WebhookDispatcher(Services& svc, BackgroundTasks& tasks)
    : svc_(svc), tasks_(tasks) {
  std::set<std::string> tenants;
  for (const auto& t : svc_.config.tenants)
    if (t.webhook) {
      endpoints_[t.id] = *t.webhook;
      tenants.insert(t.id);
    }
  svc_.store.outbox->set_webhook_tenants(std::move(tenants));
  net::ClientOptions o;
  o.request_timeout = svc_.config.webhooks.request_timeout;
  o.max_response_bytes = 64 * 1024;  // the answer is only looked at for its status
  client_ = std::make_unique<net::HttpClient>(svc_.ioc.get_executor(), o);
}

WebhookDispatcher::~WebhookDispatcher() = default;

void WebhookDispatcher::start() {
  if (endpoints_.empty()) return;
  spdlog::info("webhooks: delivering to {} tenant endpoints", endpoints_.size());
  tasks_.spawn("webhook outbox", run());
}

int64_t WebhookDispatcher::next_attempt_at(const WebhookPolicy& p, int64_t created_at_ms,
                                           int64_t attempts, int64_t now_ms, double jitter01) {
  const int64_t give_up_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(p.give_up_after).count();
  if (now_ms - created_at_ms >= give_up_ms) return 0;
  const int64_t base = p.initial_backoff.count(), cap = p.max_backoff.count();
  int64_t delay = base;
  for (int64_t i = 1; i < attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  // "Equal jitter": half fixed, half random, so retries never bunch up and
  // never come sooner than half the backoff.
  const auto jitter = static_cast<int64_t>(static_cast<double>(delay / 2) * jitter01);
  return now_ms + delay / 2 + jitter;
}

std::string WebhookDispatcher::signature(const std::string& secret, const std::string& event_id,
                                         int64_t timestamp_s, const std::string& body) {
  const std::string signed_content = event_id + "." + std::to_string(timestamp_s) + "." + body;
  return "v1," + crypto::base64_encode(crypto::hmac_sha256(secret, signed_content));
}

// Next-attempt times are the gateway's clock (Services::clock): a move of a
// test clock wakes this loop and makes what came due go at once.
asio::awaitable<void> WebhookDispatcher::run() {
  const auto& policy = svc_.config.webhooks;
  // A leased event comes due again if this process dies while sending it.
  // A delivery ends within its request timeout, so a short margin past it
  // suffices: a longer lease only delays the event of a killed instance
  // (a fleet run caught one that came due after its recovery window). An
  // attempt that outlives the lease is at worst sent twice, which
  // receivers absorb by webhook-id (at-least-once, docs/reliability.md).
  const int64_t lease_ms = policy.request_timeout.count() + 5'000;
  while (!stopping_) {
    // Busy (every slot taken, or a full batch just leased): more is likely
    // due, so look again as soon as a slot may have freed.
    bool busy = false;
    try {
      const int free_slots = policy.max_in_flight - in_flight_.load();
      busy = free_slots <= 0;
      if (free_slots > 0) {
        const int64_t now = svc_.now();
        auto due =
            svc_.store.outbox->lease_due(now, static_cast<size_t>(free_slots), now + lease_ms);
        busy = due.size() == static_cast<size_t>(free_slots);
        for (auto& e : due) {
          ++in_flight_;
          // Refused once the shutdown began: the lease runs out and the
          // event goes at the next start.
          if (!tasks_.spawn("webhook delivery", deliver(std::move(e)))) --in_flight_;
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("webhooks: reading the outbox failed: {}", e.what());  // next round
    }
    const auto pause = busy ? std::chrono::milliseconds(5) : policy.scan_interval;
    if (auto ec = co_await svc_.clock.wait_for(pause)) co_return;  // cancelled by the shutdown
  }
}

asio::awaitable<void> WebhookDispatcher::deliver(OutboxEvent event) {
  struct Release {
    std::atomic<int>& n;
    ~Release() { --n; }
  } release{in_flight_};
  const auto& policy = svc_.config.webhooks;
  DeliveryAttempt attempt;
  attempt.at_ms = svc_.now();
  const auto started = std::chrono::steady_clock::now();  // a clock move is no delay
  bool delivered = false;
  auto endpoint = endpoints_.find(event.tenant);
  if (endpoint == endpoints_.end()) {
    attempt.error = "the tenant has no webhook endpoint configured";
  } else if (svc_.store.db && !co_await svc_.store.db->committed()) {
    // The event's change is not yet one a crash would keep: not sent.
    attempt.error = "the store failed: the event is not sent";
  } else {
    // The receiver checks this against its own real clock (Standard
    // Webhooks' tolerance): real time even under a test clock.
    const int64_t ts = HostClock::real_now_ms() / 1000;
    net::ClientRequest req;
    req.method = "POST";
    req.url = endpoint->second.url;
    req.headers = {
        {"Content-Type", "application/json"},
        {"webhook-id", event.id},
        {"webhook-timestamp", std::to_string(ts)},
        {"webhook-signature", signature(endpoint->second.secret, event.id, ts, event.payload)}};
    req.body = event.payload;
    auto res = co_await client_->send(std::move(req));
    co_await cancellation_point();  // cut by the shutdown: nothing to record
    attempt.http_status = res.status;
    delivered = res.ok() && res.status >= 200 && res.status < 300;
    if (!res.ok())
      attempt.error = res.error.empty() ? "no answer" : res.error;
    else if (!delivered)
      attempt.error = "HTTP " + std::to_string(res.status);
  }
  const int64_t done = svc_.now();
  attempt.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
  int64_t next = 0;
  if (!delivered && endpoint != endpoints_.end())
    next = next_attempt_at(policy, event.created_at_ms, event.attempts + 1, done, jitter01());
  try {
    svc_.store.outbox->record_attempt(event.id, attempt, delivered, next);
  } catch (const std::exception& e) {
    // The lease runs out and the event is sent again: at-least-once.
    spdlog::error("webhooks: event={} recording the attempt failed: {}", event.id, e.what());
  }
  if (delivered)
    spdlog::debug("webhooks: event={} tenant={} delivered", event.id, event.tenant);
  else if (next == 0)
    spdlog::error("webhooks: event={} tenant={} given up after {} attempts: {}", event.id,
                  event.tenant, event.attempts + 1, attempt.error);
  else
    spdlog::warn("webhooks: event={} tenant={} attempt {} failed ({}); next in {} ms", event.id,
                 event.tenant, event.attempts + 1, attempt.error, next - done);
}

}  // namespace cgw::gw
