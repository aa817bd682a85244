#include "cgw/common/http_client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <map>
#include <mutex>

namespace cgw::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Origin {
  bool tls = false;
  std::string host, port, target;
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

bool parse_origin(const std::string& url, Origin& o, std::string& err) {
  auto r = boost::urls::parse_absolute_uri(url);
  if (!r) return err = "invalid URL", false;
  auto scheme = r->scheme();
  if (scheme != "http" && scheme != "https") return err = "unsupported URL scheme", false;
  o.tls = scheme == "https";
  o.host = r->host();
  if (o.host.empty()) return err = "URL has no host", false;
  o.port = r->has_port() ? std::string(r->port()) : (o.tls ? "443" : "80");
  o.target = std::string(r->encoded_path());
  if (o.target.empty()) o.target = "/";
  if (r->has_query()) o.target += "?" + std::string(r->encoded_query());
  return true;
}

// One pooled connection: plain TCP or TLS over TCP.
struct Connection {
  std::unique_ptr<beast::tcp_stream> tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  Clock::time_point idle_since;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }
};
}  // namespace

struct HttpClient::Impl {
  asio::any_io_executor executor;
  ClientOptions options;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::unique_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard lock(mu);
    auto& list = idle[key];
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (Clock::now() - c->idle_since < options.max_idle) return c;
    }
    return nullptr;
  }
  void give_back(const std::string& key, std::unique_ptr<Connection> c) {
    c->idle_since = Clock::now();
    std::lock_guard lock(mu);
    auto& list = idle[key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }

  asio::awaitable<std::unique_ptr<Connection>> connect(const Origin& o, std::string& err) {
    tcp::resolver resolver(executor);
    auto [rec, results] = co_await resolver.async_resolve(o.host, o.port, kTuple);
    if (rec) {
      err = "resolve " + o.host + ": " + rec.message();
      co_return nullptr;
    }
    auto c = std::make_unique<Connection>();
    if (o.tls) {
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, ssl);
    } else {
      c->tcp = std::make_unique<beast::tcp_stream>(executor);
    }
    auto& low = c->lowest();
    low.expires_after(options.connect_timeout);
    auto [cec, ep] = co_await low.async_connect(results, kTuple);
    (void)ep;
    if (cec) {
      err = "connect " + o.key() + ": " + cec.message();
      co_return nullptr;
    }
    low.socket().set_option(tcp::no_delay(true));
    if (o.tls) {
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), o.host.c_str())) {
        err = "TLS: cannot set SNI";
        co_return nullptr;
      }
      if (options.verify_tls)
        c->tls->set_verify_callback(asio::ssl::host_name_verification(o.host));
      auto [hec] = co_await c->tls->async_handshake(asio::ssl::stream_base::client, kTuple);
      if (hec) {
        err = "TLS handshake with " + o.key() + ": " + hec.message();
        co_return nullptr;
      }
    }
    co_return c;
  }

  template <class Stream>
  asio::awaitable<ClientResponse> exchange(Stream& s, beast::tcp_stream& low,
                                           http::request<http::string_body>& req,
                                           std::chrono::milliseconds timeout) {
    ClientResponse out;
    low.expires_after(timeout);  // one deadline for the write and the read
    auto [wec, wn] = co_await http::async_write(s, req, kTuple);
    (void)wn;
    if (wec) {
      out.transport = wec == beast::error::timeout ? CGW_TRANSPORT_TIMEOUT : CGW_TRANSPORT_BROKEN;
      out.error = "write: " + wec.message();
      co_return out;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(options.max_response_bytes);
    auto [rec, rn] = co_await http::async_read(s, buffer, parser, kTuple);
    (void)rn;
    if (rec) {
      out.transport = rec == beast::error::timeout       ? CGW_TRANSPORT_TIMEOUT
                      : rec == http::error::body_limit   ? CGW_TRANSPORT_RESPONSE_TOO_BIG
                      : rec == http::error::header_limit ? CGW_TRANSPORT_RESPONSE_TOO_BIG
                                                         : CGW_TRANSPORT_BROKEN;
      out.error = "read: " + rec.message();
      co_return out;
    }
    auto res = parser.release();
    out.transport = CGW_TRANSPORT_OK;
    out.status = static_cast<int>(res.result_int());
    // HTTP/1.1 without "Connection: close", or HTTP/1.0 with keep-alive.
    out.keep_alive = res.keep_alive();
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    co_return out;
  }
};

HttpClient::HttpClient(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>()) {
  impl_->executor = std::move(executor);
  impl_->options = std::move(options);
  auto& ssl = impl_->ssl;
  ssl.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  if (impl_->options.verify_tls) {
    ssl.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code ec;
    if (!impl_->options.ca_file.empty())
      ssl.load_verify_file(impl_->options.ca_file, ec);
    else
      ssl.set_default_verify_paths(ec);
    if (ec) spdlog::error("TLS trust store could not be loaded: {}", ec.message());
  } else {
    ssl.set_verify_mode(asio::ssl::verify_none);
  }
}

HttpClient::~HttpClient() = default;

asio::awaitable<ClientResponse> HttpClient::send(ClientRequest request) {
  auto impl = impl_;  // keeps the pool alive for the whole exchange
  ClientResponse out;
  Origin origin;
  if (!parse_origin(request.url, origin, out.error)) co_return out;

  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(origin.target);
  req.version(11);
  req.set(http::field::host, origin.host + ":" + origin.port);
  req.set(http::field::user_agent, "cgw");
  for (auto& [k, v] : request.headers) req.set(k, v);
  req.body() = std::move(request.body);
  req.keep_alive(true);
  req.prepare_payload();
  auto timeout = request.timeout.count() > 0 ? request.timeout : impl->options.request_timeout;

  // A pooled connection may have been closed by the peer while idle. For a
  // read (GET) a failure on a reused connection is retried once on a fresh
  // one; a write is never resent here (the plugin decides, with
  // outcome_unknown).
  const bool idempotent = request.method == "GET" || request.method == "HEAD";
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = impl->take_idle(origin.key());
    const bool reused = conn != nullptr;
    if (!conn) {
      std::string err;
      conn = co_await impl->connect(origin, err);
      if (!conn) {
        out.transport = CGW_TRANSPORT_NOT_SENT;
        out.error = err;
        co_return out;
      }
    }
    if (conn->tls)
      out = co_await impl->exchange(*conn->tls, conn->lowest(), req, timeout);
    else
      out = co_await impl->exchange(*conn->tcp, *conn->tcp, req, timeout);
    if (out.ok()) {
      if (out.keep_alive) impl->give_back(origin.key(), std::move(conn));
      co_return out;
    }
    if (!(reused && idempotent && out.transport == CGW_TRANSPORT_BROKEN)) break;
  }
  co_return out;
}

}  // namespace cgw::net
