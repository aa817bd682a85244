#include "callback_listener.hpp"

#include <boost/json.hpp>

namespace cgw::conformance {

namespace json = boost::json;
namespace http = net::http;

CallbackListener::CallbackListener(boost::asio::io_context& ioc) {
  net::ServerOptions opts;
  opts.address = "127.0.0.1";
  opts.port = 0;
  opts.server_name = "cgw-conformance";
  server_ = std::make_unique<net::HttpServer>(
      ioc, opts, [this](net::Request& req, const net::Peer& peer) { return handle(req, peer); });
}

std::string CallbackListener::listen() {
  return server_->listen();
}
void CallbackListener::start() {
  server_->start();
}
std::string CallbackListener::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}
void CallbackListener::drain() {
  server_->drain();
}
size_t CallbackListener::active_connections() const {
  return server_->active_connections();
}

void CallbackListener::attach(gw::Carrier* carrier) {
  std::lock_guard lock(mu_);
  carrier_ = carrier;
}

void CallbackListener::withhold_first_ack(bool on) {
  std::lock_guard lock(mu_);
  withhold_ = on;
}

std::vector<ReceivedCallback> CallbackListener::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

boost::asio::awaitable<net::Response> CallbackListener::handle(net::Request& req,
                                                               const net::Peer&) {
  ReceivedCallback rc;
  rc.method = std::string(req.method_string());
  rc.target = std::string(req.target());
  rc.body = req.body();
  for (const auto& f : req) rc.headers.emplace_back(std::string(f.name_string()), f.value());

  std::lock_guard lock(mu_);
  if (!carrier_) {
    rc.answered_status = 503;
    received_.push_back(std::move(rc));
    co_return net::make_response(req, http::status::service_unavailable, "no carrier attached",
                                 "text/plain");
  }
  // Exactly what the gateway hands the plugin: method, target, headers, body.
  rc.outcome = carrier_->parse_callback(rc.method, rc.target, rc.headers, rc.body);
  if (rc.outcome.verified) {
    try {
      rc.events = json::value_to<std::vector<CallbackEvent>>(json::parse(rc.outcome.events_json));
    } catch (const std::exception& e) {
      rc.events_problem = std::string("events_json is not an array of events: ") + e.what();
    }
  }
  bool withhold = false;
  if (withhold_ && rc.outcome.verified)
    for (const auto& ev : rc.events)
      if (withheld_.insert(ev.event_id).second) withhold = true;

  net::Response res;
  if (withhold) {
    res = net::make_response(req, http::status::service_unavailable,
                             "withheld by cgw-conformance to provoke a redelivery", "text/plain");
  } else {
    // The plugin's acknowledgement (or refusal) in the carrier's format.
    const int status = rc.outcome.ack_status >= 100 && rc.outcome.ack_status <= 599
                           ? rc.outcome.ack_status
                           : (rc.outcome.verified ? 200 : 401);
    const std::string type =
        rc.outcome.ack_content_type.empty() ? "text/plain" : rc.outcome.ack_content_type;
    res = net::make_response(req, static_cast<http::status>(status), rc.outcome.ack_body, type);
  }
  rc.answered_status = static_cast<int>(res.result_int());
  received_.push_back(std::move(rc));
  co_return res;
}

}  // namespace cgw::conformance
