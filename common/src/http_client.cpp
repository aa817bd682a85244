#include "cgw/common/http_client.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <sys/socket.h>

#include <cerrno>
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

// One pooled connection: plain TCP or TLS over TCP, on its own strand.
// Beast runs a stream's timeout handler on the stream's executor; on a
// plain io_context executor with several I/O threads it closed the socket
// on one thread while the coroutine that owned the stream read from it or
// destroyed it on another (a data race ThreadSanitizer reported). So the
// stream's executor is this strand, every operation on the stream runs in
// a coroutine spawned on it (connect, exchange), and the connection is
// destroyed or pooled there too: timer, I/O completions and destruction
// never overlap.
struct Connection {
  explicit Connection(asio::strand<asio::any_io_executor> s) : strand(std::move(s)) {}
  asio::strand<asio::any_io_executor> strand;
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
      if (Clock::now() - c->idle_since < options.max_idle && still_open(*c)) return c;
    }
    return nullptr;
  }

  // An idle connection has nothing to read: the previous reply was read
  // whole. End-of-stream or an error means the peer closed it (a carrier
  // restart, an idle timeout on its side), and stray bytes (a TLS
  // close_notify, a late reply) make it unusable too. Finding this before
  // writing keeps the request from going into a dead socket, where it could
  // only be reported as "may have been sent". A non-blocking peek consumes
  // nothing and does not wait.
  static bool still_open(Connection& c) {
    char byte;
    const auto n = ::recv(c.lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  void give_back(const std::string& key, std::unique_ptr<Connection> c) {
    c->idle_since = Clock::now();
    std::lock_guard lock(mu);
    auto& list = idle[key];
    if (list.size() < options.max_idle_per_origin) list.push_back(std::move(c));
  }

  // A new connection, made on its own strand (see Connection).
  asio::awaitable<std::unique_ptr<Connection>> connect(const Origin& o, std::string& err) {
    auto strand = asio::make_strand(executor);
    co_return co_await asio::co_spawn(strand, connect_on(strand, o, err), asio::use_awaitable);
  }

  asio::awaitable<std::unique_ptr<Connection>> connect_on(
      asio::strand<asio::any_io_executor> strand, const Origin& o, std::string& err) {
    tcp::resolver resolver(strand);
    auto [rec, results] = co_await resolver.async_resolve(o.host, o.port, kTuple);
    if (rec) {
      err = "resolve " + o.host + ": " + rec.message();
      co_return nullptr;
    }
    auto c = std::make_unique<Connection>(strand);
    if (o.tls) {
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(strand, ssl);
    } else {
      c->tcp = std::make_unique<beast::tcp_stream>(strand);
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

  // How an exchange ended, beyond the response: what the retry rule in
  // send() needs to know.
  struct Exchange {
    ClientResponse response;
    bool wrote_nothing = false;        // the write failed before any byte left
    bool closed_before_reply = false;  // end-of-stream or reset before any reply byte
  };

  // One exchange on `c`, run on its strand: afterwards `c` goes back to
  // the pool (a whole reply that allows keep-alive) or is destroyed, still
  // on the strand.
  asio::awaitable<Exchange> exchange_on(std::unique_ptr<Connection> c, std::string key,
                                        http::request<http::string_body>& req,
                                        std::chrono::milliseconds timeout) {
    // Not a conditional expression around co_await: g++ 12 miscompiles that.
    Exchange x;
    if (c->tls)
      x = co_await exchange(*c->tls, c->lowest(), req, timeout);
    else
      x = co_await exchange(*c->tcp, *c->tcp, req, timeout);
    if (x.response.ok() && x.response.keep_alive) give_back(key, std::move(c));
    co_return x;
  }

  template <class Stream>
  asio::awaitable<Exchange> exchange(Stream& s, beast::tcp_stream& low,
                                     http::request<http::string_body>& req,
                                     std::chrono::milliseconds timeout) {
    Exchange x;
    ClientResponse& out = x.response;
    low.expires_after(timeout);  // one deadline for the write and the read
    auto [wec, wn] = co_await http::async_write(s, req, kTuple);
    if (wec) {
      out.transport = wec == beast::error::timeout ? CGW_TRANSPORT_TIMEOUT : CGW_TRANSPORT_BROKEN;
      out.error = "write: " + wec.message();
      x.wrote_nothing = wn == 0 && wec != beast::error::timeout;
      x.closed_before_reply = wec != beast::error::timeout;
      co_return x;
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
      // Beast says end_of_stream only when the stream ended before any
      // byte of a message; a reset counts when nothing was received either.
      const bool nothing_read = !parser.got_some() && buffer.size() == 0;
      x.closed_before_reply =
          nothing_read &&
          (rec == http::error::end_of_stream || rec == asio::error::eof ||
           rec == asio::error::connection_reset || rec == asio::ssl::error::stream_truncated);
      co_return x;
    }
    auto res = parser.release();
    out.transport = CGW_TRANSPORT_OK;
    out.status = static_cast<int>(res.result_int());
    // HTTP/1.1 without "Connection: close", or HTTP/1.0 with keep-alive.
    out.keep_alive = res.keep_alive();
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    co_return x;
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

  // The peer may close a pooled connection just as a request goes out on
  // it (its idle timeout, a restart); still_open() cannot see that race.
  // Like Go's net/http Transport, a request that failed on a reused
  // connection before any byte of the reply is sent once more on a fresh
  // connection if it is replayable; else it is NOT_SENT only when no byte
  // was written, and BROKEN (may have reached the peer) otherwise.
  const bool replayable = request.replayable || request.method == "GET" || request.method == "HEAD";
  bool fresh_only = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn = fresh_only ? nullptr : impl->take_idle(origin.key());
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
    const int replays = attempt;
    // On the connection's strand, which also pools or destroys it (see
    // Connection).
    auto strand = conn->strand;
    Impl::Exchange x = co_await asio::co_spawn(
        strand, impl->exchange_on(std::move(conn), origin.key(), req, timeout),
        asio::use_awaitable);
    out = std::move(x.response);
    out.replays = replays;
    if (out.ok()) co_return out;
    if (x.wrote_nothing) {
      // Nothing left: any request may go again, as Go's transport does for
      // a "nothing written" error on a reused connection.
      out.transport = CGW_TRANSPORT_NOT_SENT;
      if (!reused) break;
    } else if (!(reused && x.closed_before_reply && replayable)) {
      break;
    }
    spdlog::debug(
        "http client: {} {} failed on a reused connection before any reply byte ({}); "
        "sending it again on a fresh one",
        request.method, origin.key(), out.error);
    fresh_only = true;
  }
  co_return out;
}

}  // namespace cgw::net
