// Helpers and fixtures shared by sim_kit_faults_test.cpp, sim_kit_test.cpp.
// helpers and fixtures.
#pragma once

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

namespace sim_kit {

constexpr const char* kAppId = "kit-app";
constexpr const char* kSecret = "kit-secret-0123456789";

inline std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append({d[p[i] >> 4], d[p[i] & 15]});
  return out;
}

inline std::string sign(const std::string& method, const std::string& target, const std::string& ts,
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
inline std::string make_id(const std::string& seq3) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = "11010119900101" + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

// prefix + i without `"x" + std::to_string(i)` (a GCC 12 -O3 false positive).
inline std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

inline asio::awaitable<net::Response> ready(net::Response r) {
  co_return r;
}

struct Received {
  std::string event_id, order_id, order_state;
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
    if (const auto* st = body.if_contains("orderState"); st && st->is_string())
      r.order_state = st->as_string();
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
  std::string place_order(const std::string& prefix, const std::string& pid,
                          const std::string& plan = "MB-5G-ZX-59") {
    const std::string number = idle_number(prefix);
    auto l = lock(prefix, number);
    const std::string lock_id(json::parse(l.body).at("data").at("lockId").as_string());
    auto body =
        json::object{{"partnerOrderId", pid},
                     {"number", number},
                     {"lockId", lock_id},
                     {"planCode", plan},
                     {"certName", "测试用户"},
                     {"certNo", make_id(numbered("0", 10 + order_seq_++))},
                     {"contact", json::object{{"name", ""}, {"phone", ""}, {"address", ""}}},
                     {"notifyUrl", partner_->url()}};
    auto r = signed_call("POST", "/open/v1/orders", json::serialize(body), prefix);
    if (code(r) != "0") {
      ADD_FAILURE() << "order " << pid << " refused: " << r.body;
      return "";
    }
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

inline int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

}  // namespace sim_kit
