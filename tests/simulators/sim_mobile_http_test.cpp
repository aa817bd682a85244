// The mobile simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port) and the test signs requests itself with
// OpenSSL, independently of the simulator's code. A second in-process
// server plays the partner's callback endpoint.
#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
namespace net = cgw::net;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAppId = "test-mobile-app";
constexpr const char* kSecret = "test-secret-0123456789";

// ---- independent signing (OpenSSL directly) ----------------------------

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

std::string hmac_hex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return hex(md, len);
}

std::string sign(const std::string& secret, const std::string& method, const std::string& target,
                 const std::string& ts, const std::string& nonce, const std::string& body) {
  return hmac_hex(secret,
                  method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body));
}

// A checksum-valid synthetic ID number (GB 11643), computed here.
std::string make_id(const std::string& birth8, const std::string& seq3,
                    const std::string& addr = "110101") {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = addr + birth8 + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

asio::awaitable<net::Response> ready(net::Response r) {
  co_return r;
}

struct Received {
  std::string target, body;
  bool signature_ok = false;
};

// The partner's callback endpoint: checks the signature, answers the ack
// (or 500 for the first `fail_first` deliveries).
class Partner {
 public:
  explicit Partner(asio::io_context& ioc)
      : server_(ioc, net::ServerOptions{},
                [this](net::Request& req, const net::Peer&) { return ready(handle(req)); }) {
    EXPECT_EQ(server_.listen(), "");
    server_.start();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + "/cb/mobile?src=sim";
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  void drain() { server_.drain(); }
  std::atomic<int> fail_first{0};

 private:
  net::Response handle(const net::Request& req) {
    Received r;
    r.target = req.target();
    r.body = req.body();
    const std::string sig = sign(kSecret, "POST", r.target, std::string(req["X-Timestamp"]),
                                 std::string(req["X-Nonce"]), r.body);
    r.signature_ok = req["X-Signature"] == sig && req["X-App-Id"] == kAppId;
    {
      std::lock_guard lock(mu_);
      received_.push_back(r);
    }
    if (fail_first.fetch_sub(1) > 0)
      return net::make_response(req, net::http::status::internal_server_error, "{}");
    return net::make_response(req, net::http::status::ok, R"({"code":"0","message":"success"})");
  }
  std::mutex mu_;
  std::vector<Received> received_;
  net::HttpServer server_;
};

struct Signing {
  std::optional<int64_t> ts;         // default: now
  std::optional<std::string> nonce;  // default: fresh
  std::string secret = kSecret;
  std::string app_id = kAppId;
};
Signing with_secret(std::string v) {
  Signing s;
  s.secret = std::move(v);
  return s;
}
Signing with_app(std::string v) {
  Signing s;
  s.app_id = std::move(v);
  return s;
}
Signing at(int64_t ts) {
  Signing s;
  s.ts = ts;
  return s;
}
Signing with_nonce(std::string v) {
  Signing s;
  s.nonce = std::move(v);
  return s;
}
// prefix + i without `"x" + std::to_string(i)` (a GCC 12 -O3 false positive).
std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

class MobileHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    cgw::sim::mobile::MobileSettings s;
    s.app_id = kAppId;
    s.secret = kSecret;
    s.seed = 7;
    s.pool_size = 2000;
    s.activation_delay_ms = 60'000;  // orders end only when the test advances the clock
    s.tick_period = 20ms;
    sim_ = std::make_unique<cgw::sim::mobile::MobileSimulator>(ioc_.get_executor(), s);
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, sim_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    sim_->start();
    partner_ = std::make_unique<Partner>(ioc_);
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    sim_->stop();
    server_->drain();
    partner_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    client_.reset();
    partner_.reset();
    server_.reset();
    sim_.reset();
  }

  net::ClientResponse raw(const std::string& method, const std::string& target,
                          const std::string& body, net::HeaderList headers) {
    net::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + target;
    req.body = body;
    req.headers = std::move(headers);
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }

  // A signed /open/ call; returns the reply envelope.
  json::object call(const std::string& method, const std::string& target,
                    const std::string& body = "", const Signing& s = {}) {
    const std::string ts = std::to_string(s.ts.value_or(cgw::system_now_ms() / 1000));
    const std::string nonce = s.nonce.value_or(numbered("abcdefghijklmnop", ++nonce_seq_));
    auto res = raw(method, target, body,
                   {{"X-App-Id", s.app_id},
                    {"X-Timestamp", ts},
                    {"X-Nonce", nonce},
                    {"X-Signature", sign(s.secret, method, target, ts, nonce, body)}});
    EXPECT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 200) << res.body;
    auto v = json::parse(res.body);
    return v.as_object();
  }
  static std::string code(const json::object& o) { return std::string(o.at("code").as_string()); }

  json::object admin(const std::string& method, const std::string& target,
                     const std::string& body = "") {
    auto res = raw(method, target, body, {});
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  }
  void advance(int64_t ms) {
    admin("POST", "/admin/clock", json::serialize(json::object{{"advance_ms", ms}}));
  }

  std::vector<std::string> idle_numbers(size_t n) {
    const auto page = call("GET", "/open/v1/numbers?cursor=&size=200");
    std::vector<std::string> out;
    for (const auto& v : page.at("data").at("numbers").as_array())
      if (v.at("state").as_string() == "idle" && out.size() < n)
        out.emplace_back(v.at("number").as_string());
    return out;
  }
  std::string lock(const std::string& number, int minutes = 0) {
    auto r = call("POST", "/open/v1/numbers/lock",
                  json::serialize(json::object{{"number", number}, {"holdMinutes", minutes}}));
    EXPECT_EQ(code(r), "0") << json::serialize(r);
    return r.contains("data") ? std::string(r.at("data").at("lockId").as_string()) : "";
  }
  std::string order_body(const std::string& pid, const std::string& number,
                         const std::string& lock_id, const std::string& cert_no,
                         const std::string& plan = "MB-5G-ZX-59") {
    return json::serialize(json::object{{"partnerOrderId", pid},
                                        {"number", number},
                                        {"lockId", lock_id},
                                        {"planCode", plan},
                                        {"certName", "测试用户"},
                                        {"certNo", cert_no},
                                        {"contact", json::object{{"name", "测试用户"},
                                                                 {"phone", "13900000000"},
                                                                 {"address", "北京市测试路1号"}}},
                                        {"notifyUrl", partner_->url()}});
  }
  json::object verify(const std::string& cert_no, const std::string& name = "测试用户") {
    return call("POST", "/open/v1/realname/verify",
                json::serialize(json::object{{"certName", name}, {"certNo", cert_no}}));
  }
  std::vector<Received> wait_callbacks(size_t n) {
    for (int i = 0; i < 250; ++i) {
      auto r = partner_->received();
      if (r.size() >= n) return r;
      std::this_thread::sleep_for(20ms);
    }
    return partner_->received();
  }
  json::object order_state(const std::string& pid) {
    const auto state = admin("GET", "/admin/state");  // outlives the loop
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == pid) return o.as_object();
    return {};
  }

  asio::io_context ioc_{2};
  std::unique_ptr<cgw::sim::mobile::MobileSimulator> sim_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Partner> partner_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
  int nonce_seq_ = 0;
};

}  // namespace

TEST_F(MobileHttp, SignedRequestListsPlansWithFreeTestPlans) {
  auto r = call("GET", "/open/v1/plans");
  ASSERT_EQ(code(r), "0");
  EXPECT_EQ(r.at("message").as_string(), "ok");
  auto plans = r.at("data").at("plans").as_array();
  int real = 0, test = 0;
  for (const auto& p : plans) {
    ASSERT_TRUE(p.at("monthlyFee").is_int64());
    const bool is_test = std::string(p.at("planCode").as_string()).starts_with("SIM-");
    (is_test ? test : real) += 1;
    if (is_test)
      EXPECT_EQ(p.at("monthlyFee").as_int64(), 0);
    else
      EXPECT_GT(p.at("monthlyFee").as_int64(), 0);
  }
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);
}

TEST_F(MobileHttp, AuthenticationErrors) {
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_secret("wrong-secret"))), "1001");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_app("someone-else"))), "1004");
  const int64_t now = cgw::system_now_ms() / 1000;
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", at(now - 301))), "1002");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", at(now + 400))), "1002");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", at(now - 200))), "0");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_nonce("short"))), "1001");
  // Unsigned.
  auto res = raw("GET", "/open/v1/plans", "", {});
  EXPECT_EQ(json::parse(res.body).at("code").as_string(), "1004");
  // The error envelope has no data.
  EXPECT_FALSE(call("GET", "/open/v1/plans", "", with_secret("x")).contains("data"));
}

TEST_F(MobileHttp, ReplayedNonceIsRefused) {
  const Signing s = with_nonce("replayReplay0123456789");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", s)), "0");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", s)), "1003");
  // A forged request does not burn a nonce.
  Signing forged = with_nonce("forgedForged0123456789");
  forged.secret = "bad";
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", forged)), "1001");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_nonce("forgedForged0123456789"))), "0");
  // The journal shows what came in, and no bodies.
  auto j = admin("GET", "/admin/requests?limit=3").at("requests").as_array();
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[1].at("code").as_string(), "1001");
  EXPECT_FALSE(j[1].at("signature_ok").as_bool());
  EXPECT_TRUE(j[2].at("signature_ok").as_bool());
  EXPECT_EQ(j[2].at("target").as_string(), "/open/v1/plans");
}

TEST_F(MobileHttp, InventoryPagingIsStableAndValidated) {
  std::vector<std::string> all;
  std::string cursor;
  for (int i = 0; i < 100; ++i) {
    auto r = call("GET", "/open/v1/numbers?cursor=" + cursor + "&size=300");
    ASSERT_EQ(code(r), "0");
    const auto& d = r.at("data").as_object();
    for (const auto& n : d.at("numbers").as_array()) {
      all.emplace_back(n.at("number").as_string());
      EXPECT_FALSE(n.at("province").as_string().empty());
      EXPECT_LE(n.at("level").to_number<int>(), 10);
    }
    if (!d.at("hasMore").as_bool()) {
      EXPECT_EQ(d.at("nextCursor").as_string(), "");
      break;
    }
    cursor = d.at("nextCursor").as_string();
  }
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(code(call("GET", "/open/v1/numbers?cursor=&size=0")), "2001");
  EXPECT_EQ(code(call("GET", "/open/v1/numbers?cursor=&size=5001")), "2001");
  EXPECT_EQ(code(call("GET", "/open/v1/numbers?cursor=abc&size=10")), "2001");
}

TEST_F(MobileHttp, ListingCarriesChangeSeqAndTotalAndTakesPagesOf5000) {
  auto r = call("GET", "/open/v1/numbers?cursor=&size=5000");
  ASSERT_EQ(code(r), "0");
  const auto& d = r.at("data").as_object();
  EXPECT_EQ(d.at("numbers").as_array().size(), 2000u);
  EXPECT_FALSE(d.at("hasMore").as_bool());
  EXPECT_EQ(d.at("total").to_number<int64_t>(), 2000);
  EXPECT_EQ(d.at("changeSeq").to_number<int64_t>(), 0) << "nothing changed yet";
}

TEST_F(MobileHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto numbers = idle_numbers(3);
  const auto seq_of = [](const json::object& r) {
    return r.at("data").at("changeSeq").to_number<int64_t>();
  };
  const int64_t start = seq_of(call("GET", "/open/v1/numbers?cursor=&size=1"));
  const auto lock_a = lock(numbers[0]);
  lock(numbers[1]);
  ASSERT_EQ(code(call("POST", "/open/v1/numbers/unlock",
                      json::serialize(json::object{{"number", numbers[0]}, {"lockId", lock_a}}))),
            "0");
  auto sold = admin("POST", "/admin/numbers/" + numbers[2] + "/sell");
  EXPECT_EQ(sold.at("state").as_string(), "sold");

  auto feed = [&](int64_t since, int size) {
    auto r = call("GET", "/open/v1/numbers?changedSince=" + std::to_string(since) +
                             "&size=" + std::to_string(size));
    EXPECT_EQ(code(r), "0") << json::serialize(r);
    return r;
  };
  auto states = [](const json::object& r) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& n : r.at("data").at("numbers").as_array())
      out.emplace_back(n.at("number").as_string(), n.at("state").as_string());
    return out;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  // Lock, lock, unlock, sell: three numbers, each once, as they are now.
  auto all = feed(start, 100);
  EXPECT_EQ(states(all),
            (Changes{{numbers[0], "idle"}, {numbers[1], "locked"}, {numbers[2], "sold"}}));
  EXPECT_EQ(seq_of(all), start + 4);
  EXPECT_FALSE(all.at("data").at("hasMore").as_bool());
  EXPECT_EQ(all.at("data").at("nextCursor").as_string(), "");
  EXPECT_EQ(all.at("data").at("total").to_number<int64_t>(), 2000);
  // The listing is at the same position now; nothing changed after it.
  EXPECT_EQ(seq_of(call("GET", "/open/v1/numbers?cursor=&size=1")), start + 4);
  auto none = feed(start + 4, 100);
  EXPECT_TRUE(states(none).empty());
  EXPECT_EQ(seq_of(none), start + 4);
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{numbers[0], "idle"}, {numbers[1], "locked"}}));
  EXPECT_TRUE(p1.at("data").at("hasMore").as_bool());
  auto p2 = feed(seq_of(p1), 2);
  EXPECT_EQ(states(p2), (Changes{{numbers[0], "idle"}, {numbers[2], "sold"}}));
  EXPECT_FALSE(p2.at("data").at("hasMore").as_bool());
  EXPECT_EQ(seq_of(p2), start + 4);
  // A number sold elsewhere cannot be locked.
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock",
                      json::serialize(json::object{{"number", numbers[2]}, {"holdMinutes", 0}}))),
            "3002");
  // Strict positions: digits only, not ahead of the log, not with a cursor.
  for (const std::string& q : std::vector<std::string>{
           "changedSince=", "changedSince=-1", "changedSince=1x", "changedSince=%2B1",
           "changedSince=" + std::to_string(start + 5), "changedSince=99999999999999999999999",
           "changedSince=0&cursor=" + numbers[0], "changedSince=0&size=5001"})
    EXPECT_EQ(code(call("GET", "/open/v1/numbers?" + q)), "2001") << q;
}

TEST_F(MobileHttp, AdminSellRefusesWhatIsNotIdle) {
  const auto numbers = idle_numbers(2);
  auto post = [&](const std::string& target, const std::string& method = "POST") {
    return raw(method, target, "", {}).status;
  };
  EXPECT_EQ(post("/admin/numbers/" + numbers[0] + "/sell"), 200);
  EXPECT_EQ(post("/admin/numbers/" + numbers[0] + "/sell"), 409) << "sold already";
  lock(numbers[1]);
  EXPECT_EQ(post("/admin/numbers/" + numbers[1] + "/sell"), 409) << "locked";
  EXPECT_EQ(post("/admin/numbers/13000000000/sell"), 404);
  EXPECT_EQ(post("/admin/numbers/1300000000x/sell"), 400);
  EXPECT_EQ(post("/admin/numbers/sell"), 400);
  EXPECT_EQ(post("/admin/numbers/" + numbers[0] + "/sell", "GET"), 405);
  auto page = call("GET", "/open/v1/numbers?cursor=&size=200");
  for (const auto& n : page.at("data").at("numbers").as_array())
    if (n.at("number").as_string() == numbers[0]) {
      EXPECT_EQ(n.at("state").as_string(), "sold");
    }
}

TEST_F(MobileHttp, LockTwiceUnlockAndStates) {
  auto numbers = idle_numbers(2);
  const auto lock_id = lock(numbers[0]);
  auto again = call("POST", "/open/v1/numbers/lock",
                    json::serialize(json::object{{"number", numbers[0]}, {"holdMinutes", 0}}));
  EXPECT_EQ(code(again), "3002");
  EXPECT_EQ(
      code(call("POST", "/open/v1/numbers/lock", R"({"number":"13000000000","holdMinutes":0})")),
      "3001");
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock", R"({"number":"12","holdMinutes":0})")),
            "2001");
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock", "not json")), "2001");

  auto page = call("GET", "/open/v1/numbers?cursor=&size=1000");
  for (const auto& n : page.at("data").at("numbers").as_array())
    if (n.at("number").as_string() == numbers[0]) {
      EXPECT_EQ(n.at("state").as_string(), "locked");
    }

  auto unlock = [&](const std::string& number, const std::string& id) {
    return code(call("POST", "/open/v1/numbers/unlock",
                     json::serialize(json::object{{"number", number}, {"lockId", id}})));
  };
  EXPECT_EQ(unlock(numbers[1], lock_id), "5002");
  EXPECT_EQ(unlock(numbers[0], "LKNOPE"), "3003");
  EXPECT_EQ(unlock(numbers[0], lock_id), "0");
  EXPECT_EQ(unlock(numbers[0], lock_id), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty());
}

TEST_F(MobileHttp, LockExpiresWhenTheClockAdvances) {
  auto numbers = idle_numbers(1);
  const int64_t before = cgw::system_now_ms();
  auto r = call("POST", "/open/v1/numbers/lock",
                json::serialize(json::object{{"number", numbers[0]}, {"holdMinutes", 0}}));
  ASSERT_EQ(code(r), "0");
  const int64_t expire = r.at("data").at("expireTime").to_number<int64_t>();
  EXPECT_NEAR(static_cast<double>(expire - before), 1800e3, 5e3) << "default hold is 30 minutes";
  const std::string lock_id(r.at("data").at("lockId").as_string());

  advance(30 * 60 * 1000 + 1000);
  auto state = admin("GET", "/admin/state");
  EXPECT_EQ(state.at("reservations").at(0).at("state").as_string(), "EXPIRED");
  // Requests signed with the real clock still pass after the advance.
  auto o = call("POST", "/open/v1/orders",
                order_body("P-exp", numbers[0], lock_id, make_id("19900101", "001")));
  EXPECT_EQ(code(o), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty()) << "an expired lock frees the number";
}

TEST_F(MobileHttp, OrderDedupeActivationAndSignedCallback) {
  auto numbers = idle_numbers(1);
  const auto lock_id = lock(numbers[0]);
  const auto id = make_id("19900101", "901");
  const auto body = order_body("P-1", numbers[0], lock_id, id);
  auto first = call("POST", "/open/v1/orders", body);
  ASSERT_EQ(code(first), "0") << json::serialize(first);
  EXPECT_EQ(first.at("data").at("orderState").as_string(), "PROCESSING");
  const std::string order_id(first.at("data").at("orderId").as_string());
  auto second = call("POST", "/open/v1/orders", body);
  ASSERT_EQ(code(second), "0");
  EXPECT_EQ(second.at("data").at("orderId").as_string(), order_id);
  EXPECT_EQ(order_state("P-1").at("submitCount").to_number<int>(), 2);
  EXPECT_EQ(admin("GET", "/admin/state").at("orders").as_array().size(), 1u);

  auto q = call("GET", "/open/v1/orders/query?partnerOrderId=P-1");
  EXPECT_EQ(q.at("data").at("orderState").as_string(), "PROCESSING");
  EXPECT_TRUE(partner_->received().empty());

  advance(60'000);
  q = call("GET", "/open/v1/orders/query?orderId=" + order_id);
  ASSERT_EQ(code(q), "0");
  EXPECT_EQ(q.at("data").at("orderState").as_string(), "SUCCESS");
  EXPECT_EQ(q.at("data").at("failReason").as_string(), "");
  EXPECT_EQ(q.at("data").at("partnerOrderId").as_string(), "P-1");

  auto cbs = wait_callbacks(1);
  ASSERT_EQ(cbs.size(), 1u);
  EXPECT_TRUE(cbs[0].signature_ok);
  EXPECT_EQ(cbs[0].target, "/cb/mobile?src=sim");
  auto ev = json::parse(cbs[0].body).as_object();
  EXPECT_TRUE(std::string(ev.at("eventId").as_string()).starts_with("E"));
  EXPECT_EQ(ev.at("orderId").as_string(), order_id);
  EXPECT_EQ(ev.at("partnerOrderId").as_string(), "P-1");
  EXPECT_EQ(ev.at("orderState").as_string(), "SUCCESS");
  EXPECT_TRUE(ev.at("eventTime").is_int64());

  // Sold: cannot be locked again; admin output carries no PII.
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock",
                      json::serialize(json::object{{"number", numbers[0]}, {"holdMinutes", 0}}))),
            "3002");
  for (int i = 0; i < 50 && !order_state("P-1").empty(); ++i) {
    auto cb = admin("GET", "/admin/state").at("callbacks").as_array();
    if (!cb.empty() && cb[0].at("acknowledged").as_bool()) break;
    std::this_thread::sleep_for(20ms);
  }
  auto state = json::serialize(admin("GET", "/admin/state"));
  EXPECT_NE(state.find("\"acknowledged\":true"), std::string::npos) << state;
  EXPECT_EQ(state.find(id), std::string::npos);
  EXPECT_EQ(state.find("测试用户"), std::string::npos);
  EXPECT_EQ(json::serialize(admin("GET", "/admin/requests?limit=100")).find(id), std::string::npos);
  EXPECT_EQ(code(call("GET", "/open/v1/orders/query?orderId=MO404")), "5001");
  EXPECT_EQ(code(call("GET", "/open/v1/orders/query")), "2001");
}

TEST_F(MobileHttp, OrderChecksLockPlanAndApplicant) {
  auto numbers = idle_numbers(2);
  const auto lock_a = lock(numbers[0]);
  const auto adult = make_id("19900101", "002");
  auto submit = [&](const std::string& pid, const std::string& number, const std::string& lock_id,
                    const std::string& id, const std::string& plan = "MB-5G-ZX-59") {
    return code(call("POST", "/open/v1/orders", order_body(pid, number, lock_id, id, plan)));
  };
  EXPECT_EQ(submit("P-a", numbers[0], "LKNOPE", adult), "3003");
  EXPECT_EQ(submit("P-b", numbers[1], lock_a, adult), "5002");
  EXPECT_EQ(submit("P-c", numbers[0], lock_a, adult, "NO-SUCH-PLAN"), "3004");
  EXPECT_EQ(submit("P-d", numbers[0], lock_a, make_id("19900101", "971")), "4008");
  EXPECT_EQ(submit("P-e", numbers[0], lock_a, make_id("19900101", "991")), "9999");
  auto bad = adult;
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(submit("P-f", numbers[0], lock_a, bad), "4001");
  EXPECT_EQ(code(call("POST", "/open/v1/orders", R"({"partnerOrderId":"P-g"})")), "2001");
  EXPECT_TRUE(admin("GET", "/admin/state").at("orders").as_array().empty());
  // The lock survived the refusals.
  EXPECT_EQ(submit("P-h", numbers[0], lock_a, adult), "0");
}

TEST_F(MobileHttp, KycMagicOutcomes) {
  struct Case {
    const char* seq;
    const char* result;
    const char* reason;
  };
  const Case cases[] = {{"901", "PASS", ""},       {"911", "REJECT", "4002"},
                        {"921", "REJECT", "4003"}, {"931", "REJECT", "4009"},
                        {"941", "REJECT", "4006"}, {"951", "REJECT", "4007"},
                        {"962", "REJECT", "4005"}, {"972", "REJECT", "4008"},
                        {"982", "REVIEW", ""},     {"123", "PASS", ""}};
  for (const auto& c : cases) {
    auto r = verify(make_id("19900101", c.seq));
    ASSERT_EQ(code(r), "0") << c.seq;
    EXPECT_EQ(r.at("data").at("verifyResult").as_string(), c.result) << c.seq;
    EXPECT_EQ(r.at("data").at("reasonCode").as_string(), c.reason) << c.seq;
    EXPECT_TRUE(std::string(r.at("data").at("verifyId").as_string()).starts_with("VF"));
  }
  EXPECT_EQ(code(verify(make_id("19900101", "991"))), "9999");
  EXPECT_EQ(
      verify(make_id("19900101", "002"), "任意名字").at("data").at("verifyResult").as_string(),
      "PASS");
  auto bad = make_id("19900101", "002");
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(verify(bad).at("data").at("reasonCode").as_string(), "4001");
  EXPECT_EQ(code(verify("")), "2001");
}

TEST_F(MobileHttp, AgeIsCheckedAgainstTheSimulatedClock) {
  const auto today = cgw::id::beijing_date(cgw::system_now_ms());
  const auto id = make_id(std::to_string(today.year - 15) + "0101", "003");  // 15 years old
  auto r = verify(id);
  EXPECT_EQ(r.at("data").at("reasonCode").as_string(), "4004");
  advance(366LL * 86'400'000);
  r = verify(id);
  EXPECT_EQ(r.at("data").at("verifyResult").as_string(), "PASS");
}

TEST_F(MobileHttp, MagicPlans) {
  auto numbers = idle_numbers(3);
  const auto id = make_id("19850505", "004");
  const std::pair<const char*, const char*> plans[] = {
      {"P-rej", "SIM-REJECT"}, {"P-stuck", "SIM-STUCK"}, {"P-nocb", "SIM-NOCALLBACK"}};
  for (size_t i = 0; i < 3; ++i)
    ASSERT_EQ(
        code(call("POST", "/open/v1/orders",
                  order_body(plans[i].first, numbers[i], lock(numbers[i]), id, plans[i].second))),
        "0");
  advance(24LL * 3'600'000);
  EXPECT_EQ(order_state("P-rej").at("state").as_string(), "FAILED");
  EXPECT_EQ(order_state("P-rej").at("failReason").as_string(), "4008");
  EXPECT_EQ(order_state("P-stuck").at("state").as_string(), "PROCESSING");
  EXPECT_EQ(order_state("P-nocb").at("state").as_string(), "SUCCESS");
  auto cbs = wait_callbacks(1);
  std::this_thread::sleep_for(200ms);  // a wrong second callback would show by now
  cbs = partner_->received();
  ASSERT_EQ(cbs.size(), 1u);
  auto ev = json::parse(cbs[0].body);
  EXPECT_EQ(ev.at("partnerOrderId").as_string(), "P-rej");
  EXPECT_EQ(ev.at("orderState").as_string(), "FAILED");
  EXPECT_EQ(ev.at("failReason").as_string(), "4008");
  // The failed order gave its number back.
  EXPECT_FALSE(lock(numbers[0]).empty());
}

TEST_F(MobileHttp, CallbackIsRetriedWithBackoffUntilAcknowledged) {
  partner_->fail_first = 2;
  auto numbers = idle_numbers(1);
  ASSERT_EQ(
      code(call("POST", "/open/v1/orders",
                order_body("P-retry", numbers[0], lock(numbers[0]), make_id("19900101", "005")))),
      "0");
  advance(60'000);
  ASSERT_EQ(wait_callbacks(1).size(), 1u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(partner_->received().size(), 1u) << "the next attempt waits 1 s";
  advance(1'000);
  ASSERT_EQ(wait_callbacks(2).size(), 2u);
  advance(2'000);
  auto cbs = wait_callbacks(3);
  ASSERT_EQ(cbs.size(), 3u);
  EXPECT_EQ(cbs[0].body, cbs[2].body) << "the same event, the same eventId";
  for (int i = 0; i < 50; ++i) {
    auto cb = admin("GET", "/admin/state").at("callbacks").at(0);
    if (cb.at("acknowledged").as_bool()) {
      EXPECT_EQ(cb.at("attempts").to_number<int>(), 3);
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "callback never acknowledged";
}

TEST_F(MobileHttp, AtMostFiveLinesPerIdNumber) {
  auto numbers = idle_numbers(6);
  const auto id = make_id("19880808", "006");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(code(call("POST", "/open/v1/orders",
                        order_body(numbered("P-q", i), numbers[i], lock(numbers[i]), id))),
              "0");
  // In-flight orders count: a sixth is refused before any activation.
  EXPECT_EQ(
      code(call("POST", "/open/v1/orders", order_body("P-q5", numbers[5], lock(numbers[5]), id))),
      "4005");
  advance(60'000);
  auto r = verify(id);
  EXPECT_EQ(r.at("data").at("verifyResult").as_string(), "REJECT");
  EXPECT_EQ(r.at("data").at("reasonCode").as_string(), "4005");
  EXPECT_EQ(verify(make_id("19880808", "008")).at("data").at("verifyResult").as_string(), "PASS");
}

TEST_F(MobileHttp, UnknownEndpointsAndAdminErrors) {
  auto r = raw("GET", "/open/v1/nothing", "", {});
  EXPECT_EQ(r.status, 200) << "auth comes first";
  const std::string ts = std::to_string(cgw::system_now_ms() / 1000), nonce = "unknownEndpoint0001";
  r = raw("GET", "/open/v1/nothing", "",
          {{"X-App-Id", kAppId},
           {"X-Timestamp", ts},
           {"X-Nonce", nonce},
           {"X-Signature", sign(kSecret, "GET", "/open/v1/nothing", ts, nonce, "")}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(raw("POST", "/admin/clock", R"({"advance_ms":-1})", {}).status, 400);
  EXPECT_EQ(raw("DELETE", "/admin/clock", "", {}).status, 405);
  EXPECT_EQ(raw("GET", "/admin/requests?limit=0", "", {}).status, 400);
  EXPECT_EQ(raw("GET", "/nowhere", "", {}).status, 404);
  EXPECT_EQ(raw("GET", "/healthz", "", {}).status, 200);
}
