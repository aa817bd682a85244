// Faults for the mvno simulator's after-sales operations (docs/simulators-reference.md,
// "Operation names"): the simulator kit wraps the carrier as cgw-sim does
// (NamespaceRouter), so rules set through /admin/faults apply to each new
// operation name, and a top-up whose answer is lost was applied all the same.
#include "sim_mvno_http_fixture.hpp"

#include "cgw/sim/namespace_router.hpp"

namespace sim = cgw::sim;
using namespace mvno_http;

namespace {

class MvnoFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimulatorConfig c;
    c.carrier = "mvno";
    c.app_id = kPartner;
    c.secret = secret_file("mvno-demo-id-aes.key");
    c.settings["gateway_public_key"] = secret_file("mvno-demo-gateway-public.pem");
    c.settings["carrier_private_key"] = secret_file("mvno-demo-carrier-private.pem");
    c.seed = 5;
    c.pool_size = 300;
    c.activation_delay_ms = 60'000;
    field_key_ = key_bytes(c.secret);
    auto factory = [](asio::any_io_executor ex, const sim::SimulatorConfig& config) {
      auto s = sim::mvno::settings_from(config);
      s.tick_period = 20ms;
      return std::make_unique<sim::mvno::MvnoSimulator>(ex, s);
    };
    router_ = std::make_unique<sim::NamespaceRouter>(factory, ioc_.get_executor(), c,
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

  net::ClientResponse send(const std::string& method, const std::string& target,
                           const std::string& body, net::HeaderList headers) {
    net::ClientRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(server_->port()) + target;
    req.body = body;
    req.headers = std::move(headers);
    req.timeout = 5s;
    return asio::co_spawn(ioc_, client_->send(std::move(req)), asio::use_future).get();
  }
  net::ClientResponse call(const std::string& path, const json::object& body) {
    const std::string text = json::serialize(body);
    const std::string ts = std::to_string(cgw::system_now_ms());
    const std::string nonce = "faultnonce" + std::to_string(++nonce_seq_) + "abcdefgh";
    const std::string private_pem = secret_file("mvno-demo-gateway-private.pem");
    return send("POST", path, text,
                {{"X-Partner-Id", kPartner},
                 {"X-Timestamp", ts},
                 {"X-Nonce", nonce},
                 {"X-Sign-Type", "SHA256withRSA"},
                 {"X-Signature", rsa_sign(private_pem, canonical("POST", path, ts, nonce, text))},
                 {"Content-Type", "application/json"}});
  }
  json::object ok_data(const std::string& path, const json::object& body) {
    auto r = call(path, body);
    EXPECT_TRUE(r.ok()) << r.error;
    auto o = json::parse(r.body).as_object();
    EXPECT_EQ(o.at("code").as_string(), "0000") << r.body;
    return o.contains("data") ? o.at("data").as_object() : json::object{};
  }
  json::object admin(const std::string& method, const std::string& target,
                     const json::value& body = nullptr, int expected = 200) {
    auto r = send(method, target, body.is_null() ? "" : json::serialize(body), {});
    EXPECT_EQ(r.status, expected) << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  // An opened line of the partner.
  std::string open_line() {
    const auto page = ok_data("/openapi/v1/number/query", {{"cursor", ""}, {"pageSize", 50}});
    std::string number;
    for (const auto& v : page.at("numbers").as_array())
      if (v.at("status").as_string() == "FREE") number = v.at("msisdn").as_string();
    const auto occ =
        ok_data("/openapi/v1/number/occupy", {{"msisdn", number}, {"occupyMinutes", 0}});
    ok_data("/openapi/v1/order/create",
            {{"partnerOrderNo", "act_f"},
             {"msisdn", number},
             {"occupyNo", occ.at("occupyNo")},
             {"productCode", "MV-170-CHAT-8"},
             {"certName", "测试用户"},
             {"certNoEnc", gcm_seal(field_key_, make_id("19900101", "905"))},
             {"receiver", {{"name", "测试用户"}, {"phone", "13900000000"}, {"address", "北京"}}},
             {"notifyUrl", partner_->url()}});
    admin("POST", "/admin/clock", json::object{{"advance_ms", 60'000}});
    return number;
  }

  asio::io_context ioc_{2};
  std::string field_key_;
  std::unique_ptr<sim::NamespaceRouter> router_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<Partner> partner_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<std::thread> threads_;
  int nonce_seq_ = 0;
};

TEST_F(MvnoFaults, EveryAfterSalesOperationNameTakesARule) {
  const std::vector<std::pair<std::string, std::string>> ops = {
      {"order.cancel", "/openapi/v1/order/cancel"},
      {"subscriber.query", "/openapi/v1/subscriber/query"},
      {"recharge.create", "/openapi/v1/recharge/create"},
      {"recharge.query", "/openapi/v1/recharge/query"},
      {"sim.replace", "/openapi/v1/sim/replace"},
      {"subscriber.suspend", "/openapi/v1/subscriber/suspend"},
      {"subscriber.resume", "/openapi/v1/subscriber/resume"}};
  const auto listed = admin("GET", "/admin/faults").at("operations").as_array();
  json::array rules;
  for (const auto& [op, path] : ops) {
    EXPECT_NE(std::find(listed.begin(), listed.end(), json::value(op)), listed.end()) << op;
    rules.push_back(json::object{{"operation", op}, {"kind", "business_error"}, {"code", "9002"}});
  }
  admin("POST", "/admin/faults", rules, 201);
  for (const auto& [op, path] : ops) {
    auto r = call(path, {{"msisdn", "17001234567"}});
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(json::parse(r.body).at("code").as_string(), "9002") << op;
  }
  const auto after = admin("GET", "/admin/faults");  // alive while iterated
  for (const auto& f : after.at("faults").as_array())
    EXPECT_EQ(f.at("fired").to_number<int>(), 1) << json::serialize(f);
}

TEST_F(MvnoFaults, ATopUpWhoseAnswerIsLostWasAppliedOnce) {
  const std::string msisdn = open_line();
  admin("POST", "/admin/faults",
        json::object{{"operation", "recharge.create"}, {"kind", "reset"}, {"after_serve", true}},
        201);
  const json::object topup{{"partnerRechargeNo", "rc-lost"}, {"msisdn", msisdn}, {"amount", 3000}};
  auto lost = call("/openapi/v1/recharge/create", topup);
  EXPECT_FALSE(lost.ok() && lost.status == 200) << "the answer is lost: " << lost.body;
  admin("DELETE", "/admin/faults");
  // The partner asks before it sends again: the top-up went through.
  const auto found =
      ok_data("/openapi/v1/recharge/query", {{"partnerRechargeNo", "rc-lost"}, {"msisdn", msisdn}});
  EXPECT_EQ(found.at("rechargeStatus").as_string(), "SUCCESS");
  const auto retry = ok_data("/openapi/v1/recharge/create", topup);
  EXPECT_EQ(retry.at("rechargeNo"), found.at("rechargeNo"));
  EXPECT_EQ(retry.at("balance"), found.at("balance"));
  const auto line = ok_data("/openapi/v1/subscriber/query", {{"msisdn", msisdn}});
  EXPECT_EQ(line.at("balance").as_int64(), found.at("balance").as_int64());
  int partner_recharges = 0;
  const auto lines = admin("GET", "/admin/lines");  // alive while iterated
  for (const auto& r : lines.at("recharges").as_array())
    if (r.at("partnerRechargeId").as_string() == "rc-lost") {
      ++partner_recharges;
      EXPECT_EQ(r.at("requestCount").to_number<int>(), 2);
    }
  EXPECT_EQ(partner_recharges, 1);
}

}  // namespace
