// The HTTP client and keep-alive connections the peer closed (a carrier
// restart, its idle timeout), against a raw server whose every connection
// follows a script: a pooled connection found closed is not used; a request
// whose connection the peer closes as it arrives is sent again on a fresh
// connection only when it is replayable, and otherwise reported as
// possibly delivered (BROKEN), never silently resent.
#include "cgw/common/http_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// What the server does with the n-th request (from 1) of a connection.
enum class Act {
  kReply,           // answers 200 and keeps the connection
  kReplyThenClose,  // answers 200 (keep-alive) and closes it: the client pools a dead connection
  kCloseNoReply,    // reads the request, closes without an answer (FIN)
  kResetNoReply,    // reads the request, resets the connection (RST)
};

class ScriptServer {
 public:
  // script(connection number from 1, request number on it from 1)
  explicit ScriptServer(std::function<Act(int, int)> script) : script_(std::move(script)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  // Set once a connection was closed by a kReplyThenClose step.
  std::future<void> closed_idle() { return closed_idle_.get_future(); }

 private:
  void serve() {
    // One connection at a time: the client under test sends one request
    // at a time too.
    while (!stop_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      const int conn = ++connections_;
      boost::beast::flat_buffer buf;
      for (int n = 1;; ++n) {
        http::request<http::string_body> req;
        http::read(s, buf, req, ec);
        if (ec) break;
        ++requests_;
        const Act act = script_(conn, n);
        if (act == Act::kCloseNoReply) {
          s.shutdown(tcp::socket::shutdown_both, ec);
          s.close(ec);
          break;
        }
        if (act == Act::kResetNoReply) {
          s.set_option(asio::socket_base::linger(true, 0), ec);
          s.close(ec);
          break;
        }
        static const std::string kReply =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
        asio::write(s, asio::buffer(kReply), ec);
        if (ec) break;
        if (act == Act::kReplyThenClose) {
          s.shutdown(tcp::socket::shutdown_both, ec);
          s.close(ec);
          closed_idle_.set_value();
          break;
        }
      }
    }
  }
  std::function<Act(int, int)> script_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, requests_{0};
  std::promise<void> closed_idle_;
};

cgw::net::ClientResponse send(asio::io_context& ioc, cgw::net::HttpClient& client, uint16_t port,
                              const std::string& method, bool replayable = false) {
  cgw::net::ClientRequest req;
  req.method = method;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/orders";
  if (method == "POST") req.body = R"({"order":"o-1"})";
  req.replayable = replayable;
  auto f = asio::co_spawn(ioc, client.send(req), asio::use_future);
  ioc.restart();
  ioc.run();
  return f.get();
}

// Connection 1 answers its first request, then the peer closes it (FIN or
// RST) as the second request arrives; later connections answer.
Act closes_as_second_arrives(int conn, int n, Act how) {
  return conn == 1 && n == 2 ? how : Act::kReply;
}

}  // namespace

TEST(HttpClientStale, IdleConnectionClosedByThePeerIsNotUsed) {
  // The carrier restarted (or timed the connection out) while it sat in
  // the pool: the next request, a POST nobody may resend, goes out on a
  // fresh connection instead of into the dead one.
  ScriptServer server(
      [](int conn, int n) { return conn == 1 && n == 1 ? Act::kReplyThenClose : Act::kReply; });
  auto closed = server.closed_idle();
  asio::io_context ioc;
  cgw::net::HttpClient client(ioc.get_executor(), {});
  auto first = send(ioc, client, server.port(), "POST");
  ASSERT_TRUE(first.ok()) << first.error;
  ASSERT_EQ(closed.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto second = send(ioc, client, server.port(), "POST");
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.replays, 0);  // not a resend: the dead connection was never written to
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClientStale, ReplayablePostIsSentOnceMoreWhenThePeerClosesBeforeReplying) {
  for (Act how : {Act::kCloseNoReply, Act::kResetNoReply}) {
    SCOPED_TRACE(how == Act::kCloseNoReply ? "FIN" : "RST");
    ScriptServer server([how](int conn, int n) { return closes_as_second_arrives(conn, n, how); });
    asio::io_context ioc;
    cgw::net::HttpClient client(ioc.get_executor(), {});
    ASSERT_TRUE(send(ioc, client, server.port(), "POST", true).ok());
    auto r = send(ioc, client, server.port(), "POST", true);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.replays, 1);
    EXPECT_EQ(server.connections(), 2);
    EXPECT_EQ(server.requests(), 3);  // 1, then the same request twice
  }
}

TEST(HttpClientStale, GetIsSentOnceMoreWhenThePeerClosesBeforeReplying) {
  ScriptServer server(
      [](int conn, int n) { return closes_as_second_arrives(conn, n, Act::kCloseNoReply); });
  asio::io_context ioc;
  cgw::net::HttpClient client(ioc.get_executor(), {});
  ASSERT_TRUE(send(ioc, client, server.port(), "GET").ok());
  auto r = send(ioc, client, server.port(), "GET");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replays, 1);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpClientStale, NonReplayablePostIsOutcomeUnknownNotResent) {
  // The peer read the request before it closed: it may have acted on it,
  // so the request is neither resent nor reported as not sent.
  for (Act how : {Act::kCloseNoReply, Act::kResetNoReply}) {
    SCOPED_TRACE(how == Act::kCloseNoReply ? "FIN" : "RST");
    ScriptServer server([how](int conn, int n) { return closes_as_second_arrives(conn, n, how); });
    asio::io_context ioc;
    cgw::net::HttpClient client(ioc.get_executor(), {});
    ASSERT_TRUE(send(ioc, client, server.port(), "POST").ok());
    auto r = send(ioc, client, server.port(), "POST");
    EXPECT_EQ(r.transport, CGW_TRANSPORT_BROKEN) << r.error;
    EXPECT_EQ(r.replays, 0);
    EXPECT_EQ(server.connections(), 1);
    EXPECT_EQ(server.requests(), 2);
  }
}

TEST(HttpClientStale, ConnectionRefusedIsNotSent) {
  uint16_t port;
  {
    ScriptServer server([](int, int) { return Act::kReply; });
    port = server.port();
  }  // closed: nothing listens there now
  asio::io_context ioc;
  cgw::net::HttpClient client(ioc.get_executor(), {});
  auto r = send(ioc, client, port, "POST");
  EXPECT_EQ(r.transport, CGW_TRANSPORT_NOT_SENT) << r.error;
}
