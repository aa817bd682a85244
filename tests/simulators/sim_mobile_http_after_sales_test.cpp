// More of sim_mobile_http_test: the after-sales endpoints of the mobile
// simulator over real HTTP (docs/carriers/mobile.md, "After-sales"): the
// order's stage words in queries and callbacks, cancel, subscriber query,
// recharge and its query, SIM replacement, suspend and resume, and the
// callback of a carrier-initiated suspension.
#include "sim_mobile_http_fixture.hpp"

#include <algorithm>

using namespace mobile_http;

namespace {

class MobileAfterSales : public MobileHttp {
 protected:
  MobileAfterSales() { fulfilment_ = true; }
  // Places an order (activation delay 60 s) and returns {number, orderId}.
  std::pair<std::string, std::string> place(const std::string& pid, const std::string& cert_no,
                                            const std::string& plan = "MB-5G-ZX-59") {
    const auto number = idle_numbers(1).at(0);
    auto r = call("POST", "/open/v1/orders", order_body(pid, number, lock(number), cert_no, plan));
    EXPECT_EQ(code(r), "0") << json::serialize(r);
    return {number, r.contains("data") ? std::string(r.at("data").at("orderId").as_string()) : ""};
  }
  // An activated line of `cert_no` (the first top-up not yet due).
  std::string line(const std::string& pid, const std::string& cert_no) {
    const auto number = place(pid, cert_no).first;
    advance(60'000);
    return number;
  }
  json::object query(const std::string& pid) {
    return call("GET", "/open/v1/orders/query?partnerOrderId=" + pid);
  }
  std::string state_of(const std::string& pid) {
    return std::string(query(pid).at("data").at("orderState").as_string());
  }
  // The callbacks received so far, as JSON, once `n` have arrived.
  std::vector<json::object> events(size_t n) {
    std::vector<json::object> out;
    for (const auto& r : wait_callbacks(n)) {
      EXPECT_TRUE(r.signature_ok);
      out.push_back(json::parse(r.body).as_object());
    }
    return out;
  }
  json::object post(const std::string& path, const json::object& body) {
    return call("POST", path, json::serialize(body));
  }
  json::object replace(const std::string& pid, const std::string& msisdn,
                       const std::string& cert_no) {
    return post("/open/v1/subscribers/sim-replace",
                {{"partnerReplaceId", pid},
                 {"msisdn", msisdn},
                 {"certName", "测试用户"},
                 {"certNo", cert_no},
                 {"reason", "LOST"},
                 {"contact", {{"name", "测试用户"}, {"phone", "13900000000"}, {"address", "x"}}},
                 {"notifyUrl", partner_->url()}});
  }
};

const std::string kOwner = make_id("19900101", "901");

}  // namespace

TEST_F(MobileAfterSales, EveryStageInTheQueryAndOneCallbackEach) {
  const auto order_id = place("P-1", kOwner).second;
  advance(20'000);  // 1/3 of the delay
  auto q = query("P-1").at("data").as_object();
  EXPECT_EQ(q.at("orderState").as_string(), "SHIPPED");
  EXPECT_EQ(q.at("orderType").as_string(), "NEW");
  const std::string courier(q.at("courier").as_string()), waybill(q.at("waybillNo").as_string());
  EXPECT_FALSE(courier.empty());
  EXPECT_TRUE(waybill.starts_with(courier)) << waybill;
  advance(20'000);
  EXPECT_EQ(state_of("P-1"), "DELIVERED");
  advance(20'000);
  EXPECT_EQ(state_of("P-1"), "SUCCESS");
  advance(60'000);  // the first top-up, 60 s after activation
  q = query("P-1").at("data").as_object();
  EXPECT_EQ(q.at("orderState").as_string(), "FIRST_TOPUP");
  EXPECT_EQ(q.at("topupAmount").as_int64(), 5'000);

  auto evs = events(4);
  ASSERT_EQ(evs.size(), 4u);
  // Deliveries run concurrently (a callback may still be in flight when the
  // next stage is due), so arrival order is not event order: eventTime is.
  std::sort(evs.begin(), evs.end(), [](const json::object& a, const json::object& b) {
    return a.at("eventTime").as_int64() < b.at("eventTime").as_int64();
  });
  const char* expected[] = {"SHIPPED", "DELIVERED", "SUCCESS", "FIRST_TOPUP"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(evs[i].at("orderState").as_string(), expected[i]);
    EXPECT_EQ(evs[i].at("eventType").as_string(), "ORDER");
    EXPECT_EQ(evs[i].at("orderId").as_string(), order_id);
  }
  EXPECT_EQ(evs[0].at("waybillNo").as_string(), waybill);
  EXPECT_EQ(evs[3].at("topupAmount").as_int64(), 5'000);
  EXPECT_EQ(partner_->received().size(), 4u) << "each stage once";
}

TEST_F(MobileAfterSales, ReviewAndReturnedOrders) {
  const auto number = idle_numbers(1).at(0);
  const auto lock_id = lock(number);
  auto r = call("POST", "/open/v1/orders",
                order_body("P-rv", number, lock_id, make_id("19900101", "981")));
  ASSERT_EQ(code(r), "0") << json::serialize(r);
  EXPECT_EQ(r.at("data").at("orderState").as_string(), "REVIEWING");
  place("P-ret", kOwner, "SIM-RETURN");
  advance(60'000);
  EXPECT_EQ(state_of("P-rv"), "SUCCESS");
  auto ret = query("P-ret").at("data").as_object();
  EXPECT_EQ(ret.at("orderState").as_string(), "RETURNED");
  EXPECT_EQ(ret.at("failReason").as_string(), "returned");
  std::vector<std::string> words;
  for (const auto& e : events(6)) words.emplace_back(e.at("orderState").as_string());
  EXPECT_EQ(std::count(words.begin(), words.end(), "REVIEWING"), 1) << words.size();
  EXPECT_EQ(std::count(words.begin(), words.end(), "RETURNED"), 1);
}

TEST_F(MobileAfterSales, CancelBeforeShippingOnly) {
  const auto a = place("P-a", kOwner).first;
  auto c = post("/open/v1/orders/cancel", {{"partnerOrderId", "P-a"}, {"reason", "customer"}});
  ASSERT_EQ(code(c), "0") << json::serialize(c);
  EXPECT_EQ(c.at("data").at("orderState").as_string(), "CANCELLED");
  EXPECT_EQ(code(post("/open/v1/orders/cancel", {{"partnerOrderId", "P-a"}})), "0")
      << "cancelling a cancelled order answers cancelled";
  EXPECT_EQ(state_of("P-a"), "CANCELLED");
  // The number is free again.
  EXPECT_EQ(code(post("/open/v1/numbers/lock", {{"number", a}, {"holdMinutes", 0}})), "0");
  // The cancellation is reported, checked before the next order exists:
  // deliveries run concurrently, so a later order's callback could come
  // first.
  bool cancelled_event = false;
  for (const auto& e : events(1)) cancelled_event |= e.at("orderState").as_string() == "CANCELLED";
  EXPECT_TRUE(cancelled_event);

  place("P-b", kOwner);
  advance(20'000);  // shipped
  EXPECT_EQ(code(post("/open/v1/orders/cancel", {{"partnerOrderId", "P-b"}})), "5003");
  advance(40'000);  // activated
  EXPECT_EQ(code(post("/open/v1/orders/cancel", {{"partnerOrderId", "P-b"}})), "5004");
  EXPECT_EQ(code(post("/open/v1/orders/cancel", {{"partnerOrderId", "P-none"}})), "5001");
  EXPECT_EQ(code(post("/open/v1/orders/cancel", {{"reason", "x"}})), "2001");
}

TEST_F(MobileAfterSales, SubscriberRechargeDedupeAndQuery) {
  const auto msisdn = line("P-1", kOwner);
  auto s = call("GET", "/open/v1/subscribers/query?msisdn=" + msisdn);
  ASSERT_EQ(code(s), "0") << json::serialize(s);
  EXPECT_EQ(s.at("data").at("status").as_string(), "ACTIVE");
  EXPECT_EQ(s.at("data").at("planCode").as_string(), "MB-5G-ZX-59");
  EXPECT_EQ(s.at("data").at("balance").as_int64(), 0);
  EXPECT_EQ(code(call("GET", "/open/v1/subscribers/query?msisdn=13000000000")), "6001");
  EXPECT_EQ(code(call("GET", "/open/v1/subscribers/query?msisdn=12")), "2001");

  const json::object top{{"partnerRechargeId", "R-1"}, {"msisdn", msisdn}, {"amount", 2'000}};
  auto r1 = post("/open/v1/recharges", top);
  ASSERT_EQ(code(r1), "0") << json::serialize(r1);
  EXPECT_EQ(r1.at("data").at("rechargeState").as_string(), "SUCCESS");
  EXPECT_EQ(r1.at("data").at("balance").as_int64(), 2'000);
  auto r2 = post("/open/v1/recharges", top);
  EXPECT_EQ(r2.at("data").at("rechargeId"), r1.at("data").at("rechargeId"));
  EXPECT_EQ(call("GET", "/open/v1/subscribers/query?msisdn=" + msisdn)
                .at("data")
                .at("balance")
                .as_int64(),
            2'000)
      << "a retry tops up once";
  auto q = call("GET", "/open/v1/recharges/query?partnerRechargeId=R-1");
  EXPECT_EQ(q.at("data").at("rechargeId"), r1.at("data").at("rechargeId"));
  EXPECT_EQ(code(call("GET", "/open/v1/recharges/query?partnerRechargeId=R-404")), "6002");

  EXPECT_EQ(code(post("/open/v1/recharges",
                      {{"partnerRechargeId", "R-2"}, {"msisdn", msisdn}, {"amount", 50}})),
            "6004");
  auto refused = post("/open/v1/recharges",
                      {{"partnerRechargeId", "R-3"}, {"msisdn", msisdn}, {"amount", 44'400}});
  EXPECT_EQ(refused.at("data").at("rechargeState").as_string(), "FAILED");
  EXPECT_EQ(refused.at("data").at("failReason").as_string(), "6005");
  EXPECT_EQ(code(post("/open/v1/recharges",
                      {{"partnerRechargeId", "R-4"}, {"msisdn", "13000000000"}, {"amount", 100}})),
            "6001");
  EXPECT_EQ(code(post("/open/v1/recharges", {{"partnerRechargeId", "R-5"}, {"msisdn", msisdn}})),
            "2001");
}

TEST_F(MobileAfterSales, SimReplacementForTheOwnerOnly) {
  const auto msisdn = line("P-1", kOwner);
  EXPECT_EQ(code(replace("RP-x", msisdn, make_id("19850505", "123"))), "6003");
  EXPECT_EQ(code(replace("RP-y", msisdn, make_id("19900101", "971"))), "4008");
  EXPECT_EQ(code(replace("RP-z", "13000000000", kOwner)), "6001");
  auto r = replace("RP-1", msisdn, kOwner);
  ASSERT_EQ(code(r), "0") << json::serialize(r);
  const std::string order_id(r.at("data").at("orderId").as_string());
  EXPECT_EQ(r.at("data").at("orderState").as_string(), "PROCESSING");
  EXPECT_EQ(replace("RP-1", msisdn, kOwner).at("data").at("orderId").as_string(), order_id);
  auto q = query("RP-1").at("data").as_object();
  EXPECT_EQ(q.at("orderType").as_string(), "SIM_REPLACE");
  advance(3'000);
  EXPECT_EQ(state_of("RP-1"), "SUCCESS");
  EXPECT_EQ(admin("GET", "/admin/lines").at("lines").at(0).at("replacements").as_int64(), 1);
}

TEST_F(MobileAfterSales, SuspendResumeAndTheCarriersSuspension) {
  const auto msisdn = line("P-1", kOwner);
  const size_t before = events(3).size();  // shipped, delivered, activated
  auto change = [&](const std::string& what, const std::string& rid) {
    return post("/open/v1/subscribers/" + what,
                {{"partnerRequestId", rid}, {"msisdn", msisdn}, {"reason", "LOST_PHONE"}});
  };
  auto s = change("suspend", "Q1");
  ASSERT_EQ(code(s), "0") << json::serialize(s);
  EXPECT_EQ(s.at("data").at("status").as_string(), "SUSPENDED");
  EXPECT_EQ(s.at("data").at("suspendType").as_string(), "HOLDER");
  EXPECT_EQ(change("suspend", "Q2").at("data").at("status").as_string(), "SUSPENDED");
  EXPECT_EQ(change("resume", "Q3").at("data").at("status").as_string(), "ACTIVE");
  EXPECT_EQ(change("resume", "Q4").at("data").at("status").as_string(), "ACTIVE");

  admin("POST", "/admin/lines/" + msisdn + "/suspend", R"({"reason":"reverification"})");
  auto evs = events(before + 1);
  ASSERT_EQ(evs.size(), before + 1);
  const auto& ev = evs.back();
  EXPECT_EQ(ev.at("eventType").as_string(), "SUBSCRIBER");
  EXPECT_EQ(ev.at("msisdn").as_string(), msisdn);
  EXPECT_EQ(ev.at("status").as_string(), "SUSPENDED");
  EXPECT_EQ(ev.at("suspendType").as_string(), "CARRIER");
  EXPECT_EQ(ev.at("reason").as_string(), "reverification");
  EXPECT_EQ(code(change("resume", "Q5")), "6007") << "only the carrier lifts its suspension";
  EXPECT_EQ(code(post("/open/v1/subscribers/suspend", {{"msisdn", msisdn}})), "2001");
}
