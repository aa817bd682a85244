// The telecom simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port); the test fetches OAuth2 tokens, sends XML
// requests and reads replies with pugixml, independently of the
// simulator's code. A second in-process server plays the partner's
// callback endpoint and checks signatures with OpenSSL.
#include "cgw/common/http_client.hpp"
#include "cgw/common/http_server.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"

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

namespace {

constexpr const char* kClientId = "test-telecom-app";
constexpr const char* kClientSecret = "test-secret+0123";
constexpr const char* kCallbackSecret = "test-callback-secret";
// A 1x1 PNG and the first bytes of a JPEG, base64.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"
    "==";
constexpr const char* kJpeg = "/9j/4AAQSkZJRgABAQ==";

std::string hmac_hex(const std::string& key, const std::string& msg) {
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

// A checksum-valid synthetic ID number (GB 11643), computed here.
std::string make_id(const std::string& birth8, const std::string& seq3) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = "440106" + birth8 + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

std::string el(const std::string& name, const std::string& value) {
  return "<" + name + ">" + value + "</" + name + ">";
}
std::string request(const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Request>" + inner + "</Request>";
}
std::string photos(const std::string& order_id, const std::string& portrait = kPng,
                   const std::string& portrait_format = "PNG") {
  auto photo = [](const std::string& type, const std::string& format, const std::string& b64) {
    return "<Photo>" + el("Type", type) + el("Format", format) + el("Content", b64) + "</Photo>";
  };
  return request(el("OrderId", order_id) + "<Photos>" + photo("ID_FRONT", "PNG", kPng) +
                 photo("ID_BACK", "PNG", kPng) + photo("PORTRAIT", portrait_format, portrait) +
                 "</Photos>");
}

asio::awaitable<net::Response> ready(net::Response r) {
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

cgw::sim::telecom::TelecomSettings test_settings() {
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

}  // namespace

TEST_F(TelecomHttp, TokenEndpointFollowsRfc6749) {
  auto bad = token_call("grant_type=client_credentials&client_id=test-telecom-app&client_secret=x");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(json::parse(bad.body).at("error"), "invalid_client");
  auto grant = token_call("grant_type=password&client_id=test-telecom-app&client_secret=x");
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(json::parse(grant.body).at("error"), "unsupported_grant_type");
  EXPECT_EQ(json::parse(token_call("client_id=test-telecom-app").body).at("error"),
            "invalid_request");
  auto good = token_call(
      "grant_type=client_credentials&client_id=test-telecom-app"
      "&client_secret=test-secret%2B0123");
  ASSERT_EQ(good.status, 200) << good.body;
  auto t = json::parse(good.body);
  EXPECT_EQ(t.at("token_type"), "Bearer");
  EXPECT_EQ(t.at("expires_in"), 60);
  EXPECT_NE(t.at("access_token").as_string(), token_);  // a fresh token each time
}

TEST_F(TelecomHttp, ApiCallsNeedAValidToken) {
  auto none = call("/api/v1/plans/list", request(""), "POST", std::string());
  EXPECT_EQ(none.status, 401);
  EXPECT_STREQ(none.root().name(), "Error");
  EXPECT_EQ(none.code(), "10001");
  EXPECT_FALSE(none.www_authenticate.empty());
  EXPECT_EQ(call("/api/v1/plans/list", request(""), "POST", std::string("forged")).code(), "10002");
  EXPECT_EQ(call("/api/v1/plans/list", request("")).code(), "0");
  advance(60'000);  // tokens live 60 s on the simulated clock
  auto expired = call("/api/v1/plans/list", request(""));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.code(), "10003");
  EXPECT_NE(expired.www_authenticate.find("invalid_token"), std::string::npos);
  token_ = fetch_token();
  EXPECT_EQ(call("/api/v1/plans/list", request("")).code(), "0");
  // The journal shows token calls and refusals, never bodies.
  auto j = admin("GET", "/admin/requests?limit=100").at("requests").as_array();
  int token_calls = 0;
  for (const auto& e : j) token_calls += e.at("target") == "/oauth/token" ? 1 : 0;
  EXPECT_EQ(token_calls, 2);
  EXPECT_EQ(j.back().at("code"), "0");
  EXPECT_EQ(j[j.size() - 3].at("code"), "10003");
  EXPECT_FALSE(j[j.size() - 3].at("signature_ok").as_bool());
}

TEST_F(TelecomHttp, BadRequestsAreParameterErrors) {
  auto not_xml = call("/api/v1/numbers/reserve", "{\"Msisdn\":1}");
  EXPECT_EQ(not_xml.status, 400);
  EXPECT_EQ(not_xml.code(), "20001");
  EXPECT_EQ(call("/api/v1/numbers/reserve", "<Other/>").code(), "20001");
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", "123"))).code(), "20002");
  EXPECT_EQ(call("/api/v1/numbers/reserve",
                 request(el("Msisdn", "13300000000") + el("Msisdn", "13300000001")))
                .code(),
            "20002");
  auto unknown = call("/api/v1/numbers/steal", request(""));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code(), "20003");
  EXPECT_EQ(call("/api/v1/plans/list", "", "GET").status, 405);
}

TEST_F(TelecomHttp, PlansAndDeterministicInventoryPaging) {
  auto plans = call("/api/v1/plans/list", request(""));
  ASSERT_EQ(plans.code(), "0");
  int real = 0, test = 0;
  for (auto p : plans.data().child("Plans").children("Plan"))
    (std::string(p.child_value("PlanCode")).starts_with("SIM-") ? test : real) += 1;
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);  // the test plans are listed too
  const std::set<std::string> segments = {"133", "149", "153", "173", "177", "180",
                                          "181", "189", "190", "191", "193", "199"};
  std::vector<std::string> all;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto r = call("/api/v1/numbers/query", request(el("Cursor", cursor) + el("PageSize", "500")));
    ASSERT_EQ(r.code(), "0") << r.body;
    for (auto n : r.data().child("Numbers").children("Number"))
      all.emplace_back(n.child_value("Msisdn"));
    if (r.get("HasMore") != "true") break;
    cursor = r.get("NextCursor");
  }
  ASSERT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  for (const auto& m : all) EXPECT_EQ(segments.count(m.substr(0, 3)), 1u) << m;
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  // The same seed gives the same pool.
  asio::io_context other;
  cgw::sim::telecom::TelecomSimulator twin(other.get_executor(), test_settings());
  auto page = twin.context().ledger.page("", 5, 0);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(page.items[i].record.number, all[i]);
  EXPECT_EQ(call("/api/v1/numbers/query", request(el("Cursor", "13300000000"))).code(), "20002");
}

TEST_F(TelecomHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto nums = free_numbers(3);
  auto whole = call("/api/v1/numbers/query", request(el("PageSize", "5000")));
  ASSERT_EQ(whole.code(), "0") << whole.body;
  size_t listed = 0;
  for (auto n : whole.data().child("Numbers").children("Number")) listed += !n.empty();
  EXPECT_EQ(listed, 2000u);
  EXPECT_EQ(whole.get("HasMore"), "false");
  EXPECT_EQ(whole.get("Total"), "2000");
  const int64_t start = std::stoll(whole.get("ChangeSeq"));
  const std::string id = reserve(nums[0]);
  reserve(nums[1]);
  ASSERT_EQ(
      call("/api/v1/numbers/release", request(el("Msisdn", nums[0]) + el("ReserveId", id))).code(),
      "0");
  admin("POST", "/admin/numbers/" + nums[2] + "/sell");

  auto feed = [&](int64_t since, int size) {
    auto r = call("/api/v1/numbers/query", request(el("ChangedSince", std::to_string(since)) +
                                                   el("PageSize", std::to_string(size))));
    EXPECT_EQ(r.code(), "0") << r.body;
    return r;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  auto states = [](const Xml& r) {
    Changes out;
    for (auto n : r.data().child("Numbers").children("Number"))
      out.emplace_back(n.child_value("Msisdn"), n.child_value("Status"));
    return out;
  };
  auto all = feed(start, 100);
  EXPECT_EQ(states(all), (Changes{{nums[0], "FREE"}, {nums[1], "LOCKED"}, {nums[2], "SOLD"}}));
  EXPECT_EQ(all.get("ChangeSeq"), std::to_string(start + 4));
  EXPECT_EQ(all.get("HasMore"), "false");
  EXPECT_EQ(all.get("NextCursor"), "");
  EXPECT_EQ(call("/api/v1/numbers/query", request(el("PageSize", "1"))).get("ChangeSeq"),
            std::to_string(start + 4));
  EXPECT_TRUE(states(feed(start + 4, 10)).empty());
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{nums[0], "FREE"}, {nums[1], "LOCKED"}}));
  EXPECT_EQ(p1.get("HasMore"), "true");
  auto p2 = feed(std::stoll(p1.get("ChangeSeq")), 2);
  EXPECT_EQ(states(p2), (Changes{{nums[0], "FREE"}, {nums[2], "SOLD"}}));
  EXPECT_EQ(p2.get("HasMore"), "false");
  EXPECT_EQ(p2.get("ChangeSeq"), std::to_string(start + 4));
  // Strict positions: digits only, not ahead of the log, not with a cursor.
  for (const std::string& bad :
       {el("ChangedSince", "-1"), el("ChangedSince", "x"), el("ChangedSince", ""),
        el("ChangedSince", std::to_string(start + 5)),
        el("ChangedSince", "0") + el("ChangedSince", "0"),
        el("ChangedSince", "0") + el("Cursor", "P" + nums[0]),
        el("ChangedSince", "0") + el("PageSize", "5001")}) {
    auto r = call("/api/v1/numbers/query", request(bad));
    EXPECT_EQ(r.code(), "20002") << bad;
    EXPECT_EQ(r.status, 400) << bad;
  }
}

TEST_F(TelecomHttp, ReserveAndRelease) {
  auto nums = free_numbers(2);
  auto r = call(
      "/api/v1/numbers/reserve",
      request(el("Msisdn", nums[0]) + el("HoldSeconds", "600") + el("PartnerReserveId", "res_1")));
  ASSERT_EQ(r.code(), "0");
  EXPECT_EQ(r.status, 200);
  const std::string id = r.get("ReserveId");
  EXPECT_FALSE(id.empty());
  EXPECT_GT(std::stoll(r.get("ExpireTime")), cgw::system_now_ms() + 590'000);
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", nums[0]))).code(), "30002");
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", "13300000000"))).code(), "30001");
  EXPECT_EQ(
      call("/api/v1/numbers/reserve", request(el("Msisdn", nums[1]) + el("HoldSeconds", "30")))
          .code(),
      "20002");
  EXPECT_EQ(
      call("/api/v1/numbers/release", request(el("Msisdn", nums[1]) + el("ReserveId", id))).code(),
      "30004");
  EXPECT_EQ(call("/api/v1/numbers/release", request(el("Msisdn", nums[0]) + el("ReserveId", id)))
                .get("Released"),
            "true");
  EXPECT_EQ(
      call("/api/v1/numbers/release", request(el("Msisdn", nums[0]) + el("ReserveId", id))).code(),
      "30003");
}

TEST_F(TelecomHttp, RealNameMagicOutcomes) {
  struct Case {
    std::string id, result, reason;
  };
  const std::vector<Case> cases = {
      {make_id("19900101", "123"), "PASS", ""},
      {make_id("19900101", "901"), "PASS", ""},
      {make_id("19900101", "911"), "REJECT", "40002"},
      {make_id("19900101", "921"), "REJECT", "40003"},
      {make_id("19900101", "931"), "REJECT", "40009"},
      {make_id("19900101", "941"), "REJECT", "40006"},
      {make_id("19900101", "951"), "REJECT", "40007"},
      {make_id("19900101", "961"), "REJECT", "40005"},
      {make_id("19900101", "971"), "REJECT", "40008"},
      {make_id("19900101", "981"), "REVIEW", ""},
      {make_id("20150101", "123"), "REJECT", "40004"},
  };
  for (const auto& c : cases) {
    auto r =
        call("/api/v1/realname/check",
             request(el("CertType", "ID_CARD") + el("CertName", "测试用户") + el("CertNo", c.id)));
    ASSERT_EQ(r.code(), "0") << c.id << " " << r.body;
    EXPECT_EQ(r.get("Result"), c.result) << c.id;
    EXPECT_EQ(r.get("ReasonCode"), c.reason) << c.id;
    EXPECT_FALSE(r.get("CheckId").empty());
  }
  auto broken = make_id("19900101", "123");
  broken.back() = broken.back() == '1' ? '2' : '1';
  EXPECT_EQ(call("/api/v1/realname/check",
                 request(el("CertType", "ID_CARD") + el("CertName", "测试") + el("CertNo", broken)))
                .get("ReasonCode"),
            "40001");
  EXPECT_EQ(
      call("/api/v1/realname/check", request(el("CertType", "ID_CARD") + el("CertName", "测试") +
                                             el("CertNo", make_id("19900101", "991"))))
          .code(),
      "90002");
  EXPECT_EQ(
      call("/api/v1/realname/check", request(el("CertType", "PASSPORT") + el("CertName", "测试") +
                                             el("CertNo", make_id("19900101", "123"))))
          .code(),
      "20002");
}

TEST_F(TelecomHttp, ActivationInThreeCallsEndsByASignedCallback) {
  const std::string number = free_numbers(1).at(0);
  const std::string rid = reserve(number);
  auto created =
      call("/api/v1/orders/create", create_body("act_1", number, rid, make_id("19900101", "901")));
  ASSERT_EQ(created.code(), "0") << created.body;
  EXPECT_EQ(created.get("Status"), "CREATED");
  EXPECT_EQ(created.get("PartnerOrderId"), "act_1");
  const std::string id = created.get("OrderId");
  // Confirm needs the photos first; a photo whose bytes are not its format
  // is refused.
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", id))).code(), "50003");
  EXPECT_EQ(call("/api/v1/orders/photos", photos(id, kJpeg, "PNG")).code(), "50005");
  EXPECT_EQ(call("/api/v1/orders/photos", photos("TO404")).code(), "50001");
  EXPECT_EQ(query(id).get("Status"), "CREATED");
  auto uploaded = call("/api/v1/orders/photos", photos(id, kJpeg, "JPEG"));
  ASSERT_EQ(uploaded.code(), "0") << uploaded.body;
  EXPECT_EQ(uploaded.get("Status"), "PHOTOS_UPLOADED");
  auto confirmed = call("/api/v1/orders/confirm", request(el("OrderId", id)));
  ASSERT_EQ(confirmed.get("Status"), "PROCESSING") << confirmed.body;
  // Confirming again answers the current status; photos are closed now.
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", id))).get("Status"), "PROCESSING");
  EXPECT_EQ(call("/api/v1/orders/photos", photos(id)).code(), "50002");
  EXPECT_EQ(call("/api/v1/orders/query", request(el("PartnerOrderId", "act_1"))).get("OrderId"),
            id);
  EXPECT_TRUE(partner_->received().empty());

  advance(60'000);
  auto got = wait_callbacks(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].signature_ok);
  pugi::xml_document notify;
  ASSERT_TRUE(notify.load_string(got[0].body.c_str()));
  auto n = notify.document_element();
  EXPECT_STREQ(n.name(), "Notify");
  EXPECT_STREQ(n.child_value("OrderId"), id.c_str());
  EXPECT_STREQ(n.child_value("PartnerOrderId"), "act_1");
  EXPECT_STREQ(n.child_value("Status"), "ACTIVATED");
  EXPECT_STREQ(n.child_value("EventType"), "ORDER_STATUS");
  EXPECT_TRUE(std::string(n.child_value("EventId")).starts_with("EV"));
  token_ = fetch_token();  // the 60 s token expired with the clock
  EXPECT_EQ(query(id).get("Status"), "ACTIVATED");
  // Acknowledged once; the number is sold.
  for (int i = 0;
       i < 50 && !admin("GET", "/admin/state").at("callbacks").at(0).at("acknowledged").as_bool();
       ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(admin("GET", "/admin/state").at("callbacks").at(0).at("acknowledged").as_bool());
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", number))).code(), "30002");
}

TEST_F(TelecomHttp, OrdersAreDeduplicatedOnThePartnerOrderId) {
  auto nums = free_numbers(2);
  const std::string rid = reserve(nums[0]);
  const std::string cert = make_id("19910101", "123");
  auto first = call("/api/v1/orders/create", create_body("act_dup", nums[0], rid, cert));
  auto again = call("/api/v1/orders/create", create_body("act_dup", nums[0], rid, cert));
  ASSERT_EQ(again.code(), "0");
  EXPECT_EQ(again.get("OrderId"), first.get("OrderId"));
  EXPECT_EQ(again.get("Status"), "CREATED");
  EXPECT_EQ(
      call("/api/v1/orders/create", create_body("act_dup", nums[1], reserve(nums[1]), cert)).code(),
      "50004");
  ASSERT_EQ(call("/api/v1/orders/photos", photos(first.get("OrderId"))).code(), "0");
  // A resubmission after the photos finds the order where it stands.
  EXPECT_EQ(call("/api/v1/orders/create", create_body("act_dup", nums[0], rid, cert)).get("Status"),
            "PHOTOS_UPLOADED");
  auto orders = admin("GET", "/admin/telecom/orders").at("orders").as_array();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].at("createCount"), 3);
  EXPECT_EQ(orders[0].at("photoUploads"), 1);
}

TEST_F(TelecomHttp, OrderRefusals) {
  auto nums = free_numbers(3);
  const std::string rid = reserve(nums[0]);
  const std::string good = make_id("19900101", "123");
  auto refused = [&](const std::string& body) {
    return call("/api/v1/orders/create", body).code();
  };
  EXPECT_EQ(refused(create_body("o1", nums[0], rid, make_id("19900101", "911"))), "40002");
  EXPECT_EQ(refused(create_body("o2", nums[0], rid, make_id("19900101", "991"))), "90002");
  EXPECT_EQ(refused(create_body("o3", nums[0], rid, good, "CT-NOPE")), "30005");
  EXPECT_EQ(refused(create_body("o4", nums[1], rid, good)), "30004");
  EXPECT_EQ(refused(create_body("o5", nums[0], "RS-unknown", good)), "30003");
  // A reservation that expires between create and confirm fails the confirm.
  const std::string short_rid =
      call("/api/v1/numbers/reserve", request(el("Msisdn", nums[2]) + el("HoldSeconds", "60")))
          .get("ReserveId");
  auto c = call("/api/v1/orders/create", create_body("o6", nums[2], short_rid, good));
  ASSERT_EQ(c.code(), "0");
  ASSERT_EQ(call("/api/v1/orders/photos", photos(c.get("OrderId"))).code(), "0");
  advance(61'000);
  token_ = fetch_token();
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", c.get("OrderId")))).code(),
            "30003");
  EXPECT_EQ(query(c.get("OrderId")).get("Status"), "PHOTOS_UPLOADED");
  EXPECT_EQ(query("TO000").code(), "50001");
}

TEST_F(TelecomHttp, MagicPlansSteerTheOutcome) {
  const std::string rejected = activate("act_rej", "SIM-REJECT");
  const std::string silent = activate("act_silent", "SIM-NOCALLBACK");
  const std::string stuck = activate("act_stuck", "SIM-STUCK");
  advance(60'000);
  auto got = wait_callbacks(1);
  std::this_thread::sleep_for(200ms);  // no second callback may follow
  got = partner_->received();
  ASSERT_EQ(got.size(), 1u);
  pugi::xml_document n;
  ASSERT_TRUE(n.load_string(got[0].body.c_str()));
  EXPECT_STREQ(n.document_element().child_value("Status"), "FAILED");
  EXPECT_STREQ(n.document_element().child_value("FailCode"), "40008");
  token_ = fetch_token();
  EXPECT_EQ(query(rejected).get("FailCode"), "40008");
  EXPECT_EQ(query(silent).get("Status"), "ACTIVATED");
  EXPECT_EQ(query(stuck).get("Status"), "PROCESSING");
}

TEST_F(TelecomHttp, CallbackIsRetriedUntilAcknowledged) {
  partner_->fail_first = 2;
  activate("act_retry", "CT-XK-19");
  advance(60'000);
  ASSERT_GE(wait_callbacks(1).size(), 1u);
  advance(1'000);  // backoff 1 s, then 2 s, on the simulated clock
  ASSERT_GE(wait_callbacks(2).size(), 2u);
  advance(2'000);
  auto got = wait_callbacks(3);
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_TRUE(r.signature_ok);
    EXPECT_EQ(r.body, got[0].body);  // the same event each time
  }
}

TEST_F(TelecomHttp, FaultInjectorHooksSpeakThisProtocol) {
  net::Request req{net::http::verb::post, "/api/v1/orders/confirm?x=1", 11};
  EXPECT_EQ(sim_->operation_of(req), "orders.confirm");
  auto res = sim_->business_error(req, "90001");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[net::http::field::content_type], "application/xml; charset=utf-8");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(res.body().c_str()));
  EXPECT_STREQ(doc.document_element().child_value("Code"), "90001");
  EXPECT_EQ(sim_->business_error(req, "10003").result_int(), 401);
  net::Request tok{net::http::verb::post, "/oauth/token", 11};
  EXPECT_EQ(sim_->operation_of(tok), "oauth.token");
  auto oauth = sim_->business_error(tok, "invalid_client");
  EXPECT_EQ(oauth.result_int(), 401);
  EXPECT_EQ(json::parse(oauth.body()).at("error"), "invalid_client");
}

TEST(TelecomSimConfig, SettingsFromTheConfigFile) {
  cgw::sim::SimulatorConfig c;
  c.carrier = "telecom";
  c.app_id = "app";
  c.secret = "secret";
  EXPECT_THROW(cgw::sim::telecom::settings_from(c), std::invalid_argument);  // no callback secret
  c.settings["callback_secret"] = "cb";
  EXPECT_EQ(cgw::sim::telecom::settings_from(c).token_ttl_s, 300);
  c.settings["token_ttl_s"] = "2";
  auto s = cgw::sim::telecom::settings_from(c);
  EXPECT_EQ(s.token_ttl_s, 2);
  EXPECT_EQ(s.client_id, "app");
  EXPECT_EQ(s.callback_secret, "cb");
  for (std::string bad : {"0", "86401", "2s", ""}) {
    c.settings["token_ttl_s"] = bad;
    EXPECT_THROW(cgw::sim::telecom::settings_from(c), std::invalid_argument) << bad;
  }
  c.settings["token_ttl_s"] = "60";
  c.settings["tokn_ttl_s"] = "60";
  EXPECT_THROW(cgw::sim::telecom::settings_from(c), std::invalid_argument);
}
