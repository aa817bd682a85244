// The mvno simulator's after-sales side over real HTTP (docs/carriers/mvno.md):
// the order lifecycle and its callbacks, cancellation, the line, top-ups,
// SIM replacement and suspensions, the carrier's own included.
#include "sim_mvno_after_sales_fixture.hpp"

#include <set>

using namespace mvno_after_sales;

namespace {
std::set<std::string> as_set(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}
}  // namespace

TEST_F(MvnoAfterSales, EveryStageIsCalledBackWithItsFields) {
  const std::string msisdn = open_line("act_lc", make_id("19900101", "905"));
  auto cbs = wait_where("partnerOrderNo", "act_lc", 3);
  ASSERT_EQ(as_set(statuses_of("act_lc")),
            (std::set<std::string>{"SHIPPED", "DELIVERED", "OPENED"}));
  std::string waybill;
  for (const auto& b : cbs) {
    EXPECT_EQ(b.at("notifyType").as_string(), "ORDER_STATUS");
    if (b.at("orderStatus").as_string() == "SHIPPED") {
      EXPECT_FALSE(b.at("logisticsCompany").as_string().empty());
      waybill = b.at("waybillNo").as_string();
    }
  }
  ASSERT_FALSE(waybill.empty());
  // The first top-up follows the activation (60 s by default): the sale counts.
  advance(60'000);
  auto topup = wait_where("orderStatus", "FIRST_RECHARGED", 1);
  ASSERT_EQ(topup.size(), 1u);
  EXPECT_EQ(topup[0].at("firstRechargeAmount").as_int64(), 5000);
  const auto q = data_of(call("/openapi/v1/order/query", {{"partnerOrderNo", "act_lc"}}));
  EXPECT_EQ(q.at("orderStatus").as_string(), "FIRST_RECHARGED");
  EXPECT_EQ(q.at("firstRechargeAmount").as_int64(), 5000);
  EXPECT_EQ(q.at("waybillNo").as_string(), waybill);
  const auto line = data_of(call("/openapi/v1/subscriber/query", {{"msisdn", msisdn}}));
  EXPECT_EQ(line.at("balance").as_int64(), 5000);
  EXPECT_EQ(line.at("lineStatus").as_string(), "NORMAL");
  EXPECT_EQ(line.at("productCode").as_string(), "MV-171-DATA-29");
}

TEST_F(MvnoAfterSales, CancelBeforeShippingOnlyAndAgainIsTheSameAnswer) {
  auto numbers = free_numbers(2);
  const std::string id = make_id("19900101", "903");
  ASSERT_EQ(code(order("act_a", numbers[0], occupy(numbers[0]), id)), "0000");
  ASSERT_EQ(code(order("act_b", numbers[1], occupy(numbers[1]), id)), "0000");
  for (int i = 0; i < 2; ++i) {
    const auto c =
        data_of(call("/openapi/v1/order/cancel",
                     {{"partnerOrderNo", "act_a"}, {"cancelReason", "CUSTOMER_REQUEST"}}));
    EXPECT_EQ(c.at("cancelResult").as_string(), "CANCELLED");
    EXPECT_EQ(c.at("partnerOrderNo").as_string(), "act_a");
  }
  const auto q = data_of(call("/openapi/v1/order/query", {{"partnerOrderNo", "act_a"}}));
  EXPECT_EQ(q.at("orderStatus").as_string(), "CANCELLED");
  EXPECT_EQ(q.at("reasonCode").as_string(), "CUSTOMER_REQUEST");
  // Shipping starts at a third of the activation delay.
  advance(30'000);
  EXPECT_EQ(status_of("act_b"), "SHIPPED");
  const auto refused = data_of(call("/openapi/v1/order/cancel", {{"partnerOrderNo", "act_b"}}));
  EXPECT_EQ(refused.at("cancelResult").as_string(), "REFUSED");
  EXPECT_EQ(refused.at("refuseReason").as_string(), "ALREADY_SHIPPED");
  EXPECT_EQ(status_of("act_b"), "SHIPPED");
  auto cancelled = wait_where("orderStatus", "CANCELLED", 1);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].at("partnerOrderNo").as_string(), "act_a");
  EXPECT_EQ(statuses_of("act_a"), std::vector<std::string>{"CANCELLED"}) << "it never shipped";

  EXPECT_EQ(code(call("/openapi/v1/order/cancel", {{"partnerOrderNo", "act_none"}})), "4001");
  EXPECT_EQ(code(call("/openapi/v1/order/cancel",
                      {{"partnerOrderNo", "act_b"}, {"cancelReason", "bitte nicht"}})),
            "1101");
  EXPECT_EQ(code(call("/openapi/v1/order/cancel", json::object{})), "1101");
}

TEST_F(MvnoAfterSales, MagicReturnProductShipsAndComesBack) {
  auto numbers = free_numbers(1);
  ASSERT_EQ(code(order("act_ret", numbers[0], occupy(numbers[0]), make_id("19900101", "907"),
                       "SIM-RETURN")),
            "0000");
  advance(60'000);
  EXPECT_EQ(status_of("act_ret"), "RETURNED");
  wait_where("partnerOrderNo", "act_ret", 2);
  EXPECT_EQ(statuses_of("act_ret"), (std::vector<std::string>{"SHIPPED", "RETURNED"}));
  const auto q = data_of(call("/openapi/v1/order/query", {{"partnerOrderNo", "act_ret"}}));
  EXPECT_EQ(q.at("reasonCode").as_string(), "RECIPIENT_UNREACHABLE");
  EXPECT_EQ(code(call("/openapi/v1/subscriber/query", {{"msisdn", numbers[0]}})), "5001");
}

TEST_F(MvnoAfterSales, TopUpsAreDeduplicatedOnThePartnersNumber) {
  const std::string msisdn = open_line("act_rc", make_id("19900101", "901"));
  const auto first = data_of(recharge("rc-1", msisdn, 1000));
  EXPECT_EQ(first.at("rechargeStatus").as_string(), "SUCCESS");
  EXPECT_EQ(first.at("balance").as_int64(), 1000);
  const auto again = data_of(recharge("rc-1", msisdn, 1000));
  EXPECT_EQ(again.at("rechargeNo"), first.at("rechargeNo"));
  EXPECT_EQ(again.at("balance").as_int64(), 1000) << "topped up once";
  EXPECT_EQ(code(recharge("rc-1", msisdn, 2000)), "5102");
  const auto found = data_of(
      call("/openapi/v1/recharge/query", {{"partnerRechargeNo", "rc-1"}, {"msisdn", msisdn}}));
  EXPECT_EQ(found.at("rechargeStatus").as_string(), "SUCCESS");
  EXPECT_EQ(found.at("rechargeNo"), first.at("rechargeNo"));
  const auto none = data_of(
      call("/openapi/v1/recharge/query", {{"partnerRechargeNo", "rc-never"}, {"msisdn", msisdn}}));
  EXPECT_EQ(none.at("rechargeStatus").as_string(), "NOT_FOUND");
  // The magic amount 444 fen: refused by the payment channel, and so again.
  for (int i = 0; i < 2; ++i) {
    const auto failed = data_of(recharge("rc-444", msisdn, 444));
    EXPECT_EQ(failed.at("rechargeStatus").as_string(), "FAILED");
    EXPECT_EQ(failed.at("failCode").as_string(), "CHANNEL_ERROR");
  }
  const auto line = data_of(call("/openapi/v1/subscriber/query", {{"msisdn", msisdn}}));
  EXPECT_EQ(line.at("balance").as_int64(), 1000);
  EXPECT_EQ(code(recharge("rc-2", "17099999999", 1000)), "5001");
  for (int64_t bad : {0, -5, 500001}) EXPECT_EQ(code(recharge("rc-3", msisdn, bad)), "1101");
}

TEST_F(MvnoAfterSales, SimReplacementChecksTheOwnerAndRunsItsOwnLifecycle) {
  const std::string owner = make_id("19900101", "904");
  const std::string msisdn = open_line("act_sr", owner);
  EXPECT_EQ(code(replace("simr-1", msisdn, make_id("19850505", "906"))), "5201");
  EXPECT_EQ(code(replace("simr-1", msisdn, make_id("19850505", "911"))), "3002");
  const auto created = data_of(replace("simr-1", msisdn, owner));
  EXPECT_EQ(created.at("orderStatus").as_string(), "ACCEPTED");
  EXPECT_EQ(data_of(replace("simr-1", msisdn, owner)).at("orderNo"), created.at("orderNo"));
  EXPECT_EQ(code(replace("act_sr", msisdn, owner)), "4002") << "an activation's number";
  EXPECT_EQ(code(replace("simr-2", "17099999999", owner)), "5001");
  EXPECT_EQ(code(call("/openapi/v1/sim/replace",
                      {{"partnerOrderNo", "simr-4"},
                       {"msisdn", msisdn},
                       {"certName", "测试用户"},
                       {"certNoEnc", gcm_seal(std::string(32, 'k'), owner)},
                       {"replaceReason", "LOST"},
                       {"receiver", {{"name", "a"}, {"phone", "1"}, {"address", "b"}}},
                       {"notifyUrl", partner_->url()}})),
            "1102");
  advance(60'000);
  EXPECT_EQ(status_of("simr-1"), "OPENED");
  wait_where("partnerOrderNo", "simr-1", 3);
  EXPECT_EQ(as_set(statuses_of("simr-1")),
            (std::set<std::string>{"SHIPPED", "DELIVERED", "OPENED"}));
}

TEST_F(MvnoAfterSales, SuspendResumeAndTheCarriersOwnSuspension) {
  const std::string msisdn = open_line("act_ss", make_id("19900101", "902"));
  for (int i = 0; i < 2; ++i) {
    const auto s = data_of(change("suspend", msisdn));
    EXPECT_EQ(s.at("lineStatus").as_string(), "SUSPENDED");
    EXPECT_EQ(s.at("suspendBy").as_string(), "PARTNER");
    EXPECT_EQ(s.at("reasonCode").as_string(), "LOST_PHONE");
  }
  EXPECT_EQ(data_of(change("resume", msisdn)).at("lineStatus").as_string(), "NORMAL");
  EXPECT_EQ(data_of(change("resume", msisdn)).at("lineStatus").as_string(), "NORMAL");

  // The carrier suspends the line for re-verification (the admin API): a
  // LINE_STATUS callback, and the partner cannot lift it.
  admin("POST", "/admin/lines/" + msisdn + "/suspend");
  auto events = wait_where("notifyType", "LINE_STATUS", 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("msisdn").as_string(), msisdn);
  EXPECT_EQ(events[0].at("lineStatus").as_string(), "SUSPENDED");
  EXPECT_EQ(events[0].at("suspendBy").as_string(), "CARRIER");
  EXPECT_EQ(events[0].at("reasonCode").as_string(), "REVERIFICATION");
  EXPECT_EQ(code(change("resume", msisdn)), "5301");
  EXPECT_EQ(data_of(change("suspend", msisdn)).at("suspendBy").as_string(), "CARRIER");
  const auto q = data_of(call("/openapi/v1/subscriber/query", {{"msisdn", msisdn}}));
  EXPECT_EQ(q.at("lineStatus").as_string(), "SUSPENDED");
  EXPECT_EQ(q.at("suspendBy").as_string(), "CARRIER");

  admin("POST", "/admin/lines/" + msisdn + "/resume");
  events = wait_where("notifyType", "LINE_STATUS", 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].at("lineStatus").as_string(), "NORMAL");
  EXPECT_EQ(code(change("suspend", "17099999999")), "5001");
  EXPECT_EQ(code(change("suspend", msisdn, "lost phone")), "1101");
}
