#include "webhook_receiver.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/http_server.hpp"

#include <boost/json.hpp>

#include <chrono>

namespace cgw::reliability {

namespace json = boost::json;

struct WebhookReceiver::Impl {
  std::string secret;
  int refuse_every = 0;
  boost::asio::io_context ioc;
  std::unique_ptr<net::HttpServer> server;
  std::thread thread;
  std::mutex mu;
  std::map<std::string, std::set<std::string>> statuses;
  int64_t deliveries = 0, bad_signatures = 0, refused = 0;

  net::Response answer(const net::Request& req, int status) {
    net::Response res{static_cast<net::http::status>(status), req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  boost::asio::awaitable<net::Response> handle(net::Request& req) {
    const std::string id(req["webhook-id"]), ts(req["webhook-timestamp"]),
        sig(req["webhook-signature"]);
    const std::string expected = "v1," + crypto::base64_encode(crypto::hmac_sha256(
                                             secret, id + "." + ts + "." + req.body()));
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    int64_t ts_s = 0;
    try {
      ts_s = std::stoll(ts);
    } catch (...) {
    }
    std::lock_guard lock(mu);
    ++deliveries;
    // Standard Webhooks: a 5-minute tolerance on the timestamp.
    if (!crypto::equal_ct(sig, expected) || std::abs(now_s - ts_s) > 300) {
      ++bad_signatures;
      co_return answer(req, 401);
    }
    if (refuse_every > 0 && deliveries % refuse_every == 0) {
      ++refused;
      co_return answer(req, 500);
    }
    boost::system::error_code ec;
    auto body = json::parse(req.body(), ec);
    if (ec || !body.is_object()) co_return answer(req, 400);
    const auto& data = body.at("data").as_object();
    statuses[std::string(data.at("activation_id").as_string())].insert(
        std::string(data.at("status").as_string()));
    co_return answer(req, 204);
  }
};

WebhookReceiver::WebhookReceiver(std::string secret, int refuse_every)
    : impl_(std::make_unique<Impl>()) {
  impl_->secret = std::move(secret);
  impl_->refuse_every = refuse_every;
}

WebhookReceiver::~WebhookReceiver() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string WebhookReceiver::start() {
  net::ServerOptions o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.server_name = "webhook-receiver";
  impl_->server = std::make_unique<net::HttpServer>(
      impl_->ioc, o, [this](net::Request& req, const net::Peer&) { return impl_->handle(req); });
  if (auto err = impl_->server->listen(); !err.empty()) return err;
  impl_->server->start();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
  return {};
}

uint16_t WebhookReceiver::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

std::set<std::string> WebhookReceiver::statuses(const std::string& activation_id) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->statuses.find(activation_id);
  return it == impl_->statuses.end() ? std::set<std::string>{} : it->second;
}

int64_t WebhookReceiver::deliveries() {
  std::lock_guard lock(impl_->mu);
  return impl_->deliveries;
}
int64_t WebhookReceiver::bad_signatures() {
  std::lock_guard lock(impl_->mu);
  return impl_->bad_signatures;
}
int64_t WebhookReceiver::refused() {
  std::lock_guard lock(impl_->mu);
  return impl_->refused;
}

}  // namespace cgw::reliability
