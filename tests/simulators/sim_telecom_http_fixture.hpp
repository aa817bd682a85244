// Helpers and fixtures shared by sim_telecom_http_orders_test.cpp,
// sim_telecom_http_test.cpp.
// sim_telecom_http_orders_test.cpp): helpers and fixtures.
#pragma once

#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "synthetic_ids.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <pugixml.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

namespace asio = boost::asio;
namespace json = boost::json;
namespace net = cgw::net;
using namespace std::chrono_literals;

namespace telecom_http {

constexpr const char* kClientId = "test-telecom-app";
constexpr const char* kClientSecret = "test-secret+0123";
constexpr const char* kCallbackSecret = "test-callback-secret";
// A 1x1 PNG and the first bytes of a JPEG, base64.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"
    "==";
constexpr const char* kJpeg = "/9j/4AAQSkZJRgABAQ==";

inline std::string hmac_hex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(d[md[i] >> 4]);
    out.push_back(d[md[i] & 15]);
  }
  return out;
}

// A checksum-valid synthetic ID number of a Guangzhou county (telecom's
// examples use one).
inline std::string make_id(const std::string& birth8, const std::string& seq3) {
  return sim_test::make_id(birth8, seq3, "440106");
}

inline std::string el(const std::string& name, const std::string& value) {
  return "<" + name + ">" + value + "</" + name + ">";
}
inline std::string request(const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Request>" + inner + "</Request>";
}
inline std::string photos(const std::string& order_id, const std::string& portrait = kPng,
                          const std::string& portrait_format = "PNG") {
  auto photo = [](const std::string& type, const std::string& format, const std::string& b64) {
    return "<Photo>" + el("Type", type) + el("Format", format) + el("Content", b64) + "</Photo>";
  };
  return request(el("OrderId", order_id) + "<Photos>" + photo("ID_FRONT", "PNG", kPng) +
                 photo("ID_BACK", "PNG", kPng) + photo("PORTRAIT", portrait_format, portrait) +
                 "</Photos>");
}

inline asio::awaitable<net::Response> ready(net::Response r) {
  co_return r;
}

struct Received {
  std::string body;
  bool signature_ok = false;
};

// The partner's callback endpoint: checks the signature, answers the
// acknowledgement (or 500 for the first `fail_first` deliveries).
class Partner {
 public:
  explicit Partner(asio::io_context& ioc)
      : server_(ioc, net::ServerOptions{},
                [this](net::Request& req, const net::Peer&) { return ready(handle(req)); }) {
    EXPECT_EQ(server_.listen(), "");
    server_.start();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + "/cb/telecom?src=sim";
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  void drain() { server_.drain(); }
  std::atomic<int> fail_first{0};

 private:
  net::Response handle(const net::Request& req) {
    const std::string ts(req["X-Telecom-Timestamp"]);
    const int64_t now = cgw::system_now_ms() / 1000;
    Received r{req.body(),
               req["X-Telecom-Signature"] == hmac_hex(kCallbackSecret, ts + "\n" + req.body()) &&
                   std::llabs(std::stoll(ts.empty() ? "0" : ts) - now) <= 300};
    {
      std::lock_guard lock(mu_);
      received_.push_back(r);
    }
    if (fail_first.fetch_sub(1) > 0)
      return net::make_response(req, net::http::status::internal_server_error, "busy",
                                "text/plain");
    return net::make_response(req, net::http::status::ok, "<Response><Code>0</Code></Response>",
                              "application/xml");
  }
  std::mutex mu_;
  std::vector<Received> received_;
  net::HttpServer server_;
};

// One carrier reply, parsed.
struct Xml {
  int status = 0;
  std::string body, www_authenticate;
  std::shared_ptr<pugi::xml_document> doc = std::make_shared<pugi::xml_document>();
  pugi::xml_node root() const { return doc->document_element(); }
  std::string code() const {
    return std::string(root().name()) == "Error" ? root().child_value("Code")
                                                 : std::string(root().child_value("Code"));
  }
  pugi::xml_node data() const { return root().child("Data"); }
  std::string get(const char* name) const { return data().child_value(name); }
};

inline cgw::sim::telecom::TelecomSettings test_settings() {
  cgw::sim::telecom::TelecomSettings s;
  s.client_id = kClientId;
  s.client_secret = kClientSecret;
  s.callback_secret = kCallbackSecret;
  s.seed = 7;
  s.pool_size = 2000;
  s.activation_delay_ms = 60'000;  // orders end only when the test advances the clock
  s.token_ttl_s = 60;
  s.tick_period = 20ms;
  return s;
}

class TelecomHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ =
        std::make_unique<cgw::sim::telecom::TelecomSimulator>(ioc_.get_executor(), test_settings());
    server_ = std::make_unique<net::HttpServer>(ioc_, net::ServerOptions{}, sim_->handler());
    ASSERT_EQ(server_->listen(), "");
    server_->start();
    sim_->start();
    partner_ = std::make_unique<Partner>(ioc_);
    client_ = std::make_unique<net::HttpClient>(ioc_.get_executor(), net::ClientOptions{});
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    token_ = fetch_token();
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
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }

  net::ClientResponse token_call(const std::string& form) {
    return raw("POST", "/oauth/token", form,
               {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  std::string fetch_token() {
    auto r = token_call("grant_type=client_credentials&client_id=" + std::string(kClientId) +
                        "&client_secret=test-secret%2B0123");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(json::parse(r.body).at("access_token").as_string());
  }

  Xml call(const std::string& path, const std::string& body, const std::string& method = "POST",
           std::optional<std::string> bearer = std::nullopt) {
    net::HeaderList h{{"Content-Type", "application/xml; charset=utf-8"}};
    const std::string t = bearer.value_or(token_);
    if (!t.empty()) h.emplace_back("Authorization", "Bearer " + t);
    auto res = raw(method, path, body, h);
    EXPECT_TRUE(res.ok()) << res.error;
    Xml x;
    x.status = res.status;
    x.body = res.body;
    for (const auto& [k, v] : res.headers)
      if (k == "WWW-Authenticate" || k == "Www-Authenticate") x.www_authenticate = v;
    EXPECT_TRUE(x.doc->load_string(res.body.c_str())) << res.body;
    return x;
  }

  json::value admin(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    auto res = raw(method, target, body, {});
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body);
  }
  void advance(int64_t ms) {
    admin("POST", "/admin/clock", json::serialize(json::object{{"advance_ms", ms}}));
  }

  std::vector<std::string> free_numbers(size_t n) {
    auto page = call("/api/v1/numbers/query", request(el("PageSize", "200")));
    std::vector<std::string> out;
    for (auto num : page.data().child("Numbers").children("Number"))
      if (std::string(num.child_value("Status")) == "FREE" && out.size() < n)
        out.emplace_back(num.child_value("Msisdn"));
    return out;
  }
  std::string reserve(const std::string& number) {
    auto r = call("/api/v1/numbers/reserve", request(el("Msisdn", number)));
    EXPECT_EQ(r.code(), "0") << r.body;
    return r.get("ReserveId");
  }
  std::string create_body(const std::string& pid, const std::string& number,
                          const std::string& reserve_id, const std::string& cert_no,
                          const std::string& plan = "CT-5G-CX-59") {
    return request(el("PartnerOrderId", pid) + el("Msisdn", number) + el("ReserveId", reserve_id) +
                   el("PlanCode", plan) + "<Customer>" + el("CertType", "ID_CARD") +
                   el("CertName", "测试用户") + el("CertNo", cert_no) + "</Customer><Delivery>" +
                   el("Name", "测试用户") + el("Phone", "") + el("Address", "广州市测试路1号") +
                   "</Delivery>" + el("NotifyUrl", partner_->url()));
  }
  // create -> photos -> confirm; returns the order id.
  std::string activate(const std::string& pid, const std::string& plan,
                       const std::string& cert_no = make_id("19900101", "123")) {
    const std::string number = free_numbers(1).at(0);
    auto c =
        call("/api/v1/orders/create", create_body(pid, number, reserve(number), cert_no, plan));
    EXPECT_EQ(c.code(), "0") << c.body;
    const std::string id = c.get("OrderId");
    EXPECT_EQ(call("/api/v1/orders/photos", photos(id)).code(), "0");
    auto confirmed = call("/api/v1/orders/confirm", request(el("OrderId", id)));
    EXPECT_EQ(confirmed.get("Status"), "PROCESSING") << confirmed.body;
    return id;
  }
  Xml query(const std::string& order_id) {
    return call("/api/v1/orders/query", request(el("OrderId", order_id)));
  }
  std::vector<Received> wait_callbacks(size_t n) {
    for (int i = 0; i < 250; ++i) {
      auto r = partner_->received();
      if (r.size() >= n) return r;
      std::this_thread::sleep_for(20ms);
    }
    return partner_->received();
  }

  asio::io_context ioc_{2};
  std::unique_ptr<cgw::sim::telecom::TelecomSimulator> sim_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Partner> partner_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
  std::string token_;
};

}  // namespace telecom_http
