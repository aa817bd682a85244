// More of sim_kit_test: faults on the after-sales operations of the mobile
// simulator (the operation names are the endpoint paths): a recharge whose
// answer is lost after the carrier applied it, a cancel refused before it
// reached the carrier, and the operation names the kit accepts.
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

namespace {

class SimKitAfterSales : public SimKit {
 protected:
  // An activated line in the default namespace; returns its number.
  std::string activated_line(const std::string& pid) {
    const std::string order_id = place_order("", pid);
    clock("", {{"advance_ms", 60'000}});
    const auto state = admin("GET", "/admin/state");  // outlives the loop
    for (const auto& o : state.at("orders").as_array())
      if (o.at("orderId").as_string() == order_id) return std::string(o.at("number").as_string());
    return "";
  }
  net::ClientResponse recharge(const std::string& msisdn, const std::string& id) {
    return signed_call("POST", "/open/v1/recharges",
                       json::serialize(json::object{
                           {"partnerRechargeId", id}, {"msisdn", msisdn}, {"amount", 3'000}}));
  }
  int64_t balance(const std::string& msisdn) {
    auto r = signed_call("GET", "/open/v1/subscribers/query?msisdn=" + msisdn);
    EXPECT_EQ(code(r), "0") << r.body;
    return json::parse(r.body).at("data").at("balance").as_int64();
  }
};

}  // namespace

TEST_F(SimKitAfterSales, ARechargeWhoseAnswerIsLostWasApplied) {
  clock("", {{"freeze", true}});
  const std::string msisdn = activated_line("P-line");
  ASSERT_FALSE(msisdn.empty());
  admin(
      "POST", "/admin/faults",
      {{"operation", "/open/v1/recharges"}, {"kind", "reset"}, {"after_serve", true}, {"first", 1}},
      201);
  auto lost = recharge(msisdn, "R-1");
  EXPECT_FALSE(lost.ok()) << "the answer is lost: " << lost.status;
  EXPECT_EQ(balance(msisdn), 3'000) << "but the top-up happened";
  // The partner asks instead of topping up again; a retry of the same id
  // answers the first top-up.
  auto q = signed_call("GET", "/open/v1/recharges/query?partnerRechargeId=R-1");
  ASSERT_EQ(code(q), "0") << q.body;
  const json::value found = json::parse(q.body).at("data");
  EXPECT_EQ(found.at("rechargeState").as_string(), "SUCCESS");
  auto retry = recharge(msisdn, "R-1");
  ASSERT_EQ(code(retry), "0") << retry.body;
  EXPECT_EQ(json::parse(retry.body).at("data").at("rechargeId"), found.at("rechargeId"));
  EXPECT_EQ(balance(msisdn), 3'000);
  auto lines = admin("GET", "/admin/lines");
  EXPECT_EQ(lines.at("recharges").at(0).at("requestCount").as_int64(), 2);
}

TEST_F(SimKitAfterSales, ACancelRefusedBeforeServingChangesNothing) {
  clock("", {{"freeze", true}});
  place_order("", "P-c");
  admin("POST", "/admin/faults",
        {{"operation", "/open/v1/orders/cancel"},
         {"kind", "http_status"},
         {"status", 503},
         {"first", 1}},
        201);
  const std::string body = json::serialize(json::object{{"partnerOrderId", "P-c"}});
  EXPECT_EQ(signed_call("POST", "/open/v1/orders/cancel", body).status, 503);
  auto q = signed_call("GET", "/open/v1/orders/query?partnerOrderId=P-c");
  EXPECT_EQ(json::parse(q.body).at("data").at("orderState").as_string(), "PROCESSING");
  auto c = signed_call("POST", "/open/v1/orders/cancel", body);
  ASSERT_EQ(code(c), "0") << c.body;
  EXPECT_EQ(json::parse(c.body).at("data").at("orderState").as_string(), "CANCELLED");
}

TEST_F(SimKitAfterSales, EveryAfterSalesOperationTakesFaults) {
  for (const char* op :
       {"/open/v1/orders/cancel", "/open/v1/subscribers/query", "/open/v1/subscribers/sim-replace",
        "/open/v1/subscribers/suspend", "/open/v1/subscribers/resume", "/open/v1/recharges",
        "/open/v1/recharges/query"})
    admin("POST", "/admin/faults",
          {{"operation", op}, {"kind", "timeout"}, {"hold_ms", 10}, {"first", 1}}, 201);
  admin("POST", "/admin/faults",
        {{"operation", "/open/v1/refunds"}, {"kind", "timeout"}, {"first", 1}}, 400);
  EXPECT_EQ(admin("GET", "/admin/faults").at("faults").as_array().size(), 7u);
}
