// An asynchronous HTTP/1.1 client with a keep-alive connection pool per
// origin, connect and request timeouts, and TLS through OpenSSL (certificate
// and host-name verification on by default). Used by the gateway to talk to
// carriers and by the simulators to deliver callbacks.
//
// send() never throws for network trouble: the outcome is a value, with
// `transport` telling whether the request may have reached the peer
// (the values of enum cgw_transport_result in <cgw/abi.h>).
//
// Stale keep-alive connections (docs/reliability.md, "Stale pooled
// connections"): a pooled connection that the peer closed while it was idle
// is found before use (a non-blocking peek sees end-of-stream, a reset or
// stray bytes) and dropped. If a reused connection still fails with
// end-of-stream or a reset before any byte of the response (the peer closed
// it as the request went out), the request is sent once more on a fresh
// connection when it is replayable (GET, HEAD, or `replayable`); otherwise
// the failure is NOT_SENT only when no byte of the request was written, and
// BROKEN (outcome unknown) when some were.
#pragma once

#include <cgw/abi.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cgw::net {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds max_idle{30'000};  // pooled connections older than this are dropped
  size_t max_idle_per_origin = 64;
  size_t max_response_bytes = 8 * 1024 * 1024;
  bool verify_tls = true;
  std::string ca_file;  // empty: the system's default trust store
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // 0: options' request_timeout
  // Safe to send twice (the peer deduplicates it or it changes nothing);
  // GET and HEAD are replayable whatever this says.
  bool replayable = false;
};

struct ClientResponse {
  int transport = CGW_TRANSPORT_NOT_SENT;
  int status = 0;
  HeaderList headers;
  std::string body;
  std::string error;        // what went wrong, when transport != OK
  bool keep_alive = false;  // the peer lets the connection be used again
  // Sends on a fresh connection after a reused one broke before any reply
  // byte (0 or 1): for logs and tests.
  int replays = 0;
  bool ok() const { return transport == CGW_TRANSPORT_OK; }
};

class HttpClient {
 public:
  HttpClient(boost::asio::any_io_executor executor, ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  boost::asio::awaitable<ClientResponse> send(ClientRequest request);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cgw::net
