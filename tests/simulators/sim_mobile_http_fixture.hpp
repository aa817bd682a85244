// Helpers and fixtures shared by sim_mobile_http_orders_test.cpp,
// sim_mobile_http_test.cpp.
// sim_mobile_http_orders_test.cpp): helpers and fixtures.
#pragma once

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

namespace mobile_http {

constexpr const char* kAppId = "test-mobile-app";
constexpr const char* kSecret = "test-secret-0123456789";

// ---- independent signing (OpenSSL directly) ----------------------------

inline std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(d[p[i] >> 4]);
    out.push_back(d[p[i] & 15]);
  }
  return out;
}

inline std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

inline std::string hmac_hex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return hex(md, len);
}

inline std::string sign(const std::string& secret, const std::string& method,
                        const std::string& target, const std::string& ts, const std::string& nonce,
                        const std::string& body) {
  return hmac_hex(secret,
                  method + "\n" + target + "\n" + ts + "\n" + nonce + "\n" + sha256_hex(body));
}

// A checksum-valid synthetic ID number (GB 11643), computed here.
inline std::string make_id(const std::string& birth8, const std::string& seq3,
                           const std::string& addr = "110101") {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = addr + birth8 + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

inline asio::awaitable<net::Response> ready(net::Response r) {
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
inline Signing with_secret(std::string v) {
  Signing s;
  s.secret = std::move(v);
  return s;
}
inline Signing with_app(std::string v) {
  Signing s;
  s.app_id = std::move(v);
  return s;
}
inline Signing at(int64_t ts) {
  Signing s;
  s.ts = ts;
  return s;
}
inline Signing with_nonce(std::string v) {
  Signing s;
  s.nonce = std::move(v);
  return s;
}
// prefix + i without `"x" + std::to_string(i)` (a GCC 12 -O3 false positive).
inline std::string numbered(std::string prefix, int i) {
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
    s.lifecycle.fulfilment = fulfilment_;
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
  // false: one stage (and callback) per order, activated at the delay; the
  // after-sales tests (sim_mobile_http_after_sales_test.cpp) set it.
  bool fulfilment_ = false;
};

}  // namespace mobile_http
