#include "fault_proxy.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>

namespace cgw::conformance {

namespace asio = boost::asio;
namespace http = net::http;

namespace {
// Longer than any client timeout the checks use, short enough not to hold
// up the end of the run.
constexpr std::chrono::milliseconds kSilence{3'000};

// Hop-by-hop and framing headers are the proxy's own business.
bool hop_by_hop(std::string_view name) {
  for (std::string_view h : {"host", "connection", "content-length", "transfer-encoding",
                             "keep-alive", "proxy-connection", "upgrade", "te", "trailer"})
    if (boost::beast::iequals(name, h)) return true;
  return false;
}
}  // namespace

FaultProxy::FaultProxy(asio::io_context& ioc, std::string upstream_base_url)
    : upstream_(std::move(upstream_base_url)) {
  net::ClientOptions copts;
  copts.request_timeout = std::chrono::milliseconds(10'000);
  copts.max_response_bytes = 16 * 1024 * 1024;
  client_ = std::make_unique<net::HttpClient>(ioc.get_executor(), copts);
  net::ServerOptions opts;
  opts.address = "127.0.0.1";
  opts.port = 0;
  opts.server_name = "cgw-conformance-proxy";
  opts.max_body_bytes = 8 * 1024 * 1024;
  server_ = std::make_unique<net::HttpServer>(
      ioc, opts, [this](net::Request& req, const net::Peer&) { return handle(req); });
}

std::string FaultProxy::listen() {
  return server_->listen();
}
void FaultProxy::start() {
  server_->start();
}
std::string FaultProxy::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}
void FaultProxy::drain() {
  server_->drain();
}
size_t FaultProxy::active_connections() const {
  return server_->active_connections();
}

asio::awaitable<net::Response> FaultProxy::forward(const net::Request& req) {
  net::ClientRequest out;
  out.method = std::string(req.method_string());
  out.url = upstream_ + std::string(req.target());
  for (const auto& f : req)
    if (!hop_by_hop(f.name_string())) out.headers.emplace_back(f.name_string(), f.value());
  out.body = req.body();
  net::ClientResponse in = co_await client_->send(std::move(out));
  if (!in.ok())
    co_return net::make_response(req, http::status::bad_gateway, "upstream: " + in.error,
                                 "text/plain");
  net::Response res{static_cast<http::status>(in.status), req.version()};
  for (const auto& [name, value] : in.headers)
    if (!hop_by_hop(name)) res.insert(name, value);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(in.body);
  res.prepare_payload();
  co_return res;
}

asio::awaitable<net::Response> FaultProxy::handle(net::Request& req) {
  switch (mode_.load()) {
    case Mode::kPass:
      co_return co_await forward(req);
    case Mode::kSilent: {
      asio::steady_timer t(co_await asio::this_coro::executor, kSilence);
      co_await t.async_wait(asio::use_awaitable);
      throw net::AbortConnection();
    }
    case Mode::kHangUp:
      throw net::AbortConnection();
    case Mode::kHttp503:
      co_return net::make_response(req, http::status::service_unavailable,
                                   "<html><body>503 Service Unavailable</body></html>",
                                   "text/html");
    case Mode::kGarbage:
      co_return net::make_response(req, http::status::ok,
                                   "\x01 this is not the carrier's reply {[<", "application/json");
    case Mode::kTooBig:
      break;
  }
  // Over the host's 8 MiB response limit: CGW_TRANSPORT_RESPONSE_TOO_BIG.
  co_return net::make_response(req, http::status::ok, std::string(9 << 20, ' '),
                               "application/json");
}

}  // namespace cgw::conformance
