#include "cgw/common/http_server.hpp"

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

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <optional>

namespace cgw::net {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string error_body(std::string_view code, std::string_view message) {
  boost::json::object err{{"code", code}, {"message", message}, {"retryable", false}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}
}  // namespace

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

template <class Stream>
asio::awaitable<void> HttpServer::serve(Session& session, Stream& stream, const Peer& peer) {
  auto& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  for (;;) {
    if (draining_) break;
    // Wait for the first bytes of the next request under the idle timeout,
    // then give the whole request the (shorter) read timeout.
    if (buffer.size() == 0) {
      lowest.expires_after(options_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) break;  // closed, idle timeout or drained
      buffer.commit(n);
    }
    session.busy = true;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(options_.max_body_bytes);
    // A request usually arrives whole in one read: parse what the buffer
    // holds first, and read (under the read timeout) only if more is needed.
    parser.eager(true);
    boost::system::error_code rec;
    while (buffer.size() > 0 && !parser.is_done()) {
      const size_t used = parser.put(buffer.data(), rec);
      buffer.consume(used);
      if (rec || used == 0) break;
    }
    if (rec == http::error::need_more) rec = {};
    if (!rec && !parser.is_done()) {
      lowest.expires_after(options_.read_timeout);
      auto [ec, rn] = co_await http::async_read(stream, buffer, parser, kTuple);
      (void)rn;
      rec = ec;
    }
    Response res;
    bool close_after = false;
    if (rec) {
      if (rec == http::error::end_of_stream || rec == beast::error::timeout ||
          rec == asio::error::operation_aborted || rec == asio::error::connection_reset)
        break;
      Request dummy;
      dummy.version(11);
      if (rec == http::error::header_limit) {
        res = make_response(dummy, http::status::request_header_fields_too_large,
                            error_body("HEADERS_TOO_LARGE", "request headers exceed the limit"));
      } else if (rec == http::error::body_limit) {
        res = make_response(dummy, http::status::payload_too_large,
                            error_body("BODY_TOO_LARGE", "request body exceeds the limit"));
      } else {
        res = make_response(dummy, http::status::bad_request,
                            error_body("BAD_REQUEST", "malformed HTTP request"));
      }
      close_after = true;
    } else {
      Request req = parser.release();
      bool aborted = false;
      try {
        res = co_await handler_(req, peer);
      } catch (const AbortConnection&) {
        aborted = true;
      } catch (const std::exception& e) {
        spdlog::error("handler failed on {} {}: {}", std::string(req.method_string()),
                      std::string(req.target()), e.what());
        res = make_response(req, http::status::internal_server_error,
                            error_body("INTERNAL", "internal error"));
      }
      close_after = !req.keep_alive();
      if (aborted) {  // no reply: linger 0 makes close() send a reset
        boost::system::error_code ec;
        lowest.socket().set_option(tcp::socket::linger(true, 0), ec);
        lowest.close();
        co_return;
      }
    }
    if (draining_) close_after = true;
    res.keep_alive(!close_after);
    res.set(http::field::server, options_.server_name);
    res.prepare_payload();
    lowest.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    (void)wn;
    session.busy = false;
    if (wec || close_after) break;
  }
}

}  // namespace cgw::net
