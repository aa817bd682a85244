// The telecom simulator's after-sales calls (docs/carriers/telecom.md,
// "After-sales") over real HTTP: the lifecycle statuses in queries and in
// one signed callback each (REVIEWING, SHIPPED, ACTIVATED, CANCELLED,
// RETURNED; never a delivery or first top-up), orders/cancel,
// subscribers/query, recharges/create / recharges/query (exactly once, the
// magic amount, a lost answer through the fault injector) and sim/replace
// with its owner check. The simulator runs behind the kit's NamespaceRouter,
// as in cgw-sim, so faults apply.
#include "sim_telecom_http_fixture.hpp"

#include "cgw/sim/namespace_router.hpp"

#include <algorithm>

using namespace telecom_http;
namespace sim = cgw::sim;

namespace {

class TelecomAfterSales : public TelecomHttp {
 protected:
  void SetUp() override {
    sim::SimulatorConfig c;
    c.carrier = "telecom";
    c.app_id = kClientId;
    c.secret = kClientSecret;
    c.settings["callback_secret"] = kCallbackSecret;
    c.seed = 7;
    c.pool_size = 2000;
    c.activation_delay_ms = 60'000;  // stages move only when the test advances the clock
    sim::SimulatorFactory factory = [](asio::any_io_executor ex, const sim::SimulatorConfig& cfg) {
      auto s = cgw::sim::telecom::settings_from(cfg);
      s.tick_period = 20ms;
      return std::make_unique<cgw::sim::telecom::TelecomSimulator>(ex, s);
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
    token_ = fetch_token();
  }
  void TearDown() override {
    router_->stop();
    server_->drain();
    partner_->drain();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    client_.reset();
    partner_.reset();
    server_.reset();
    router_.reset();
  }

  Xml by_partner(const std::string& pid) {
    return call("/api/v1/orders/query", request(el("PartnerOrderId", pid)));
  }
  // The Status of every callback sent for `order_id`, sorted (each event
  // once, whatever its delivery attempts; deliveries may overtake each
  // other, which the partner's forward-only lifecycle absorbs).
  std::vector<std::string> notified(const std::string& order_id) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& r : wait_callbacks(0)) {
      pugi::xml_document doc;
      doc.load_string(r.body.c_str());
      const pugi::xml_node n = doc.document_element();
      if (order_id == n.child_value("OrderId") && seen.insert(n.child_value("EventId")).second)
        out.emplace_back(n.child_value("Status"));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> wait_notified(const std::string& order_id, size_t n) {
    for (int i = 0; i < 250 && notified(order_id).size() < n; ++i)
      std::this_thread::sleep_for(20ms);
    return notified(order_id);
  }
  // An activated line; returns the number.
  std::string line(const std::string& pid, const std::string& cert_no) {
    const std::string id = activate(pid, "CT-5G-CX-59", cert_no);
    advance(120'001);  // activated, then the (unreported) first top-up
    EXPECT_EQ(query(id).get("Status"), "ACTIVATED");
    return by_partner_number(pid);
  }
  std::string by_partner_number(const std::string& pid) {
    const json::value state = admin("GET", "/admin/state");
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == pid) return std::string(o.at("number").as_string());
    return "";
  }
  Xml recharge(const std::string& id, const std::string& number, const std::string& amount) {
    return call("/api/v1/recharges/create",
                request(el("PartnerRechargeId", id) + el("Msisdn", number) + el("Amount", amount)));
  }
  std::string replace_body(const std::string& id, const std::string& number,
                           const std::string& cert_no) {
    return request(el("PartnerReplaceId", id) + el("Msisdn", number) + "<Customer>" +
                   el("CertType", "ID_CARD") + el("CertName", "测试用户") + el("CertNo", cert_no) +
                   "</Customer>" + el("Reason", "LOST") + "<Delivery>" + el("Name", "测试用户") +
                   el("Phone", "13900000000") + el("Address", "广州市测试路2号") + "</Delivery>" +
                   el("NotifyUrl", partner_->url()));
  }

  std::unique_ptr<sim::NamespaceRouter> router_;
};

TEST_F(TelecomAfterSales, LifecycleInQueriesAndOneCallbackPerReportedStatus) {
  const std::string id = activate("T-1", "CT-5G-CX-59", make_id("19900101", "201"));
  advance(20'001);
  auto shipped = query(id);
  EXPECT_EQ(shipped.get("Status"), "SHIPPED");
  EXPECT_FALSE(shipped.get("LogisticsCompany").empty());
  EXPECT_FALSE(shipped.get("WaybillNo").empty());
  advance(20'000);
  EXPECT_EQ(query(id).get("Status"), "SHIPPED");    // no delivery reported
  advance(22'001);                                  // activated, then the first top-up
  EXPECT_EQ(query(id).get("Status"), "ACTIVATED");  // no first top-up reported
  EXPECT_EQ(wait_notified(id, 2), (std::vector<std::string>{"ACTIVATED", "SHIPPED"}));
  for (const auto& r : partner_->received()) EXPECT_TRUE(r.signature_ok);

  // A REVIEW applicant (98x) is REVIEWING once confirmed.
  const std::string number = free_numbers(1).at(0);
  const std::string reviewed =
      call("/api/v1/orders/create",
           create_body("T-2", number, reserve(number), make_id("19900101", "981")))
          .get("OrderId");
  ASSERT_EQ(call("/api/v1/orders/photos", photos(reviewed)).code(), "0");
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", reviewed))).get("Status"),
            "REVIEWING");
  EXPECT_EQ(query(reviewed).get("Status"), "REVIEWING");
  EXPECT_EQ(wait_notified(reviewed, 1), (std::vector<std::string>{"REVIEWING"}));
}

TEST_F(TelecomAfterSales, ReturnedCardsAndCancellations) {
  const std::string back = activate("T-3", "SIM-RETURN", make_id("19900101", "202"));
  advance(60'001);
  auto q = query(back);
  EXPECT_EQ(q.get("Status"), "RETURNED");
  EXPECT_EQ(q.get("Reason"), "UNDELIVERABLE");
  EXPECT_EQ(wait_notified(back, 2), (std::vector<std::string>{"RETURNED", "SHIPPED"}));

  // A confirmed order before shipping.
  const std::string id = activate("T-4", "CT-5G-CX-59", make_id("19900101", "203"));
  auto c = call("/api/v1/orders/cancel", request(el("OrderId", id) + el("Reason", "customer")));
  ASSERT_EQ(c.code(), "0") << c.body;
  EXPECT_EQ(c.get("Status"), "CANCELLED");
  EXPECT_EQ(call("/api/v1/orders/cancel", request(el("PartnerOrderId", "T-4"))).get("Status"),
            "CANCELLED");
  EXPECT_EQ(wait_notified(id, 1), (std::vector<std::string>{"CANCELLED"}));
  advance(60'001);
  EXPECT_EQ(query(id).get("Status"), "CANCELLED");

  // A draft: cancelled, then neither uploaded to nor confirmed.
  const std::string number = free_numbers(1).at(0);
  auto draft = call("/api/v1/orders/create",
                    create_body("T-5", number, reserve(number), make_id("19900101", "204")));
  const std::string draft_id = draft.get("OrderId");
  EXPECT_EQ(call("/api/v1/orders/cancel", request(el("OrderId", draft_id))).get("Status"),
            "CANCELLED");
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", draft_id))).code(), "50002");
  EXPECT_EQ(query(draft_id).get("Status"), "CANCELLED");

  // Too late once shipped or ended; unknown orders.
  const std::string late = activate("T-6", "CT-5G-CX-59", make_id("19900101", "205"));
  advance(20'001);
  EXPECT_EQ(call("/api/v1/orders/cancel", request(el("OrderId", late))).code(), "50006");
  advance(40'001);
  EXPECT_EQ(call("/api/v1/orders/cancel", request(el("OrderId", late))).code(), "50002");
  EXPECT_EQ(call("/api/v1/orders/cancel", request(el("PartnerOrderId", "nope"))).code(), "50001");
  EXPECT_EQ(call("/api/v1/orders/cancel", request("")).code(), "20002");
}

TEST_F(TelecomAfterSales, SubscriberAndExactlyOnceTopUps) {
  const std::string number = line("T-7", make_id("19900101", "206"));
  auto sub = call("/api/v1/subscribers/query", request(el("Msisdn", number)));
  ASSERT_EQ(sub.code(), "0") << sub.body;
  EXPECT_EQ(sub.get("Status"), "ACTIVE");
  const int64_t before = std::stoll(sub.get("Balance"));
  auto first = recharge("r-1", number, "1500");
  ASSERT_EQ(first.code(), "0") << first.body;
  EXPECT_EQ(first.get("Status"), "SUCCESS");
  EXPECT_EQ(std::stoll(first.get("Balance")), before + 1500);
  EXPECT_EQ(recharge("r-1", number, "1500").get("RechargeId"), first.get("RechargeId"));
  EXPECT_EQ(recharge("r-1", number, "1600").code(), "60102");
  auto q = call("/api/v1/recharges/query", request(el("PartnerRechargeId", "r-1")));
  EXPECT_EQ(q.get("RechargeId"), first.get("RechargeId"));
  EXPECT_EQ(call("/api/v1/recharges/query", request(el("PartnerRechargeId", "r-404"))).code(),
            "60101");
  auto refused = recharge("r-2", number, "6666");
  EXPECT_EQ(refused.get("Status"), "FAILED");
  EXPECT_EQ(refused.get("FailCode"), "60201");
  auto after = call("/api/v1/subscribers/query", request(el("Msisdn", number)));
  EXPECT_EQ(std::stoll(after.get("Balance")), before + 1500);

  admin("POST", "/admin/lines/" + number + "/suspend", "");
  auto suspended = call("/api/v1/subscribers/query", request(el("Msisdn", number)));
  EXPECT_EQ(suspended.get("Status"), "SUSPENDED");
  EXPECT_EQ(suspended.get("StatusReason"), "reverification");
  EXPECT_EQ(call("/api/v1/subscribers/query", request(el("Msisdn", free_numbers(1).at(0)))).code(),
            "60001");
  EXPECT_EQ(recharge("r-3", number, "0").code(), "20002");
}

TEST_F(TelecomAfterSales, RechargeWhoseAnswerIsLostIsFoundByTheQuery) {
  const std::string number = line("T-8", make_id("19900101", "207"));
  const auto added =
      raw("POST", "/admin/faults",
          R"({"operation":"recharges.create","kind":"timeout","after_serve":true,"hold_ms":50})",
          {{"Content-Type", "application/json"}});
  ASSERT_EQ(added.status, 201) << added.body;
  auto lost =
      raw("POST", "/api/v1/recharges/create",
          request(el("PartnerRechargeId", "r-lost") + el("Msisdn", number) + el("Amount", "700")),
          {{"Content-Type", "application/xml"}, {"Authorization", "Bearer " + token_}});
  EXPECT_FALSE(lost.ok() && lost.status == 200) << lost.body;
  admin("DELETE", "/admin/faults");
  auto q = call("/api/v1/recharges/query", request(el("PartnerRechargeId", "r-lost")));
  ASSERT_EQ(q.code(), "0") << q.body;
  EXPECT_EQ(q.get("Status"), "SUCCESS");
  auto again = recharge("r-lost", number, "700");
  EXPECT_EQ(again.get("RechargeId"), q.get("RechargeId"));
  EXPECT_EQ(again.get("Balance"), q.get("Balance"));  // topped up once
}

TEST_F(TelecomAfterSales, SimReplacementForTheOwnerOnly) {
  const std::string owner = make_id("19900101", "208");
  const std::string number = line("T-9", owner);
  auto refused =
      call("/api/v1/sim/replace", replace_body("rpl-0", number, make_id("19900101", "209")));
  EXPECT_EQ(refused.code(), "60003");
  auto r = call("/api/v1/sim/replace", replace_body("rpl-1", number, owner));
  ASSERT_EQ(r.code(), "0") << r.body;
  EXPECT_EQ(r.get("PartnerOrderId"), "rpl-1");
  const std::string order_id = r.get("OrderId");
  EXPECT_EQ(call("/api/v1/sim/replace", replace_body("rpl-1", number, owner)).get("OrderId"),
            order_id);
  EXPECT_EQ(by_partner("rpl-1").get("OrderId"), order_id);
  advance(3'001);
  EXPECT_EQ(by_partner("rpl-1").get("Status"), "ACTIVATED");
  EXPECT_EQ(wait_notified(order_id, 2), (std::vector<std::string>{"ACTIVATED", "SHIPPED"}));
  EXPECT_EQ(call("/api/v1/sim/replace", replace_body("rpl-2", free_numbers(1).at(0), owner)).code(),
            "60001");
  auto bad = replace_body("rpl-3", number, owner);
  bad.replace(bad.find("LOST"), 4, "STOLEN");
  EXPECT_EQ(call("/api/v1/sim/replace", bad).code(), "20002");
  // Nothing personal in the admin output.
  EXPECT_EQ(json::serialize(admin("GET", "/admin/state")).find(owner), std::string::npos);
}

}  // namespace
