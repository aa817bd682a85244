// The callback endpoint of cgw-conformance: a cgw::net::HttpServer on
// 127.0.0.1:0 whose URL goes into the plugin's settings as callback_url.
// Each request is routed to Carrier::parse_callback, as the gateway's
// POST /v1/callbacks/{carrier} does, and kept for the callback checks.
#pragma once

#include "carriers/carrier.hpp"

#include <cgw/types.hpp>

#include "cgw/common/http_server.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace cgw::conformance {

struct ReceivedCallback {
  std::string method, target, body;
  net::HeaderList headers;
  gw::ParsedCallback outcome;
  std::vector<CallbackEvent> events;  // when verified and well-formed
  std::string events_problem;         // why `events` is empty although verified
  int answered_status = 0;
};

class CallbackListener {
 public:
  explicit CallbackListener(boost::asio::io_context& ioc);
  std::string listen();  // empty, or what went wrong
  void start();
  std::string base_url() const;
  void drain();
  size_t active_connections() const;

  // Routes requests to `carrier` (nullptr: answer 503).
  void attach(gw::Carrier* carrier);
  // Answer the first delivery of each event with 503 instead of the plugin's
  // acknowledgement, so the carrier delivers it again (callback.duplicate).
  void withhold_first_ack(bool on);
  std::vector<ReceivedCallback> received() const;

 private:
  boost::asio::awaitable<net::Response> handle(net::Request& req, const net::Peer& peer);

  std::unique_ptr<net::HttpServer> server_;
  mutable std::mutex mu_;
  gw::Carrier* carrier_ = nullptr;
  bool withhold_ = false;
  std::set<std::string> withheld_;  // event ids answered 503 once
  std::vector<ReceivedCallback> received_;
};

}  // namespace cgw::conformance
