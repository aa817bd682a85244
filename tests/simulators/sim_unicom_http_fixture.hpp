// Helpers and fixtures shared by sim_unicom_http_orders_test.cpp,
// sim_unicom_http_test.cpp.
// sim_unicom_http_orders_test.cpp): helpers and fixtures.
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/id_number.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/unicom/unicom_simulator.hpp"
#include "synthetic_ids.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <thread>

namespace asio = boost::asio;
namespace json = boost::json;
namespace net = cgw::net;
using namespace std::chrono_literals;

namespace unicom_http {

constexpr const char* kAppKey = "test-unicom-app";
constexpr const char* kSecret = "test-unicom-secret-0123456789";
using Params = std::vector<std::pair<std::string, std::string>>;

// ---- independent signing and time (OpenSSL, gmtime_r) -------------------

inline std::string md5_upper(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_md5(), nullptr);
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += {kHex[md[i] >> 4], kHex[md[i] & 15]};
  return out;
}

inline std::string sign(const std::string& secret, const Params& params) {
  std::map<std::string, std::string> sorted(params.begin(), params.end());
  std::string text = secret;
  for (const auto& [k, v] : sorted)
    if (k != "sign" && !v.empty()) text += k + v;
  return md5_upper(text + secret);
}

inline std::string beijing(int64_t unix_s) {
  const std::time_t t = unix_s + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

inline std::string form(const Params& params) {
  std::string body;
  for (const auto& [k, v] : params) {
    if (!body.empty()) body += '&';
    body += boost::urls::encode(k, boost::urls::unreserved_chars) + "=" +
            boost::urls::encode(v, boost::urls::unreserved_chars);
  }
  return body;
}

using sim_test::make_id;

// prefix + i without `"x" + std::to_string(i)` (a GCC 12 -O3 false positive).
inline std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

struct Signing {
  std::string secret = kSecret, app_key = kAppKey, v = "1.0";
  std::optional<std::string> timestamp;  // default: now, Beijing time
  bool drop_sign = false;
  bool lower_case_sign = false;
};

class UnicomHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    cgw::sim::unicom::UnicomSettings s;
    s.app_id = kAppKey;
    s.secret = kSecret;
    s.seed = 7;
    s.pool_size = 2000;
    s.activation_delay_ms = 60'000;  // orders end only when the test advances the clock
    s.tick_period = 20ms;
    sim_ = std::make_unique<cgw::sim::unicom::UnicomSimulator>(ioc_.get_executor(), s);
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, sim_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    sim_->start();
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void TearDown() override {
    sim_->stop();
    server_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    client_.reset();
    server_.reset();
    sim_.reset();
  }

  net::ClientResponse raw(const std::string& method, const std::string& target,
                          const std::string& body,
                          const std::string& type = "application/x-www-form-urlencoded") {
    net::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + target;
    req.body = body;
    if (!type.empty()) req.headers.emplace_back("Content-Type", type);
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }

  // A signed router call; returns the reply envelope.
  json::object call(const std::string& method, Params business = {}, const Signing& s = {}) {
    Params p = {{"app_key", s.app_key},
                {"method", method},
                {"timestamp", s.timestamp.value_or(beijing(cgw::system_now_ms() / 1000))},
                {"v", s.v}};
    p.insert(p.end(), business.begin(), business.end());
    std::string signature = sign(s.secret, p);
    if (s.lower_case_sign)
      std::transform(signature.begin(), signature.end(), signature.begin(),
                     [](char c) { return static_cast<char>(std::tolower(c)); });
    if (!s.drop_sign) p.emplace_back("sign", signature);
    auto res = raw("POST", "/router/rest", form(p));
    EXPECT_TRUE(res.ok()) << res.error;
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  }
  static std::string code(const json::object& o) { return std::string(o.at("code").as_string()); }
  static std::string str(const json::object& o, const char* key) {
    return std::string(o.at("data").at(key).as_string());
  }

  json::object admin(const std::string& method, const std::string& target,
                     const std::string& body = "") {
    auto res = raw(method, target, body, "");
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body).as_object();
  }
  void advance(int64_t ms) {
    admin("POST", "/admin/clock", json::serialize(json::object{{"advance_ms", ms}}));
  }

  std::vector<std::string> free_numbers(size_t n) {
    const auto page = call("number.query", {{"page_no", "1"}, {"page_size", "200"}});
    std::vector<std::string> out;
    for (const auto& v : page.at("data").at("numbers").as_array())
      if (v.at("state").as_string() == "FREE" && out.size() < n)
        out.emplace_back(v.at("number").as_string());
    return out;
  }
  std::string lock(const std::string& number, const std::string& minutes = "0") {
    auto r = call("number.lock", {{"number", number}, {"lock_minutes", minutes}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r.contains("data") ? str(r, "lock_id") : "";
  }
  json::object order(const std::string& out_id, const std::string& number,
                     const std::string& lock_id, const std::string& cert_no,
                     const std::string& product = "UC-5G-BJL-39") {
    return call("order.create", {{"out_order_id", out_id},
                                 {"number", number},
                                 {"lock_id", lock_id},
                                 {"product_code", product},
                                 {"cert_name", "测试用户"},
                                 {"cert_no", cert_no},
                                 {"contact_name", "测试用户"},
                                 {"contact_phone", "13900000000"},
                                 {"contact_address", "北京市测试路1号"}});
  }
  json::object check(const std::string& cert_no, const std::string& name = "测试用户") {
    return call("cert.check", {{"cert_name", name}, {"cert_no", cert_no}});
  }
  json::object sim_order(const std::string& out_id) {
    const auto state = admin("GET", "/admin/state");
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == out_id) return o.as_object();
    return {};
  }

  asio::io_context ioc_{2};
  std::unique_ptr<cgw::sim::unicom::UnicomSimulator> sim_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
};

}  // namespace unicom_http
