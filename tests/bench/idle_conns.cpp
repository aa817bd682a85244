// cgw-idle-conns: holds K idle HTTP/1.1 keep-alive connections to a server.
//
// It opens K TCP connections (at most --concurrency connects in flight),
// sends one small request on each and reads the answer, so every connection
// is a real keep-alive connection the server has served; then it sends
// nothing more and holds them for --hold seconds, checking once a second how
// many the server has closed. It prints the number held to stdout as JSON
// (and --json-out), and writes --ready-file once the connections are
// established, so a script can measure the server while they are held.
//
//   cgw-idle-conns --port P [--host H] [--connections K] [--hold S]
//     [--path /healthz] [--header 'K: V']... [--concurrency 200] [--ready-file F]
//     [--stop-file F]
//
// With --stop-file the hold ends early once that file exists.
//
// Each connection is a file descriptor on both sides: the tool raises its
// own RLIMIT_NOFILE to the hard limit; the server needs the same (ulimit -n).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "bench_util.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace cgw::bench;

namespace {

struct Conn {
  explicit Conn(asio::io_context& ioc) : stream(ioc) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool open = false;
  bool closed_by_server = false;
  char probe[1];
};

struct State {
  size_t established = 0, failed = 0, in_flight = 0, started = 0;
  std::string first_error;
};

asio::awaitable<void> open_one(Conn& c, tcp::endpoint ep, const std::string& request, State& st) {
  boost::system::error_code ec;
  c.stream.expires_after(std::chrono::seconds(20));
  co_await c.stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec)
    co_await asio::async_write(c.stream, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, ec));
  http::response<http::string_body> res;
  if (!ec)
    co_await http::async_read(c.stream, c.buffer, res,
                              asio::redirect_error(asio::use_awaitable, ec));
  --st.in_flight;
  if (ec || !res.keep_alive()) {
    ++st.failed;
    if (st.first_error.empty())
      st.first_error = ec ? ec.message() : "server closed the connection after the request";
    co_return;
  }
  c.stream.expires_never();
  c.open = true;
  ++st.established;
  // Park a one-byte read: it completes only when the server closes (or,
  // unexpectedly, sends something), which is how closed connections are seen.
  co_await c.stream.socket().async_read_some(asio::buffer(c.probe),
                                             asio::redirect_error(asio::use_awaitable, ec));
  c.closed_by_server = true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", path = "/healthz", ready_file, stop_file, json_out;
  unsigned port = 0;
  size_t k = 10'000, concurrency = 200;
  double hold_s = 10;
  std::vector<std::string> headers;
  try {
    Args a(argc, argv);
    a.check({"host", "port", "connections", "hold", "path", "header", "concurrency", "ready-file",
             "stop-file", "json-out"});
    host = a.str("host", host);
    port = static_cast<unsigned>(a.num("port", 0));
    k = static_cast<size_t>(std::clamp(a.num("connections", 10'000), 1.0, 60'000.0));
    hold_s = std::clamp(a.num("hold", 10), 0.0, 600.0);
    path = a.str("path", path);
    headers = a.all("header");
    concurrency = static_cast<size_t>(std::clamp(a.num("concurrency", 200), 1.0, 5000.0));
    ready_file = a.str("ready-file");
    stop_file = a.str("stop-file");
    json_out = a.str("json-out");
    if (port == 0 || port > 65535) throw std::invalid_argument("--port is required");
  } catch (const std::exception& e) {
    std::cerr << "cgw-idle-conns: " << e.what() << "\n"
              << "usage: cgw-idle-conns --port P [--host H] [--connections K] [--hold S]\n"
                 "  [--path P] [--header 'K: V']... [--concurrency N] [--ready-file F]\n"
                 "  [--stop-file F]\n";
    return 2;
  }
  const auto nofile = raise_nofile();
  if (nofile < k + 64)
    std::fprintf(stderr, "cgw-idle-conns: RLIMIT_NOFILE is %llu, too low for %zu connections\n",
                 static_cast<unsigned long long>(nofile), k);

  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (auto& h : headers) request += h + "\r\n";
  request += "\r\n";

  asio::io_context ioc(1);
  tcp::endpoint ep(asio::ip::make_address(host), static_cast<uint16_t>(port));
  std::vector<std::unique_ptr<Conn>> conns;
  conns.reserve(k);
  State st;
  const auto t0 = Clock::now();

  // Opening: keep `concurrency` connects in flight until all K are tried.
  std::function<void()> pump = [&] {
    while (st.started < k && st.in_flight < concurrency) {
      conns.push_back(std::make_unique<Conn>(ioc));
      ++st.in_flight;
      ++st.started;
      asio::co_spawn(ioc, open_one(*conns.back(), ep, request, st), asio::detached);
    }
  };
  pump();
  const auto open_deadline = t0 + std::chrono::seconds(120);
  while ((st.started < k || st.in_flight > 0) && Clock::now() < open_deadline) {
    ioc.run_for(std::chrono::milliseconds(5));
    pump();
  }
  const double open_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::fprintf(stderr,
               "cgw-idle-conns: %zu of %zu connections established in %.2f s (%zu failed)\n",
               st.established, k, open_s, st.failed);
  if (!st.first_error.empty()) std::fprintf(stderr, "  first error: %s\n", st.first_error.c_str());
  if (!ready_file.empty()) {
    std::FILE* f = std::fopen(ready_file.c_str(), "w");
    if (f) {
      std::fprintf(f, "%zu\n", st.established);
      std::fclose(f);
    }
  }

  // Holding: count the connections the server closes.
  size_t min_held = st.established;
  const auto hold_start = Clock::now();
  const auto hold_end =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(hold_s * 1000));
  while (Clock::now() < hold_end) {
    ioc.run_for(std::min<Clock::duration>(std::chrono::seconds(1), hold_end - Clock::now()));
    size_t held = 0;
    for (auto& c : conns) held += c->open && !c->closed_by_server;
    min_held = std::min(min_held, held);
    if (!stop_file.empty() && std::filesystem::exists(stop_file)) break;
  }
  size_t held_end = 0;
  for (auto& c : conns) held_end += c->open && !c->closed_by_server;
  min_held = std::min(min_held, held_end);

  boost::json::object out{
      {"requested", k},
      {"established", st.established},
      {"failed", st.failed},
      {"open_s", open_s},
      {"hold_s", std::chrono::duration<double>(Clock::now() - hold_start).count()},
      {"held_min", min_held},
      {"held_at_end", held_end}};
  const std::string text = boost::json::serialize(out);
  std::cout << text << std::endl;
  if (!json_out.empty()) {
    std::FILE* f = std::fopen(json_out.c_str(), "w");
    if (f) {
      std::fprintf(f, "%s\n", text.c_str());
      std::fclose(f);
    }
  }
  std::fprintf(stderr, "cgw-idle-conns: held %zu at the end (at least %zu throughout the hold)\n",
               held_end, min_held);
  for (auto& c : conns) {
    boost::system::error_code ec;
    c->stream.socket().close(ec);
  }
  ioc.run_for(std::chrono::milliseconds(200));
  return 0;
}
