// An asynchronous HTTP/1.1 server on Boost.Beast, shared by the gateway and
// the simulators. One shape of session, after Beast's advanced_server: each
// connection runs as a coroutine on its own strand, and a timeout is armed
// before every read and write, so a slow or silent client cannot hold a
// connection (slowloris). Handler errors never escape: a handler exception
// becomes a 500 and a log line.
//
// Message framing is strict (RFC 9112), so that no front end that parses a
// request differently can smuggle a second request past it. Before a body
// is read, a request is refused with 400 BAD_REQUEST and the connection is
// closed when: Transfer-Encoding is present with any value other than
// exactly one "chunked" (or at all in HTTP/1.0); Transfer-Encoding and
// Content-Length are both present (RFC 9112 6.3 leaves the choice between
// refusing and ignoring Content-Length: refused); Content-Length is not one
// decimal number; an HTTP/1.1 request has no Host, or any request has more
// than one Host or a Host that is not host[:port]; a field that must appear
// once (kSingleFields) appears twice. Every answer, these and the 413/431
// ones included, carries X-Request-Id and the JSON error body
// {"error":{"code","message","retryable"}}.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cgw::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: an ephemeral port, see HttpServer::port()
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{15'000};  // whole request, headers and body
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{15'000};
  std::string server_name = "cgw";
  // TLS: null serves plain HTTP. Build it with make_server_tls().
  std::shared_ptr<asio::ssl::context> tls;
};

struct Peer {
  std::string address;
  bool tls = false;
  std::string client_subject;  // the verified client certificate's subject (mTLS), or ""
};

// A server TLS context: TLS 1.2 or later only, the certificate chain and
// key from PEM files (or PEM text, `*_pem`, which wins when set); with
// `client_ca_file`, client certificates are verified against it, and with
// `require_client_cert` a client without one is refused in the handshake
// (mTLS). Returns null and sets `error`.
struct ServerTls {
  std::string cert_file, key_file, client_ca_file;
  std::string cert_pem, key_pem;
  bool require_client_cert = false;
};
std::shared_ptr<asio::ssl::context> make_server_tls(const ServerTls& tls, std::string& error);

using Handler = std::function<asio::awaitable<Response>(Request&, const Peer&)>;

// Thrown by a handler to close the connection without any reply (a TCP
// reset): the simulators' fault injection uses it to play a carrier that
// drops the connection.
struct AbortConnection : std::exception {
  const char* what() const noexcept override { return "connection aborted by the handler"; }
};

// X-Request-Id: a client's id is kept when valid_request_id() (1 to 128 of
// [A-Za-z0-9._-], so it is safe in logs and headers); otherwise
// request_id_of() makes a new one (16 hex digits, unique in the process).
bool valid_request_id(std::string_view id);
std::string new_request_id();
std::string request_id_of(const Request& req);

// Fields refused when they appear more than once: which one a component
// picks would differ between a front end and us.
inline constexpr std::string_view kSingleFields[] = {
    "Host", "Authorization", "Content-Length", "Content-Type", "X-Request-Id", "Idempotency-Key"};

// Why a request's header may not be served (see the rules above), or "".
std::string framing_problem(const Request& req);

// Builds a response with a body and content type, keep-alive as the request.
Response make_response(const Request& req, http::status status, std::string body,
                       std::string_view content_type = "application/json");

class HttpServer {
 public:
  HttpServer(asio::io_context& ioc, ServerOptions options, Handler handler);
  ~HttpServer();

  // Binds and listens. Returns an empty string, or what went wrong.
  std::string listen();
  uint16_t port() const { return port_; }
  void start();  // begins accepting

  // Graceful stop, step one: no new connections; idle keep-alive
  // connections are closed; a connection in the middle of a request finishes
  // it and closes. active_connections() reaches 0 when all are done.
  void drain();
  size_t active_connections() const { return active_.load(); }

 private:
  struct Session;
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> run_session(std::shared_ptr<Session> session);
  template <class Stream>
  asio::awaitable<void> serve(Session& session, Stream& stream, const Peer& peer);
  asio::awaitable<std::optional<Response>> answer(Request& req, const Peer& peer);
  void finish(Response& res, bool close_after, bool head) const;

  asio::io_context& ioc_;
  ServerOptions options_;
  Handler handler_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> draining_{false};
  std::atomic<size_t> active_{0};
  std::mutex sessions_mu_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace cgw::net
