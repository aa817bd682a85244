#include "cgw/common/http_server.hpp"

#include "cgw/common/crypto.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <tuple>
#include <type_traits>

namespace cgw::net {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string error_body(std::string_view code, std::string_view message) {
  boost::json::object err{{"code", code}, {"message", message}, {"retryable", false}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

// An answer of the HTTP layer itself (before any handler): the documented
// error body, the request id, and the connection closed after it.
Response refusal(http::status status, std::string_view code, std::string_view message,
                 const std::string& request_id) {
  Request dummy;
  dummy.version(11);
  Response res = make_response(dummy, status, error_body(code, message));
  res.set("X-Request-Id", request_id);
  return res;
}
}  // namespace

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      return false;
  return true;
}

// A counter through a bijective mix, from a random start: unique within the
// process. Ids are not secrets, so no CSPRNG call per request.
std::string new_request_id() {
  static const uint64_t kStart = [] {
    uint64_t v = 0;
    const auto r = crypto::random_bytes(sizeof v);
    std::memcpy(&v, r.data(), sizeof v);
    return v;
  }();
  static std::atomic<uint64_t> counter{0};
  uint64_t x = kStart + counter.fetch_add(1, std::memory_order_relaxed);
  x ^= x >> 30;  // splitmix64's finalizer
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, x >>= 4) id[static_cast<size_t>(i)] = kHex[x & 15];
  return id;
}

std::string request_id_of(const Request& req) {
  if (req.count("X-Request-Id") == 1)
    if (auto rid = req["X-Request-Id"]; valid_request_id(rid)) return std::string(rid);
  return new_request_id();
}

std::string framing_problem(const Request& req) {
  // Transfer-Encoding first: it decides where this request ends.
  if (const auto te = req.count(http::field::transfer_encoding); te > 0) {
    if (req.version() < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    if (te > 1 || !beast::iequals(req[http::field::transfer_encoding], "chunked"))
      return "Transfer-Encoding other than exactly \"chunked\" is not supported";
    if (req.count(http::field::content_length) > 0)
      return "Transfer-Encoding and Content-Length together";
  }
  for (auto name : kSingleFields)
    if (req.count(name) > 1) return std::string(name) + " appears more than once";
  const auto hosts = req.count(http::field::host);
  if (hosts == 0 && req.version() >= 11) return "an HTTP/1.1 request needs a Host header";
  if (const auto host = req[http::field::host]; !host.empty()) {
    auto authority = boost::urls::parse_authority(host);
    if (!authority || authority->has_userinfo()) return "Host is not host[:port]";
  }
  return {};
}

Response make_response(const Request& req, http::status status, std::string body,
                       std::string_view content_type) {
  Response res{status, req.version()};
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::shared_ptr<asio::ssl::context> make_server_tls(const ServerTls& f, std::string& error) {
  namespace ssl = asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!f.cert_pem.empty())
    ctx->use_certificate_chain(asio::buffer(f.cert_pem), ec);
  else
    ctx->use_certificate_chain_file(f.cert_file, ec);
  if (ec) return error = "tls certificate " + f.cert_file + ": " + ec.message(), nullptr;
  if (!f.key_pem.empty())
    ctx->use_private_key(asio::buffer(f.key_pem), ssl::context::pem, ec);
  else
    ctx->use_private_key_file(f.key_file, ssl::context::pem, ec);
  if (ec) return error = "tls key " + f.key_file + ": " + ec.message(), nullptr;
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    return error = "tls key " + f.key_file + " does not match the certificate", nullptr;
  if (!f.client_ca_file.empty()) {
    if (ctx->load_verify_file(f.client_ca_file, ec); ec)
      return error = "tls client_ca_file " + f.client_ca_file + ": " + ec.message(), nullptr;
    ctx->set_verify_mode(ssl::verify_peer |
                         (f.require_client_cert ? ssl::verify_fail_if_no_peer_cert : 0));
  } else if (f.require_client_cert) {
    return error = "tls require_client_cert needs client_ca_file", nullptr;
  }
  return ctx;
}

// A connection: plain, or TLS over the same TCP stream.
struct HttpServer::Session {
  Session(tcp::socket s, asio::ssl::context* tls_ctx) {
    if (tls_ctx)
      tls.emplace(std::move(s), *tls_ctx);
    else
      plain.emplace(std::move(s));
  }
  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  bool busy = false;  // touched only on the session's strand
};

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, Handler handler)
    // The acceptor lives on a strand: drain() and the accept loop never touch
    // it from two threads at once.
    : ioc_(ioc),
      options_(std::move(options)),
      handler_(std::move(handler)),
      acceptor_(asio::make_strand(ioc)) {}

HttpServer::~HttpServer() = default;

std::string HttpServer::listen() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(options_.address, ec);
  if (ec) return "invalid listen address '" + options_.address + "'";
  tcp::endpoint ep{addr, options_.port};
  if (acceptor_.open(ep.protocol(), ec); ec) return "open: " + ec.message();
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return "reuse_address: " + ec.message();
  if (acceptor_.bind(ep, ec); ec)
    return "bind " + options_.address + ":" + std::to_string(options_.port) + ": " + ec.message();
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec)
    return "listen: " + ec.message();
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void HttpServer::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](std::exception_ptr e) {
    if (e) spdlog::error("accept loop ended by an exception");
  });
}

void HttpServer::drain() {
  draining_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  std::lock_guard lock(sessions_mu_);
  for (auto& [raw, weak] : sessions_) {
    // Runs on the session's strand: an idle connection (waiting for the next
    // request) is cancelled; a busy one closes after its response. The
    // shared_ptr keeps a session that ends meanwhile alive for the check.
    if (auto s = weak.lock())
      asio::post(s->lowest().get_executor(), [s] {
        if (!s->busy) s->lowest().cancel();
      });
  }
}

asio::awaitable<void> HttpServer::accept_loop() {
  while (!draining_) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || draining_) break;
      spdlog::warn("accept failed: {}", ec.message());  // e.g. EMFILE: keep serving
      continue;
    }
    // Responses go out whole (one write each): no reason to let Nagle hold
    // back the last segment of one.
    boost::system::error_code nec;
    socket.set_option(tcp::no_delay(true), nec);
    auto session = std::make_shared<Session>(std::move(socket), options_.tls.get());
    {
      std::lock_guard lock(sessions_mu_);
      sessions_.emplace(session.get(), session);
    }
    ++active_;
    auto exec = session->lowest().get_executor();
    asio::co_spawn(exec, run_session(session), [this, session](std::exception_ptr e) {
      if (e) spdlog::error("connection ended by an exception");
      std::lock_guard lock(sessions_mu_);
      sessions_.erase(session.get());
      --active_;
    });
  }
}

asio::awaitable<void> HttpServer::run_session(std::shared_ptr<Session> session) {
  auto& lowest = session->lowest();
  Peer peer;
  {
    boost::system::error_code ec;
    auto ep = lowest.socket().remote_endpoint(ec);
    if (!ec) peer.address = ep.address().to_string();
  }
  if (!session->tls) {
    co_await serve(*session, *session->plain, peer);
    boost::system::error_code ec;
    lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest.close();
    co_return;
  }
  auto& tls = *session->tls;
  peer.tls = true;
  lowest.expires_after(options_.read_timeout);  // the handshake is part of the first read
  auto [hec] = co_await tls.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (hec) {
    spdlog::info("TLS handshake with {} refused: {}", peer.address, hec.message());
    lowest.close();
    co_return;
  }
  if (X509* cert = SSL_get1_peer_certificate(tls.native_handle())) {
    char subject[512];
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
    peer.client_subject = subject;
    X509_free(cert);
  }
  co_await serve(*session, tls, peer);
  lowest.expires_after(std::chrono::seconds(2));
  co_await tls.async_shutdown(kTuple);
  lowest.close();
}

namespace {

using Parser = http::request_parser<http::string_body>;

// Feeds the parser what the buffer holds, then reads (under `deadline`)
// only if more is needed: a request usually arrives whole in one read.
// `header_only`: stop once the header is parsed, so that its framing is
// checked before any body byte is read.
template <class Stream>
asio::awaitable<boost::system::error_code> read_request_part(
    Stream& stream, beast::flat_buffer& buffer, Parser& parser, bool header_only,
    std::chrono::steady_clock::time_point deadline) {
  parser.eager(!header_only);
  auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  boost::system::error_code ec;
  while (buffer.size() > 0 && !done()) {
    const size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec || used == 0) break;
  }
  if (ec == http::error::need_more) ec = {};
  if (!ec && !done()) {
    beast::get_lowest_layer(stream).expires_at(deadline);
    if (header_only)
      std::tie(ec, std::ignore) = co_await http::async_read_header(stream, buffer, parser, kTuple);
    else
      std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, kTuple);
  }
  co_return ec;
}

// The client went away or stalled: nobody to answer.
bool client_gone(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset;
}

// The answer to a request that cannot be served: too large, or malformed
// (`problem` from framing_problem, else the parser's error).
Response refusal_for(const boost::system::error_code& ec, std::string problem, const Parser& parser,
                     const Peer& peer) {
  // The fields parsed so far (all of them for a 413 from Content-Length,
  // which Beast reports before it calls the header done): a valid client
  // id is kept even on a refusal.
  const std::string request_id = request_id_of(parser.get());
  Response res;
  if (ec == http::error::header_limit) {
    res = refusal(http::status::request_header_fields_too_large, "HEADERS_TOO_LARGE",
                  "request headers exceed the limit", request_id);
  } else if (ec == http::error::body_limit) {
    res = refusal(http::status::payload_too_large, "BODY_TOO_LARGE",
                  "request body exceeds the limit", request_id);
  } else {
    if (problem.empty()) problem = "malformed HTTP request: " + ec.message();
    res = refusal(http::status::bad_request, "BAD_REQUEST", problem, request_id);
  }
  spdlog::info("http: refused a request from {}: {} ({}) request_id={}", peer.address,
               res.result_int(), problem.empty() ? ec.message() : problem, request_id);
  return res;
}

// A refused request may have unread bytes behind it. Closing with unread
// data sends a reset, which can destroy the answer in the client's receive
// buffer: stop sending, then read and discard for a bounded time and amount
// before closing (RFC 9112 9.6).
template <class Stream>
asio::awaitable<void> discard_unread(Stream& stream) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 4096> discard;
    for (size_t total = 0; total < 1024 * 1024;) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(discard), kTuple);
      if (rec) break;
      total += n;
    }
  }
}

}  // namespace

// The handler's answer, or nullopt when it aborted the connection (no
// reply at all). An exception is a 500, never a dropped connection.
asio::awaitable<std::optional<Response>> HttpServer::answer(Request& req, const Peer& peer) {
  try {
    co_return co_await handler_(req, peer);
  } catch (const AbortConnection&) {
    co_return std::nullopt;
  } catch (const std::exception& e) {
    spdlog::error("handler failed on {} {}: {}", std::string(req.method_string()),
                  std::string(req.target()), e.what());
    co_return make_response(req, http::status::internal_server_error,
                            error_body("INTERNAL", "internal error"));
  }
}

// Connection, Server and Content-Length; a HEAD answer is the head of the
// GET answer: its Content-Length, no body.
void HttpServer::finish(Response& res, bool close_after, bool head) const {
  res.keep_alive(!close_after);
  res.set(http::field::server, options_.server_name);
  res.prepare_payload();
  if (head) {
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
}

// The first read of a request: most requests of the API fit whole.
constexpr size_t kIdleReadBytes = 512;

template <class Stream>
asio::awaitable<void> HttpServer::serve(Session& session, Stream& stream, const Peer& peer) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  while (!draining_) {
    // Wait for the first bytes of the next request under the idle timeout,
    // then give the whole request the (shorter) read timeout.
    if (buffer.size() == 0) {
      // An idle connection holds only a small buffer: the last request's
      // (grown to its size) is given back first. 10,000 idle keep-alive
      // connections hold 5 MB of buffers instead of 40 MB or more; a
      // longer request is read on by the parser, which grows it again.
      buffer.shrink_to_fit();
      lowest.expires_after(options_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kIdleReadBytes), kTuple);
      if (ec) break;  // closed, idle timeout or drained
      buffer.commit(n);
    }
    session.busy = true;
    const auto deadline = std::chrono::steady_clock::now() + options_.read_timeout;
    Parser parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    auto rec = co_await read_request_part(stream, buffer, parser, true, deadline);
    std::string problem;
    if (!rec) problem = framing_problem(parser.get());
    if (!rec && problem.empty())
      rec = co_await read_request_part(stream, buffer, parser, false, deadline);
    const bool refused = rec || !problem.empty();
    if (refused && client_gone(rec)) break;
    Response res;
    bool close_after = true, head = false;
    if (refused) {
      res = refusal_for(rec, problem, parser, peer);
    } else {
      Request req = parser.release();
      head = req.method() == http::verb::head;
      close_after = !req.keep_alive();
      auto answered = co_await answer(req, peer);
      if (!answered) {  // no reply: linger 0 makes close() send a reset
        boost::system::error_code ec;
        lowest.socket().set_option(tcp::socket::linger(true, 0), ec);
        lowest.close();
        co_return;
      }
      res = std::move(*answered);
      if (res.find("X-Request-Id") == res.end()) res.set("X-Request-Id", request_id_of(req));
    }
    finish(res, close_after || draining_, head);
    lowest.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    (void)wn;
    session.busy = false;
    if (!wec && refused) co_await discard_unread(stream);
    if (wec || close_after || draining_) break;
  }
}

}  // namespace cgw::net
