// A misbehaving carrier on 127.0.0.1 for the transport checks. In kPass it
// forwards every request to the real carrier (so a plugin can fetch a token
// or session first, as it would in production); in the other modes it
// answers every request with one kind of trouble. Lives as long as the
// io_context (its accept loop refers to it), like every net::HttpServer.
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <string>

namespace cgw::conformance {

class FaultProxy {
 public:
  enum class Mode {
    kPass,     // forward to the upstream carrier
    kSilent,   // read the request, never answer (the client times out)
    kHangUp,   // read the request, reset the connection
    kHttp503,  // 503 with an HTML body, as a load balancer would
    kGarbage,  // 200 with a body that is no protocol at all
    kTooBig    // 200 with a body over the host's 8 MiB limit
  };

  FaultProxy(boost::asio::io_context& ioc, std::string upstream_base_url);
  std::string listen();  // empty, or what went wrong
  void start();
  std::string base_url() const;
  void set_mode(Mode m) { mode_ = m; }
  void drain();
  size_t active_connections() const;

 private:
  boost::asio::awaitable<net::Response> handle(net::Request& req);
  boost::asio::awaitable<net::Response> forward(const net::Request& req);

  const std::string upstream_;
  std::unique_ptr<net::HttpClient> client_;
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<Mode> mode_{Mode::kPass};
};

}  // namespace cgw::conformance
