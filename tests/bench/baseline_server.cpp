// cgw-bench-baseline: the benchmark baseline. A bare Boost.Beast HTTP/1.1
// keep-alive server that answers {"ok":true} to any request, with nothing
// else in the way: no routing, no authentication, no store, no timeouts. The
// gateway's figures in docs/benchmarks.md are ratios against this server,
// measured in the same run with the same load tool and settings.
//
//   cgw-bench-baseline [--port P] [--threads N] [--port-file FILE]
//
// Port 0 (the default) takes an ephemeral port; --port-file receives it once
// the server listens. SIGINT/SIGTERM stop it.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

asio::awaitable<void> session(tcp::socket socket) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  for (;;) {
    http::request<http::string_body> req;
    co_await http::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "cgw-bench-baseline");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = R"({"ok":true})";
    res.prepare_payload();
    co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    // Each connection on its own strand, as the gateway's server does.
    tcp::socket socket(asio::make_strand(acceptor.get_executor()));
    co_await acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, session(std::move(socket)), asio::detached);
  }
}

int usage() {
  std::cerr << "usage: cgw-bench-baseline [--port P] [--threads N] [--port-file FILE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned port = 0;
  int threads = 2;  // the gateway's default `threads: 2`
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    if (a == "--port")
      port = static_cast<unsigned>(std::stoul(argv[++i]));
    else if (a == "--threads")
      threads = std::max(1, std::stoi(argv[++i]));
    else if (a == "--port-file")
      port_file = argv[++i];
    else
      return usage();
  }
  if (port > 65535) return usage();

  asio::io_context ioc(threads);
  tcp::acceptor acceptor(ioc);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "cgw-bench-baseline: listen: " << ec.message() << "\n";
    return 1;
  }
  const auto bound = acceptor.local_endpoint().port();
  if (!port_file.empty()) {
    // Written whole, then renamed: a reader never sees a partial port.
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << bound << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::cerr << "cgw-bench-baseline: listening on 127.0.0.1:" << bound << " threads=" << threads
            << "\n";

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
  asio::co_spawn(ioc, accept_loop(acceptor), asio::detached);

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
