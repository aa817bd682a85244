// cgw-bench-activations: the activation record day, end to end.
//
// --count activations, each as a platform makes one through the gateway's
// API: POST /v1/reservations (a number from --numbers-file, an
// Idempotency-Key), POST /v1/kyc/verifications (a distinct well-formed adult
// identity per activation, so the carrier's five-lines-per-person rule never
// refuses), POST /v1/activations (an Idempotency-Key). --workers platform
// workers run side by side, each on its own keep-alive connection.
//
// An activation is done when the gateway records it `activated` (or
// `first_topup` after it, or ended: `failed`, `cancelled`, `returned`),
// which happens when the carrier's callback arrives. Counting
// them through the API would add one GET per activation to the load being
// measured; instead the tool reads the gateway's store (--store, a SQLite
// file opened read-only, or --pg-dsn, the PostgreSQL database several
// instances share: a count over the partial index of open activations)
// five times a second, and at the end checks a sample of activations
// through the API.
//
// --port takes one port or a comma-separated list (instances of one fleet
// on PostgreSQL): worker w talks to the w-th port modulo their number, so
// the load is spread evenly. --gateway-pid likewise takes a list; their CPU
// is summed.
//
// Output (JSON on stdout and --json-out): total seconds from the first
// request to the last activation recorded, activations per second, the
// submission phase alone, per-step latency percentiles, and the CPU seconds
// of --gateway-pid (and --sim-pid) from /proc over the run.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "bench_util.hpp"
#include "store_reader.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace cgw::bench;

namespace {

struct Config {
  std::vector<uint16_t> ports;
  std::string key, carrier = "mobile", plan = "MB-DGDD-19", run = "r";
  std::string store, pg_dsn;
  std::vector<std::string> nums;
  uint64_t count = 200;
  int workers = 64;
  double timeout_s = 600;  // whole run
  std::vector<pid_t> gateway_pids;
  pid_t sim_pid = 0;
};

// "1,2,3" -> {1, 2, 3}; throws on anything else.
std::vector<long> number_list(const std::string& text) {
  std::vector<long> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    size_t used = 0;
    out.push_back(std::stol(item, &used));
    if (used != item.size()) throw std::invalid_argument("not a number: '" + item + "'");
  }
  return out;
}

struct Step {
  std::vector<uint32_t> lat_us;
  uint64_t errors = 0;
};

struct Shared {
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<int> workers_left{0};
  Step reserve, kyc, activate;  // touched only on the io thread
  std::map<std::string, uint64_t> errors;
  std::string first_error;
  std::vector<std::string> activation_ids;
  Clock::time_point deadline;
};

// A GB 11643 identity number: address 110101, birth date from 1960-01-01
// onwards (800 people a day), sequence 000-799 (never the simulators' 9xx
// magic identities), then the ISO 7064 MOD 11-2 check character.
std::string id_number(uint64_t i) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  uint64_t day = i / 800;
  int y = 1960, m = 1, d = 1;
  for (; day > 0; --day) {
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
    if (++d > dim) {
      d = 1;
      if (++m > 12) m = 1, ++y;
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "110101%04d%02d%02d%03d", y, m, d, static_cast<int>(i % 800));
  static const int kW[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int k = 0; k < 17; ++k) sum += (buf[k] - '0') * kW[k];
  return std::string(buf, 17) + "10X98765432"[sum % 11];
}

double cpu_seconds(pid_t pid) {
  if (pid <= 0) return 0;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return 0;
  char buf[4096];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // Fields after the ")" closing the command name: utime and stime are the
  // 14th and 15th fields of the line, the 12th and 13th after the state.
  const char* p = std::strrchr(buf, ')');
  if (!p) return 0;
  unsigned long long utime = 0, stime = 0;
  std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime);
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class Client {
 public:
  Client(asio::any_io_executor ex, uint16_t port, std::string key)
      : ex_(ex), ep_(asio::ip::make_address("127.0.0.1"), port), key_(std::move(key)) {}

  // Returns the status (0: transport error) and fills `body`.
  asio::awaitable<unsigned> call(http::verb verb, const std::string& target,
                                 const std::string& body, const std::string& idem_key,
                                 std::string& out) {
    boost::system::error_code ec;
    if (!stream_) {
      stream_.emplace(ex_);
      stream_->expires_after(std::chrono::seconds(10));
      co_await stream_->async_connect(ep_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        stream_.reset();
        out = "connect: " + ec.message();
        co_return 0;
      }
      stream_->socket().set_option(tcp::no_delay(true), ec);
      buffer_.clear();
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + key_);
    if (!idem_key.empty()) req.set("Idempotency-Key", idem_key);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    stream_->expires_after(std::chrono::seconds(30));
    co_await http::async_write(*stream_, req, asio::redirect_error(asio::use_awaitable, ec));
    http::response<http::string_body> res;
    if (!ec)
      co_await http::async_read(*stream_, buffer_, res,
                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      stream_.reset();
      out = "transport: " + ec.message();
      co_return 0;
    }
    if (!res.keep_alive()) stream_.reset();
    out = std::move(res.body());
    co_return res.result_int();
  }

 private:
  asio::any_io_executor ex_;
  tcp::endpoint ep_;
  std::string key_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

std::string field(const std::string& body, const char* name) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  auto* f = v.as_object().if_contains(name);
  return f && f->is_string() ? std::string(f->as_string()) : std::string();
}

asio::awaitable<void> worker(const Config& cfg, Shared& sh, uint16_t port) {
  Client client(co_await asio::this_coro::executor, port, cfg.key);
  std::string out;
  auto timed = [&](Step& step, http::verb verb, const std::string& target, const std::string& body,
                   const std::string& key, unsigned want) -> asio::awaitable<bool> {
    auto t = Clock::now();
    unsigned status = co_await client.call(verb, target, body, key, out);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
    if (status == want) {
      step.lat_us.push_back(static_cast<uint32_t>(us));
      co_return true;
    }
    ++step.errors;
    ++sh.errors[target + " " + std::to_string(status)];
    if (sh.first_error.empty())
      sh.first_error = target + " -> " + std::to_string(status) + " " + out.substr(0, 300);
    co_return false;
  };
  for (;;) {
    const uint64_t i = sh.next.fetch_add(1);
    if (i >= cfg.count || Clock::now() >= sh.deadline) break;
    const std::string n = std::to_string(i);
    const std::string& msisdn = cfg.nums[i];
    if (!co_await timed(sh.reserve, http::verb::post, "/v1/reservations",
                        R"({"carrier":")" + cfg.carrier + R"(","msisdn":")" + msisdn + R"("})",
                        "bench-" + cfg.run + "-res-" + n, 201))
      continue;
    const std::string rsv = field(out, "reservation_id");
    if (!co_await timed(sh.kyc, http::verb::post, "/v1/kyc/verifications",
                        R"({"carrier":")" + cfg.carrier + R"(","name":"张三","id_number":")" +
                            id_number(i) + R"("})",
                        "", 200))
      continue;
    const std::string kyc = field(out, "verification_id");
    if (field(out, "result") != "passed") {
      ++sh.errors["kyc not passed"];
      if (sh.first_error.empty()) sh.first_error = "kyc: " + out.substr(0, 300);
      continue;
    }
    if (!co_await timed(
            sh.activate, http::verb::post, "/v1/activations",
            R"({"reservation_id":")" + rsv + R"(","plan_id":")" + cfg.plan +
                R"(","verification_id":")" + kyc +
                R"(","delivery":{"name":"张三","phone":"13900000000","address":"北京市东城区示例路1号"}})",
            "bench-" + cfg.run + "-act-" + n, 202))
      continue;
    ++sh.accepted;
    if (sh.activation_ids.size() < 100'000)
      sh.activation_ids.push_back(field(out, "activation_id"));
  }
  --sh.workers_left;
}

// Counts of the store's activations: {open, activated (or topped up), ended}.
struct Counts {
  int64_t open = -1, activated = 0, failed = 0;
};
Counts count_store(StoreReader& store, bool full) {
  Counts c;
  auto scalar = [&](const char* sql) { return store.scalar(sql); };
  // The lifecycle of docs/after-sales.md: open until activated or ended; a
  // first top-up comes after activation (the sale is done either way).
  c.open = scalar(
      "SELECT count(*) FROM activations WHERE status IN "
      "('pending','submitted','unknown','reviewing','shipped','delivered')");
  if (full) {
    c.activated =
        scalar("SELECT count(*) FROM activations WHERE status IN ('activated','first_topup')");
    c.failed = scalar(
        "SELECT count(*) FROM activations WHERE status IN ('failed','cancelled','returned')");
  }
  return c;
}

json::object step_json(Step& s) {
  auto p = percentiles(s.lat_us);
  return {{"ok", p.count},
          {"errors", s.errors},
          {"p50_us", p.p50},
          {"p99_us", p.p99},
          {"max_us", p.max}};
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string json_out;
  try {
    Args a(argc, argv);
    a.check({"port", "key", "carrier", "plan", "run", "store", "pg-dsn", "numbers-file", "count",
             "workers", "timeout", "gateway-pid", "sim-pid", "json-out"});
    for (long p : number_list(a.str("port"))) {
      if (p <= 0 || p > 65535) throw std::invalid_argument("--port: bad port " + std::to_string(p));
      cfg.ports.push_back(static_cast<uint16_t>(p));
    }
    cfg.key = a.str("key");
    cfg.carrier = a.str("carrier", cfg.carrier);
    cfg.plan = a.str("plan", cfg.plan);
    cfg.run = a.str("run", cfg.run);
    cfg.store = a.str("store");
    cfg.pg_dsn = a.str("pg-dsn");
    cfg.count = static_cast<uint64_t>(std::clamp(a.num("count", 200), 1.0, 2e6));
    cfg.workers = std::clamp(static_cast<int>(a.num("workers", 64)), 1, 4096);
    cfg.timeout_s = std::clamp(a.num("timeout", 600), 1.0, 3600.0);
    for (long p : number_list(a.str("gateway-pid")))
      if (p > 0) cfg.gateway_pids.push_back(static_cast<pid_t>(p));
    cfg.sim_pid = static_cast<pid_t>(a.num("sim-pid", 0));
    json_out = a.str("json-out");
    cfg.nums = read_lines(a.str("numbers-file"));
    if (cfg.ports.empty() || cfg.key.empty() || cfg.store.empty() == cfg.pg_dsn.empty())
      throw std::invalid_argument("--port, --key and one of --store and --pg-dsn are required");
    if (cfg.nums.size() < cfg.count)
      throw std::invalid_argument("--numbers-file has fewer numbers than --count");
  } catch (const std::exception& e) {
    std::cerr << "cgw-bench-activations: " << e.what() << "\n"
              << "usage: cgw-bench-activations --port P[,P...] --key API_KEY\n"
                 "  (--store GATEWAY_DB | --pg-dsn LIBPQ_DSN) --numbers-file F [--count N]\n"
                 "  [--workers W] [--run LABEL] [--carrier C] [--plan P] [--timeout S]\n"
                 "  [--gateway-pid PID[,PID...]] [--sim-pid PID] [--json-out F]\n";
    return 2;
  }
  raise_nofile();

  StoreReader db;
  if (auto why = db.open(cfg.store, cfg.pg_dsn); !why.empty()) {
    std::cerr << "cgw-bench-activations: the store: " << why << "\n";
    return 1;
  }
  const auto before = count_store(db, true);
  if (before.open < 0) {
    std::cerr << "cgw-bench-activations: cannot count the store's activations\n";
    return 1;
  }
  auto gateway_cpu = [&cfg] {
    double s = 0;
    for (pid_t p : cfg.gateway_pids) s += cpu_seconds(p);
    return s;
  };

  Shared sh;
  const auto t0 = Clock::now();
  sh.deadline = t0 + std::chrono::milliseconds(static_cast<int64_t>(cfg.timeout_s * 1000));
  const double gw_cpu0 = gateway_cpu(), sim_cpu0 = cpu_seconds(cfg.sim_pid);
  asio::io_context ioc(1);
  sh.workers_left = cfg.workers;
  for (int w = 0; w < cfg.workers; ++w)
    asio::co_spawn(ioc, worker(cfg, sh, cfg.ports[static_cast<size_t>(w) % cfg.ports.size()]),
                   asio::detached);
  std::thread io([&] { ioc.run(); });

  // Watch the store until every accepted activation is final.
  std::optional<Clock::time_point> submitted_at;
  Counts now;
  auto last_print = Clock::now();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!submitted_at && sh.workers_left.load() == 0) submitted_at = Clock::now();
    now = count_store(db, submitted_at.has_value());
    const bool all_final = submitted_at && now.open == before.open &&
                           (now.activated + now.failed) - (before.activated + before.failed) >=
                               static_cast<int64_t>(sh.accepted.load());
    if (all_final || Clock::now() >= sh.deadline) break;
    if (Clock::now() - last_print > std::chrono::seconds(5)) {
      last_print = Clock::now();
      std::fprintf(stderr, "cgw-bench-activations: %.0f s: accepted %llu, open %lld\n",
                   std::chrono::duration<double>(last_print - t0).count(),
                   static_cast<unsigned long long>(sh.accepted.load()),
                   static_cast<long long>(now.open));
    }
  }
  const auto t_end = Clock::now();
  const double gw_cpu = gateway_cpu() - gw_cpu0;
  const double sim_cpu = cpu_seconds(cfg.sim_pid) - sim_cpu0;
  io.join();
  now = count_store(db, true);

  // Check a sample through the API: each must be `activated` (or topped up).
  uint64_t sample_ok = 0, sample_n = 0;
  {
    asio::io_context ioc2(1);
    asio::co_spawn(
        ioc2,
        [&]() -> asio::awaitable<void> {
          // Any instance answers for any activation: the first one is asked.
          Client c(co_await asio::this_coro::executor, cfg.ports.front(), cfg.key);
          std::string out;
          const size_t n = sh.activation_ids.size(), stride = std::max<size_t>(1, n / 100);
          for (size_t k = 0; k < n; k += stride) {
            ++sample_n;
            const auto status = co_await c.call(
                http::verb::get, "/v1/activations/" + sh.activation_ids[k], "", "", out);
            if (status == 200 &&
                (field(out, "status") == "activated" || field(out, "status") == "first_topup"))
              ++sample_ok;
            else
              std::fprintf(stderr, "cgw-bench-activations: sample %s: %u %s\n",
                           sh.activation_ids[k].c_str(), status, out.substr(0, 300).c_str());
          }
        },
        asio::detached);
    ioc2.run();
  }

  const double total_s = std::chrono::duration<double>(t_end - t0).count();
  const double submit_s =
      std::chrono::duration<double>((submitted_at ? *submitted_at : t_end) - t0).count();
  const int64_t activated = now.activated - before.activated, failed = now.failed - before.failed;
  json::object errs;
  for (auto& [k, v] : sh.errors) errs[k] = v;
  json::object out{{"count", cfg.count},
                   {"workers", cfg.workers},
                   {"instances", cfg.ports.size()},
                   {"accepted", sh.accepted.load()},
                   {"activated", activated},
                   {"failed", failed},
                   {"still_open", now.open - before.open},
                   {"total_s", total_s},
                   {"activations_per_s", static_cast<double>(activated) / total_s},
                   {"submit_s", submit_s},
                   {"submit_per_s", static_cast<double>(sh.accepted.load()) / submit_s},
                   {"gateway_cpu_s", gw_cpu},
                   {"gateway_cpu_ms_per_activation",
                    activated > 0 ? gw_cpu * 1000 / static_cast<double>(activated) : 0.0},
                   {"sim_cpu_s", sim_cpu},
                   {"sample_checked", sample_n},
                   {"sample_activated", sample_ok},
                   {"errors", errs},
                   {"reserve", step_json(sh.reserve)},
                   {"kyc", step_json(sh.kyc)},
                   {"activate", step_json(sh.activate)}};
  const std::string text = json::serialize(out);
  std::cout << text << std::endl;
  if (!json_out.empty()) {
    std::FILE* f = std::fopen(json_out.c_str(), "w");
    if (f) {
      std::fprintf(f, "%s\n", text.c_str());
      std::fclose(f);
    }
  }
  std::fprintf(stderr,
               "cgw-bench-activations: %lld activated, %lld failed of %llu in %.2f s (%.0f/s); "
               "submission %.2f s; gateway CPU %.1f s (%.3f ms/activation)\n",
               static_cast<long long>(activated), static_cast<long long>(failed),
               static_cast<unsigned long long>(cfg.count), total_s,
               static_cast<double>(activated) / total_s, submit_s, gw_cpu,
               activated > 0 ? gw_cpu * 1000 / static_cast<double>(activated) : 0.0);
  if (!sh.first_error.empty()) std::fprintf(stderr, "  first error: %s\n", sh.first_error.c_str());
  return 0;
}
