// cgw-loadgen: an open-loop HTTP/1.1 load generator on Asio, for latency
// percentiles free of coordinated omission.
//
// Request i is *intended* to be sent at t0 + i / rate. Keep-alive
// connections take the requests in order; a request whose connection is
// still busy when its time comes waits, and its latency is measured from
// its intended send time, not from when it was actually written. A server
// that stalls therefore shows in the percentiles as the queue it would
// build in front of real clients (wrk2's model). --rate 0 is closed loop:
// each connection sends its next request as soon as the previous answer is
// in (saturation).
//
// Every run is bounded: --duration (at most 600 s) and --max-requests, and
// requests still queued 5 s after the duration are not sent (reported as
// "unsent"). The summary is JSON on stdout (and --json-out), a human line on
// stderr. Latencies are stored whole (4 bytes each) and sorted: percentiles
// are exact.
//
// Requests: --path (repeatable, rotated) or --paths-file; --method; --header
// 'Name: value' (repeatable); --body. Paths, headers and bodies are templates:
// {n} becomes the request's sequence number (unique within a run: put a run
// label beside it for keys unique across runs), {num} line n of
// --numbers-file (the run ends when the list does). --sign-mobile APP_ID:SECRET_FILE signs each
// request as the simulated China Mobile protocol asks (docs/carriers/mobile.md),
// so the simulator can be loaded directly. --must-contain S counts a 2xx
// answer whose body lacks S as an error (the carriers answer business errors
// with HTTP 200).
#include <cgw/common/crypto.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
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

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <optional>
#include <thread>

#include "bench_util.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace cgw::bench;

namespace {

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  double rate = 0;  // requests per second; 0: closed loop
  int connections = 16;
  int threads = 1;
  double duration_s = 10;
  uint64_t max_requests = 10'000'000;
  std::string method = "GET";
  std::vector<Template> paths;
  std::vector<Template> headers;
  Template body;
  bool has_body = false;
  std::vector<std::string> nums;
  bool uses_num = false;
  std::string sign_app, sign_secret;
  std::string must_contain;
  std::string label;
  double timeout_s = 10;
};

struct Shared {
  std::atomic<uint64_t> next{0};
  uint64_t limit = 0;
  Clock::time_point t0, deadline, hard_stop;
  double interval_ns = 0;
  std::string nonce_prefix;
};

struct Stats {
  std::vector<uint32_t> lat_us;
  uint64_t attempted = 0, ok = 0;
  std::map<std::string, uint64_t> errors;
  std::string first_error;
  Clock::time_point last_done{};
};

void sign_mobile(const Config& cfg, const Shared& sh, uint64_t i, std::string_view target,
                 std::string_view body, std::string& out) {
  const std::string ts = std::to_string(std::time(nullptr));
  const std::string nonce = sh.nonce_prefix + std::to_string(i);
  const std::string to_sign = cfg.method + "\n" + std::string(target) + "\n" + ts + "\n" + nonce +
                              "\n" + cgw::crypto::sha256_hex(body);
  out += "X-App-Id: " + cfg.sign_app + "\r\nX-Timestamp: " + ts + "\r\nX-Nonce: " + nonce +
         "\r\nX-Signature: " + cgw::crypto::hmac_sha256_hex(cfg.sign_secret, to_sign) + "\r\n";
}

void build_request(const Config& cfg, const Shared& sh, uint64_t i, std::string& req) {
  std::string_view num = cfg.uses_num ? std::string_view(cfg.nums[i]) : std::string_view();
  std::string target = cfg.paths[i % cfg.paths.size()].expand(i, num);
  std::string body = cfg.has_body ? cfg.body.expand(i, num) : std::string();
  req.clear();
  req += cfg.method;
  req += ' ';
  req += target;
  req += " HTTP/1.1\r\nHost: ";
  req += cfg.host;
  req += "\r\n";
  for (const auto& h : cfg.headers) {
    h.expand(req, i, num);
    req += "\r\n";
  }
  if (!cfg.sign_app.empty()) sign_mobile(cfg, sh, i, target, body, req);
  if (cfg.has_body || cfg.method != "GET") {
    if (cfg.has_body) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
}

asio::awaitable<void> connection(const Config& cfg, Shared& sh, Stats& st, tcp::endpoint ep) {
  auto ex = co_await asio::this_coro::executor;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  asio::steady_timer timer(ex);
  std::string req;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(cfg.timeout_s * 1000));
  auto fail = [&](const std::string& kind, const std::string& detail) {
    ++st.errors[kind];
    if (st.first_error.empty()) st.first_error = kind + ": " + detail;
  };
  for (;;) {
    const uint64_t i = sh.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= sh.limit) break;
    Clock::time_point intended = Clock::now();
    if (cfg.rate > 0) {
      intended = sh.t0 + std::chrono::nanoseconds(
                             static_cast<int64_t>(static_cast<double>(i) * sh.interval_ns));
      if (intended >= sh.deadline) break;
    } else if (intended >= sh.deadline) {
      break;
    }
    if (Clock::now() >= sh.hard_stop) break;  // the rest counts as unsent
    boost::system::error_code ec;
    if (intended > Clock::now()) {
      timer.expires_at(intended);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    ++st.attempted;
    if (!stream) {
      stream.emplace(ex);
      stream->expires_after(timeout);
      co_await stream->async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        fail("connect", ec.message());
        stream.reset();
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      stream->socket().set_option(tcp::no_delay(true), ec);
      buffer.clear();
    }
    build_request(cfg, sh, i, req);
    stream->expires_after(timeout);
    co_await asio::async_write(*stream, asio::buffer(req),
                               asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (!ec)
      co_await http::async_read(*stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
    const auto done = Clock::now();
    if (ec) {
      fail("transport", ec.message());
      stream.reset();
      continue;
    }
    auto& res = parser.get();
    st.last_done = done;
    const unsigned status = res.result_int();
    if (status < 200 || status >= 300) {
      fail(std::to_string(status), res.body().substr(0, 300));
    } else if (!cfg.must_contain.empty() &&
               res.body().find(cfg.must_contain) == std::string::npos) {
      fail("bad_body", res.body().substr(0, 300));
    } else {
      ++st.ok;
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(done - intended).count();
      st.lat_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
    }
    if (!res.keep_alive()) stream.reset();
  }
  if (stream) {
    boost::system::error_code ec;
    stream->socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

Config parse(const Args& a) {
  a.check({"host", "port", "rate", "connections", "threads", "duration", "max-requests", "method",
           "path", "paths-file", "header", "body", "numbers-file", "sign-mobile", "must-contain",
           "label", "json-out", "timeout"});
  Config c;
  c.host = a.str("host", c.host);
  c.port = static_cast<uint16_t>(a.num("port", 0));
  if (c.port == 0) throw std::invalid_argument("--port is required");
  c.rate = a.num("rate", 0);
  c.connections = std::max(1, static_cast<int>(a.num("connections", 16)));
  c.threads = std::clamp(static_cast<int>(a.num("threads", 1)), 1, c.connections);
  c.duration_s = std::clamp(a.num("duration", 10), 0.1, 600.0);
  c.max_requests = static_cast<uint64_t>(std::clamp(a.num("max-requests", 1e7), 1.0, 1e8));
  c.timeout_s = std::clamp(a.num("timeout", 10), 0.1, 120.0);
  c.method = a.str("method", "GET");
  auto paths = a.all("path");
  if (auto f = a.str("paths-file"); !f.empty())
    for (auto& p : read_lines(f)) paths.push_back(p);
  if (paths.empty()) paths.push_back("/");
  for (auto& p : paths) c.paths.emplace_back(p);
  for (auto& h : a.all("header")) c.headers.emplace_back(h);
  if (auto b = a.all("body"); !b.empty()) {
    c.body = Template(b.back());
    c.has_body = true;
  }
  c.uses_num = c.body.uses_num();
  for (auto& t : c.paths) c.uses_num |= t.uses_num();
  for (auto& t : c.headers) c.uses_num |= t.uses_num();
  if (auto f = a.str("numbers-file"); !f.empty()) c.nums = read_lines(f);
  if (c.uses_num && c.nums.empty())
    throw std::invalid_argument("{num} is used but --numbers-file is missing or empty");
  if (auto s = a.str("sign-mobile"); !s.empty()) {
    auto colon = s.find(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("--sign-mobile takes APP_ID:SECRET_FILE");
    c.sign_app = s.substr(0, colon);
    c.sign_secret = read_file(s.substr(colon + 1));
  }
  c.must_contain = a.str("must-contain");
  c.label = a.str("label");
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string json_out;
  try {
    Args args(argc, argv);
    cfg = parse(args);
    json_out = args.str("json-out");
  } catch (const std::exception& e) {
    std::cerr << "cgw-loadgen: " << e.what() << "\n"
              << "usage: cgw-loadgen --port P [--host H] [--rate R|0] [--connections C]\n"
                 "  [--threads T] [--duration S] [--max-requests N] [--method M]\n"
                 "  [--path P]... [--paths-file F] [--header 'K: V']... [--body TEMPLATE]\n"
                 "  [--numbers-file F] [--sign-mobile APP:SECRET_FILE] [--must-contain S]\n"
                 "  [--timeout S] [--label L] [--json-out F]\n";
    return 2;
  }
  raise_nofile();

  Shared sh;
  sh.limit = cfg.max_requests;
  if (cfg.uses_num) sh.limit = std::min<uint64_t>(sh.limit, cfg.nums.size());
  if (cfg.rate > 0) {
    sh.interval_ns = 1e9 / cfg.rate;
    sh.limit =
        std::min<uint64_t>(sh.limit, static_cast<uint64_t>(std::ceil(cfg.rate * cfg.duration_s)));
  }
  sh.nonce_prefix = "lg" + cgw::crypto::random_hex(8) + "n";

  tcp::endpoint ep(asio::ip::make_address(cfg.host), cfg.port);
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<Stats> stats(static_cast<size_t>(cfg.threads));
  const auto reserve_each = std::min<uint64_t>(sh.limit, 20'000'000) / cfg.threads + 1;
  for (auto& s : stats) s.lat_us.reserve(reserve_each);
  sh.t0 = Clock::now() + std::chrono::milliseconds(20);
  sh.deadline = sh.t0 + std::chrono::nanoseconds(static_cast<int64_t>(cfg.duration_s * 1e9));
  sh.hard_stop = sh.deadline + std::chrono::seconds(5);
  for (int t = 0; t < cfg.threads; ++t) {
    iocs.push_back(std::make_unique<asio::io_context>(1));
    int n = cfg.connections / cfg.threads + (t < cfg.connections % cfg.threads ? 1 : 0);
    for (int k = 0; k < n; ++k)
      asio::co_spawn(*iocs.back(), connection(cfg, sh, stats[static_cast<size_t>(t)], ep),
                     asio::detached);
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < cfg.threads; ++t) workers.emplace_back([&, t] { iocs[t]->run(); });
  for (auto& w : workers) w.join();

  // Merge.
  std::vector<uint32_t> lat;
  uint64_t attempted = 0, ok = 0;
  std::map<std::string, uint64_t> errors;
  std::string first_error;
  Clock::time_point last = sh.t0;
  for (auto& s : stats) {
    lat.insert(lat.end(), s.lat_us.begin(), s.lat_us.end());
    attempted += s.attempted;
    ok += s.ok;
    for (auto& [k, v] : s.errors) errors[k] += v;
    if (first_error.empty()) first_error = s.first_error;
    last = std::max(last, s.last_done);
  }
  const uint64_t scheduled =
      cfg.rate > 0 ? sh.limit : attempted;  // closed loop: nothing is scheduled ahead
  const uint64_t unsent = scheduled > attempted ? scheduled - attempted : 0;
  uint64_t n_errors = 0;
  for (auto& [k, v] : errors) n_errors += v;
  const double elapsed = std::max(1e-9, std::chrono::duration<double>(last - sh.t0).count());
  const auto p = percentiles(lat);

  boost::json::object errs;
  for (auto& [k, v] : errors) errs[k] = v;
  boost::json::object out{{"label", cfg.label},
                          {"target_rate", cfg.rate},
                          {"connections", cfg.connections},
                          {"duration_s", cfg.duration_s},
                          {"requests", attempted},
                          {"ok", ok},
                          {"errors", n_errors},
                          {"errors_by_status", errs},
                          {"unsent", unsent},
                          {"elapsed_s", elapsed},
                          {"achieved_rps", static_cast<double>(ok) / elapsed},
                          {"latency_us",
                           {{"mean", p.mean},
                            {"p50", p.p50},
                            {"p90", p.p90},
                            {"p99", p.p99},
                            {"p999", p.p999},
                            {"max", p.max}}}};
  const std::string text = boost::json::serialize(out);
  std::cout << text << std::endl;
  if (!json_out.empty()) std::ofstream(json_out) << text << "\n";
  std::fprintf(stderr,
               "cgw-loadgen %s: %.0f req/s (target %.0f) ok=%llu errors=%llu unsent=%llu "
               "p50=%.0fus p90=%.0fus p99=%.0fus p99.9=%.0fus max=%.0fus\n",
               cfg.label.c_str(), static_cast<double>(ok) / elapsed, cfg.rate,
               static_cast<unsigned long long>(ok), static_cast<unsigned long long>(n_errors),
               static_cast<unsigned long long>(unsent), p.p50, p.p90, p.p99, p.p999, p.max);
  if (!first_error.empty()) std::fprintf(stderr, "  first error: %s\n", first_error.c_str());
  return 0;
}
