// The simulator kit over real HTTP: the mobile simulator behind the
// NamespaceRouter (as cgw-sim serves it) in-process on 127.0.0.1, requests
// signed by the test with OpenSSL, and a small in-process partner that
// receives callbacks and checks their signatures. Covers namespaces, the
// admin clock, every fault kind and schedule, every callback chaos kind,
// the request journal and seeded determinism.
#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "cgw/sim/namespace_router.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

namespace asio = boost::asio;
namespace json = boost::json;
namespace net = cgw::net;
namespace sim = cgw::sim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAppId = "kit-app";
constexpr const char* kSecret = "kit-secret-0123456789";

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append({d[p[i] >> 4], d[p[i] & 15]});
  return out;
}

std::string sign(const std::string& method, const std::string& target, const std::string& ts,
                 const std::string& nonce, const std::string& body) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(body.data(), body.size(), md, &len, EVP_sha256(), nullptr);
  const std::string msg = method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + hex(md, len);
  HMAC(EVP_sha256(), kSecret, static_cast<int>(std::strlen(kSecret)),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return hex(md, len);
}

// A checksum-valid synthetic adult ID number (GB 11643), computed here.
std::string make_id(const std::string& seq3) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = "11010119900101" + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

// prefix + i without `"x" + std::to_string(i)` (a GCC 12 -O3 false positive).
std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

asio::awaitable<net::Response> ready(net::Response r) {
  co_return r;
}

struct Received {
  std::string event_id, order_id;
  bool signature_ok = false;
};

// The partner's callback endpoint: refuses a bad signature with 401 (as
// the gateway does) and acknowledges the rest.
class Partner {
 public:
  explicit Partner(asio::io_context& ioc)
      : server_(ioc, net::ServerOptions{},
                [this](net::Request& req, const net::Peer&) { return ready(handle(req)); }) {
    EXPECT_EQ(server_.listen(), "");
    server_.start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/cb"; }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  void drain() { server_.drain(); }

 private:
  net::Response handle(const net::Request& req) {
    Received r;
    const std::string sig = sign("POST", std::string(req.target()), std::string(req["X-Timestamp"]),
                                 std::string(req["X-Nonce"]), req.body());
    r.signature_ok = req["X-Signature"] == sig;
    auto body = json::parse(req.body()).as_object();
    r.event_id = body.at("eventId").as_string();
    r.order_id = body.at("orderId").as_string();
    std::lock_guard lock(mu_);
    received_.push_back(r);
    if (!r.signature_ok) return net::make_response(req, net::http::status::unauthorized, "{}");
    return net::make_response(req, net::http::status::ok, R"({"code":"0","message":"ok"})");
  }
  std::mutex mu_;
  std::vector<Received> received_;
  net::HttpServer server_;
};

class SimKit : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimulatorConfig c;
    c.carrier = "mobile";
    c.app_id = kAppId;
    c.secret = kSecret;
    c.seed = 7;
    c.pool_size = 300;
    c.activation_delay_ms = 60'000;
    c.faults = config_faults_;
    router_ = std::make_unique<sim::NamespaceRouter>(factory(), ioc_.get_executor(), c,
                                                     sim::RouterOptions{4});
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, router_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    router_->start();
    partner_ = std::make_unique<Partner>(ioc_);
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  void TearDown() override {
    router_->stop();
    server_->drain();
    partner_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  static sim::SimulatorFactory factory() {
    return [](asio::any_io_executor ex, const sim::SimulatorConfig& c) {
      auto s = sim::mobile::settings_from(c);
      s.tick_period = 20ms;
      return std::make_unique<sim::mobile::MobileSimulator>(ex, s);
    };
  }

  net::ClientResponse send(const std::string& method, const std::string& target,
                           const std::string& body = "", net::HeaderList headers = {},
                           std::chrono::milliseconds timeout = 5s) {
    net::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + target;
    req.body = body;
    req.headers = std::move(headers);
    req.timeout = timeout;
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }
  // A signed carrier call to `prefix + target`, signed over `target` (or
  // over the whole target as sent when `sign_as_sent`).
  net::ClientResponse signed_call(const std::string& method, const std::string& target,
                                  const std::string& body = "", const std::string& prefix = "",
                                  bool sign_as_sent = false,
                                  std::chrono::milliseconds timeout = 5s) {
    const std::string ts = std::to_string(cgw::system_now_ms() / 1000);
    const std::string nonce = numbered("kitnonce00000000", ++nonce_seq_);
    const std::string signed_target = sign_as_sent ? prefix + target : target;
    return send(method, prefix + target, body,
                {{"X-App-Id", kAppId},
                 {"X-Timestamp", ts},
                 {"X-Nonce", nonce},
                 {"X-Signature", sign(method, signed_target, ts, nonce, body)}},
                timeout);
  }
  std::string code(const net::ClientResponse& r) {
    EXPECT_TRUE(r.ok()) << r.error;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    const auto* c = !ec && v.is_object() ? v.as_object().if_contains("code") : nullptr;
    return c && c->is_string() ? std::string(c->as_string()) : "?";
  }
  json::object admin(const std::string& method, const std::string& target,
                     const json::value& body = nullptr, int expected = 200) {
    auto r = send(method, target, body.is_null() ? "" : json::serialize(body));
    EXPECT_EQ(r.status, expected) << method << " " << target << ": " << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  void make_ns(const std::string& name, json::object extra = {}) {
    extra["name"] = name;
    admin("POST", "/admin/namespaces", extra, 201);
  }
  std::string idle_number(const std::string& prefix, size_t skip = 0) {
    auto r = signed_call("GET", "/open/v1/numbers?cursor=&size=50", "", prefix);
    EXPECT_EQ(code(r), "0") << r.body;
    const json::value page = json::parse(r.body);
    for (const auto& n : page.at("data").at("numbers").as_array())
      if (n.at("state").as_string() == "idle" && skip-- == 0)
        return std::string(n.at("number").as_string());
    return "";
  }
  net::ClientResponse lock(const std::string& prefix, const std::string& number) {
    return signed_call("POST", "/open/v1/numbers/lock",
                       json::serialize(json::object{{"number", number}, {"holdMinutes", 0}}),
                       prefix);
  }
  // Locks a number and orders it; returns the order id.
  std::string place_order(const std::string& prefix, const std::string& pid) {
    const std::string number = idle_number(prefix);
    auto l = lock(prefix, number);
    const std::string lock_id(json::parse(l.body).at("data").at("lockId").as_string());
    auto body =
        json::object{{"partnerOrderId", pid},
                     {"number", number},
                     {"lockId", lock_id},
                     {"planCode", "MB-5G-ZX-59"},
                     {"certName", "测试用户"},
                     {"certNo", make_id(numbered("0", 10 + order_seq_++))},
                     {"contact", json::object{{"name", ""}, {"phone", ""}, {"address", ""}}},
                     {"notifyUrl", partner_->url()}};
    auto r = signed_call("POST", "/open/v1/orders", json::serialize(body), prefix);
    EXPECT_EQ(code(r), "0") << r.body;
    return std::string(json::parse(r.body).at("data").at("orderId").as_string());
  }
  json::object clock(const std::string& prefix, json::object cmd) {
    return admin("POST", prefix + "/admin/clock", cmd);
  }
  json::array callbacks(const std::string& prefix) {
    return admin("GET", prefix + "/admin/callbacks").at("callbacks").as_array();
  }

  asio::io_context ioc_{2};
  std::vector<sim::FaultRule> config_faults_;
  std::unique_ptr<sim::NamespaceRouter> router_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Partner> partner_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
  int nonce_seq_ = 0;
  int order_seq_ = 0;  // a new applicant per order: at most 5 lines per ID
};

int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

}  // namespace

TEST_F(SimKit, NamespacesAreIsolatedAndBounded) {
  make_ns("a", {{"seed", 7}});
  make_ns("b", {{"seed", 7}});
  admin("POST", "/admin/namespaces", json::object{{"name", "a"}}, 409);
  admin("POST", "/admin/namespaces", json::object{{"name", "a/b"}}, 400);
  admin("POST", "/admin/namespaces", json::object{{"name", "c"}, {"colour", 1}}, 400);
  make_ns("c");
  make_ns("d");
  admin("POST", "/admin/namespaces", json::object{{"name", "e"}}, 409);  // 4 at most
  EXPECT_EQ(admin("GET", "/admin/namespaces").at("namespaces").as_array().size(), 4u);

  // One seed, one pool: the same number is idle in both; a lock in one
  // does not touch the other, nor the default instance.
  const std::string number = idle_number("/ns/a");
  ASSERT_EQ(number, idle_number("/ns/b"));
  EXPECT_EQ(code(lock("/ns/a", number)), "0");
  EXPECT_EQ(code(lock("/ns/a", number)), "3002");
  EXPECT_EQ(code(lock("/ns/b", number)), "0");
  EXPECT_EQ(code(lock("", number)), "0");
  EXPECT_EQ(admin("GET", "/ns/a/admin/state").at("reservations").as_array().size(), 1u);
  EXPECT_EQ(admin("GET", "/ns/b/admin/state").at("reservations").as_array().size(), 1u);

  // Signed over the target without the prefix, or as sent (base_url with
  // the prefix, as the cgw mobile plugin signs); a bad signature still fails.
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans", "", "/ns/a", true)), "0");
  auto forged = send("GET", "/ns/a/open/v1/plans", "",
                     {{"X-App-Id", kAppId},
                      {"X-Timestamp", std::to_string(cgw::system_now_ms() / 1000)},
                      {"X-Nonce", "forgedNonce000000001"},
                      {"X-Signature", std::string(64, '0')},
                      {std::string(sim::kNamespacePrefixHeader), "/ns/x"}});
  EXPECT_EQ(code(forged), "1001");

  // Own clock: moving a's clock leaves the default one alone.
  auto moved = clock("/ns/a", {{"freeze", true}, {"advance_ms", 3'600'000}});
  EXPECT_GT(moved.at("nowMs").as_int64(), cgw::system_now_ms() + 3'500'000);
  EXPECT_LT(admin("GET", "/admin/clock").at("nowMs").as_int64(), cgw::system_now_ms() + 60'000);
  EXPECT_TRUE(admin("GET", "/ns/a/admin/clock").at("frozen").as_bool());

  admin("DELETE", "/admin/namespaces/a");
  admin("DELETE", "/admin/namespaces/a", nullptr, 404);
  EXPECT_EQ(send("GET", "/ns/a/open/v1/plans").status, 404);
  admin("GET", "/ns/b/admin/namespaces", nullptr, 404);  // no nesting
  admin("DELETE", "/admin/namespaces");
  EXPECT_EQ(router_->namespace_count(), 0u);
}

TEST_F(SimKit, ClockFreezeSetAndAdvance) {
  auto c = admin("GET", "/admin/clock");
  EXPECT_FALSE(c.at("frozen").as_bool());
  c = clock("", {{"freeze", true}});
  const int64_t t = c.at("nowMs").as_int64();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(admin("GET", "/admin/clock").at("nowMs").as_int64(), t);
  EXPECT_EQ(clock("", {{"set_ms", t + 5'000}}).at("nowMs").as_int64(), t + 5'000);
  admin("POST", "/admin/clock", json::object{{"set_ms", t}}, 400);  // the past
  admin("POST", "/admin/clock", json::object{{"set_ms", t + 9'000}, {"advance_ms", 1}}, 400);
  admin("POST", "/admin/clock", json::object{}, 400);
  EXPECT_EQ(clock("", {{"advance_ms", 1'000}}).at("nowMs").as_int64(), t + 6'000);
  c = clock("", {{"freeze", false}});
  EXPECT_FALSE(c.at("frozen").as_bool());
  EXPECT_GE(c.at("nowMs").as_int64(), t + 6'000);
  EXPECT_LT(c.at("nowMs").as_int64(), t + 7'000);
}

TEST_F(SimKit, AdvanceFiresExpiryCompletionAndRetriesInTimeOrder) {
  make_ns("t", {{"activation_delay_ms", 30'000}});
  const int64_t t0 = clock("/ns/t", {{"freeze", true}}).at("nowMs").as_int64();
  admin("POST", "/ns/t/admin/callback-chaos", json::object{{"bad_signature", {{"first", 1}}}});
  const std::string order_id = place_order("/ns/t", "P-order");  // ends at t0 + 30 s
  auto l = signed_call(
      "POST", "/open/v1/numbers/lock",
      json::serialize(json::object{{"number", idle_number("/ns/t")}, {"holdMinutes", 1}}),
      "/ns/t");  // expires at t0 + 60 s
  ASSERT_EQ(code(l), "0");
  const std::string lock_id(json::parse(l.body).at("data").at("lockId").as_string());

  auto moved = clock("/ns/t", {{"advance_ms", 120'000}});
  EXPECT_EQ(moved.at("nowMs").as_int64(), t0 + 120'000);
  std::vector<std::tuple<int64_t, std::string, std::string>> fired;
  for (const auto& f : moved.at("fired").as_array())
    fired.emplace_back(f.at("at_ms").as_int64(), f.at("kind").as_string(), f.at("id").as_string());
  const std::string event = std::string(callbacks("/ns/t").at(0).at("eventId").as_string());
  const decltype(fired) expected = {{t0 + 30'000, "order_final", order_id},
                                    {t0 + 30'000, "callback_attempt", event},  // refused
                                    {t0 + 31'000, "callback_attempt", event},  // the retry
                                    {t0 + 60'000, "lock_expired", lock_id}};
  EXPECT_EQ(fired, expected) << json::serialize(moved);
  auto got = partner_->received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[0].signature_ok);
  EXPECT_TRUE(got[1].signature_ok);
  auto attempts = callbacks("/ns/t").at(0).at("attempts").as_array();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].at("chaos").as_string(), "bad_signature");
  EXPECT_EQ(attempts[0].at("http_status").as_int64(), 401);
  EXPECT_TRUE(attempts[1].at("acknowledged").as_bool());
}

TEST_F(SimKit, EachFaultKindOverHttp) {
  const std::string plans = "/open/v1/plans";
  auto add = [&](json::object rule) {
    rule["operation"] = plans;
    rule["first"] = 1;
    admin("POST", "/admin/faults", rule, 201);
  };
  add({{"kind", "http_status"}, {"status", 503}});
  auto r = signed_call("GET", plans);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(code(signed_call("GET", plans)), "0") << "first: 1 is spent";

  add({{"kind", "business_error"}, {"code", "9999"}});
  EXPECT_EQ(code(signed_call("GET", plans)), "9999");

  add({{"kind", "latency"}, {"latency_ms", 300}});
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(code(signed_call("GET", plans)), "0");
  EXPECT_GE(ms_since(t0), 300);

  add({{"kind", "malformed"}});
  r = signed_call("GET", plans);
  EXPECT_EQ(r.status, 200);
  boost::system::error_code ec;
  json::parse(r.body, ec);
  EXPECT_TRUE(ec) << "a truncated body: " << r.body;

  // A reset or a timeout of a GET would be retried by the client (a reused
  // connection that breaks), so these use a POST.
  const std::string unlock = "/open/v1/numbers/unlock", body = R"({"number":"1","lockId":"x"})";
  auto add_post = [&](json::object rule) {
    rule["operation"] = unlock;
    rule["first"] = 1;
    admin("POST", "/admin/faults", rule, 201);
  };
  add_post({{"kind", "reset"}});
  EXPECT_FALSE(signed_call("POST", unlock, body).ok());

  add_post({{"kind", "timeout"}, {"hold_ms", 2'000}});
  t0 = std::chrono::steady_clock::now();
  r = signed_call("POST", unlock, body, "", false, 200ms);
  EXPECT_FALSE(r.ok()) << "the client gives up";
  EXPECT_LT(ms_since(t0), 1'500);
  add_post({{"kind", "timeout"}, {"hold_ms", 200}});
  t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(signed_call("POST", unlock, body).ok()) << "closed after hold_ms";
  EXPECT_GE(ms_since(t0), 200);
  EXPECT_EQ(code(signed_call("POST", unlock, body)), "3003") << "served again";

  // after_serve: the lock is taken, the reply is lost.
  const std::string number = idle_number("");
  admin("POST", "/admin/faults",
        json::object{{"operation", "/open/v1/numbers/lock"},
                     {"kind", "reset"},
                     {"after_serve", true},
                     {"first", 1}},
        201);
  EXPECT_FALSE(lock("", number).ok());
  EXPECT_EQ(admin("GET", "/admin/state").at("reservations").at(0).at("number").as_string(), number);

  // Never on /admin or /healthz; the journal names operation and fault.
  admin("POST", "/admin/faults", json::object{{"operation", "*"}, {"kind", "reset"}}, 201);
  EXPECT_EQ(send("GET", "/healthz").status, 200);
  auto journal = admin("GET", "/admin/requests?operation=/open/v1/plans&limit=100");
  std::vector<std::string> faults;
  for (const auto& e : journal.at("requests").as_array()) {
    EXPECT_EQ(e.at("operation").as_string(), plans);
    faults.emplace_back(e.at("fault").as_string());
  }
  const std::vector<std::string> want = {"http_status", "", "business_error", "latency",
                                         "malformed"};
  EXPECT_EQ(faults, want);
  std::vector<std::string> unlock_faults;
  const auto unlocks = admin("GET", "/admin/requests?operation=" + unlock);
  for (const auto& e : unlocks.at("requests").as_array())
    unlock_faults.emplace_back(e.at("fault").as_string());
  EXPECT_EQ(unlock_faults, (std::vector<std::string>{"reset", "timeout", "timeout", ""}));
  auto lock_entry = admin("GET", "/admin/requests?operation=/open/v1/numbers/lock&limit=1");
  EXPECT_TRUE(lock_entry.at("requests").at(0).at("signature_ok").as_bool());
  EXPECT_EQ(lock_entry.at("requests").at(0).at("code").as_string(), "0");
  EXPECT_EQ(lock_entry.at("requests").at(0).at("fault").as_string(), "reset");
  admin("DELETE", "/admin/faults");
  EXPECT_EQ(code(signed_call("GET", plans)), "0");
}

TEST_F(SimKit, FaultSchedulesAndSeededDeterminism) {
  const std::string plans = "/open/v1/plans";
  auto pattern = [&](const std::string& prefix, int calls) {
    std::string out;
    for (int i = 0; i < calls; ++i)
      out += signed_call("GET", plans, "", prefix).status == 503 ? 'F' : '.';
    return out;
  };
  auto rule = [&](json::object schedule) {
    schedule["operation"] = plans;
    schedule["kind"] = "http_status";
    schedule["status"] = 503;
    return schedule;
  };
  admin("POST", "/admin/faults", rule({{"every", 3}}), 201);
  EXPECT_EQ(pattern("", 7), "..F..F.");
  admin("DELETE", "/admin/faults/f1");
  admin("POST", "/admin/faults", rule({{"first", 2}}), 201);
  EXPECT_EQ(pattern("", 4), "FF..");
  admin("DELETE", "/admin/faults");

  // A window of simulated time [from, to).
  const int64_t t = clock("", {{"freeze", true}}).at("nowMs").as_int64();
  admin("POST", "/admin/faults", rule({{"from_ms", t + 1'000}, {"to_ms", t + 2'000}}), 201);
  EXPECT_EQ(pattern("", 1), ".");
  clock("", {{"advance_ms", 1'000}});
  EXPECT_EQ(pattern("", 1), "F");
  clock("", {{"advance_ms", 1'000}});
  EXPECT_EQ(pattern("", 1), ".");

  // A probability draws from the simulator's seed: same seed, same faults.
  const auto half = rule({{"probability", 0.5}});
  make_ns("s1", {{"seed", 11}, {"faults", json::array{half}}});
  make_ns("s2", {{"seed", 11}, {"faults", json::array{half}}});
  make_ns("s3", {{"seed", 12}, {"faults", json::array{half}}});
  const std::string p1 = pattern("/ns/s1", 24);
  EXPECT_EQ(p1, pattern("/ns/s2", 24));
  EXPECT_NE(p1, pattern("/ns/s3", 24));
  EXPECT_NE(p1.find('F'), std::string::npos);
  EXPECT_NE(p1.find('.'), std::string::npos);
  auto listed = admin("GET", "/ns/s1/admin/faults").at("faults").at(0);
  EXPECT_EQ(listed.at("seen").as_int64(), 24);
  EXPECT_EQ(listed.at("fired").as_int64(), std::count(p1.begin(), p1.end(), 'F'));
}

TEST_F(SimKit, CallbackChaosDuplicateDelayAndDrop) {
  make_ns("c", {{"activation_delay_ms", 1'000},
                {"callback_chaos",
                 {{"duplicate", {{"first", 1}}},
                  {"drop", {{"every", 2}}},
                  {"delay", {{"ms", 5'000}, {"every", 3}}}}}});
  const int64_t t0 = clock("/ns/c", {{"freeze", true}}).at("nowMs").as_int64();
  // 100 ms apart, so that they end (and call back) in this order.
  const std::string o1 = place_order("/ns/c", "P-1");
  clock("/ns/c", {{"advance_ms", 100}});
  const std::string o2 = place_order("/ns/c", "P-2");
  clock("/ns/c", {{"advance_ms", 100}});
  const std::string o3 = place_order("/ns/c", "P-3");
  clock("/ns/c", {{"advance_ms", 2'000}});
  auto got = partner_->received();
  ASSERT_EQ(got.size(), 2u) << "#1 twice, #2 dropped, #3 delayed";
  EXPECT_EQ(got[0].order_id, o1);
  EXPECT_EQ(got[1].event_id, got[0].event_id) << "the same event twice";
  clock("/ns/c", {{"advance_ms", 120'000}});
  got = partner_->received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].order_id, o3);

  auto cbs = callbacks("/ns/c");
  ASSERT_EQ(cbs.size(), 3u);
  EXPECT_EQ(cbs[0].at("attempts").as_array().size(), 2u);
  EXPECT_EQ(cbs[0].at("attempts").at(1).at("chaos").as_string(), "duplicate");
  EXPECT_TRUE(cbs[1].at("dropped").as_bool());
  EXPECT_FALSE(cbs[1].at("acknowledged").as_bool());
  EXPECT_TRUE(cbs[1].at("attempts").as_array().empty()) << "no retries";
  EXPECT_EQ(cbs[1].at("orderId").as_string(), o2);
  EXPECT_EQ(cbs[2].at("attempts").at(0).at("at_ms").as_int64(), t0 + 1'200 + 5'000);
  EXPECT_TRUE(cbs[2].at("acknowledged").as_bool());
}

TEST_F(SimKit, CallbackChaosReorderAndDeterminism) {
  make_ns("r", {{"activation_delay_ms", 1'000}, {"callback_chaos", {{"reorder", {{"first", 1}}}}}});
  clock("/ns/r", {{"freeze", true}});
  const std::string o1 = place_order("/ns/r", "P-1");  // ends first, held back
  clock("/ns/r", {{"advance_ms", 500}});
  const std::string o2 = place_order("/ns/r", "P-2");
  clock("/ns/r", {{"advance_ms", 5'000}});
  auto got = partner_->received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].order_id, o2);
  EXPECT_EQ(got[1].order_id, o1);

  // Seeded chaos: the same seed drops the same callbacks.
  auto dropped = [&](const std::string& name, int seed) {
    make_ns(name, {{"seed", seed},
                   {"activation_delay_ms", 1'000},
                   {"callback_chaos", {{"drop", {{"probability", 0.5}}}}}});
    const std::string prefix = "/ns/" + name;
    clock(prefix, {{"freeze", true}});
    for (int i = 0; i < 8; ++i) place_order(prefix, numbered("P-d", i));
    clock(prefix, {{"advance_ms", 2'000}});
    std::string out;
    for (const auto& c : callbacks(prefix)) out += c.at("dropped").as_bool() ? 'D' : '.';
    return out;
  };
  admin("DELETE", "/admin/namespaces/r");
  const std::string d1 = dropped("d1", 5);
  EXPECT_EQ(d1.size(), 8u);
  EXPECT_EQ(d1, dropped("d2", 5));
  EXPECT_NE(d1.find('D'), std::string::npos);
  EXPECT_NE(d1.find('.'), std::string::npos);
}

class SimKitConfigured : public SimKit {
 protected:
  void SetUp() override {
    sim::FaultRule r;
    r.operation = "/open/v1/plans";
    r.kind = sim::FaultKind::kBusinessError;
    r.code = "9999";
    r.schedule.first = 1;
    config_faults_ = {r};
    SimKit::SetUp();
  }
};

TEST_F(SimKitConfigured, FaultsFromTheConfigApplyToTheDefaultNamespaceOnly) {
  make_ns("fresh");
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans", "", "/ns/fresh")), "0");
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans")), "9999");
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans")), "0");
  auto rules = admin("GET", "/admin/faults").at("faults").as_array();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].at("fired").as_int64(), 1);
}
