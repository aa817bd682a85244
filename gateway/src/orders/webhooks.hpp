// Delivers the webhook outbox to tenants' endpoints, Standard Webhooks
// style: headers webhook-id, webhook-timestamp (Unix seconds) and
// webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>").
//
// At-least-once: an event leaves the outbox only after a 2xx answer; a
// crash mid-delivery lets its lease run out and it is sent again. Failed
// attempts back off exponentially with jitter for at least
// `give_up_after` (24 h or more), then the event is marked failed. Every
// attempt is stored and shown by GET /v1/activations/{id}/webhooks.
#pragma once

#include "carriers/services.hpp"
#include "core/background_tasks.hpp"

#include "cgw/common/http_client.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace cgw::gw {

class WebhookDispatcher {
 public:
  // The delivery loop and each delivery are tasks of `tasks`: a delivery
  // cut by the shutdown records nothing, and its lease runs out so that the
  // event is sent again (at-least-once).
  WebhookDispatcher(Services& svc, BackgroundTasks& tasks);
  ~WebhookDispatcher();
  // Starts the delivery loop.
  void start();
  void stop() { stopping_ = true; }

  // When the next attempt is due after `attempts` failures (at `now_ms`),
  // or 0 when the event is past `give_up_after` and is given up.
  // `jitter01` in [0, 1) spreads retries of many events apart.
  static int64_t next_attempt_at(const WebhookPolicy& policy, int64_t created_at_ms,
                                 int64_t attempts, int64_t now_ms, double jitter01);
  // The Standard Webhooks signature header value for one delivery.
  static std::string signature(const std::string& secret, const std::string& event_id,
                               int64_t timestamp_s, const std::string& body);

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> deliver(OutboxEvent event);

  Services& svc_;
  BackgroundTasks& tasks_;
  std::map<std::string, WebhookEndpoint> endpoints_;  // by tenant
  std::unique_ptr<net::HttpClient> client_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace cgw::gw
