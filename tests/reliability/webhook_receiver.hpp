// A platform's webhook endpoint for reliability runs: verifies each
// delivery's Standard Webhooks signature and timestamp, records the
// statuses seen per activation, and can refuse a share of deliveries
// (HTTP 500) so the gateway has to retry them.
#pragma once

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace cgw::reliability {

class WebhookReceiver {
 public:
  // `refuse_every`: answer 500 to every n-th delivery (0: never).
  WebhookReceiver(std::string secret, int refuse_every);
  ~WebhookReceiver();
  // Listens on an ephemeral 127.0.0.1 port. Empty string or the error.
  std::string start();
  uint16_t port() const;

  std::set<std::string> statuses(const std::string& activation_id);
  int64_t deliveries();
  int64_t bad_signatures();
  int64_t refused();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cgw::reliability
