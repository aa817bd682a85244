// The HTTP client's connection reuse against a raw server: an HTTP/1.0
// reply without keep-alive ends the connection (a write sent on it again
// would fail), an HTTP/1.1 reply keeps it.
#include "cgw/common/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <thread>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
// Answers each request with `reply`; closes after it when `close_after`.
class RawServer {
 public:
  RawServer(std::string reply, bool close_after)
      : reply_(std::move(reply)), close_after_(close_after) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~RawServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stop_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      ++connections_;
      for (;;) {
        std::string buf;
        auto n = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n", ec);
        if (ec || n == 0) break;
        asio::write(s, asio::buffer(reply_), ec);
        if (ec || close_after_) break;
      }
    }
  }
  std::string reply_;
  bool close_after_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
};

cgw::net::ClientResponse post(asio::io_context& ioc, cgw::net::HttpClient& client, uint16_t port) {
  cgw::net::ClientRequest req;
  req.method = "POST";
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  req.body = "{}";
  auto f = asio::co_spawn(ioc, client.send(req), asio::use_future);
  ioc.restart();
  ioc.run();
  return f.get();
}
}  // namespace

TEST(HttpClient, Http10ReplyWithoutKeepAliveIsNotReused) {
  RawServer server("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true);
  asio::io_context ioc;
  cgw::net::HttpClient client(ioc.get_executor(), {});
  for (int i = 0; i < 3; ++i) {
    auto r = post(ioc, client, server.port());
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.keep_alive);
  }
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClient, Http11ReplyKeepsTheConnection) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
  asio::io_context ioc;
  cgw::net::HttpClient client(ioc.get_executor(), {});
  for (int i = 0; i < 3; ++i) {
    auto r = post(ioc, client, server.port());
    EXPECT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(r.keep_alive);
  }
  EXPECT_EQ(server.connections(), 1);
}
