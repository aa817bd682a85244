// More of mobile_plugin_test: the ABI 1.3 after-sales operations of the
// mobile plugin on the fake host (docs/carriers/mobile.md, "After-sales"):
// requests, answers, the lifecycle's order states, verdicts that are
// answers (a refused cancel, a recharge never received), and lost answers
// of writes (outcome unknown).
#include "mobile_plugin_fixture.hpp"

using namespace mobile_plugin;
using cgw::test::expect_done;
using cgw::test::expect_error;

namespace {

const json::object kLine{
    {"msisdn", "13800000001"}, {"status", "ACTIVE"}, {"suspendType", ""},   {"reason", ""},
    {"planCode", "P-39"},      {"balance", 1900},    {"dataLeftMb", 30720}, {"voiceLeftMin", 100}};

json::object recharge_reply(const char* state, const char* fail = "") {
  return {{"rechargeId", "RC1"},     {"partnerRechargeId", "rch_1"},
          {"msisdn", "13800000001"}, {"amount", 5000},
          {"rechargeState", state},  {"failReason", fail},
          {"balance", 6900},         {"rechargeTime", 1}};
}

json::object body_of(const cgw::test::Run& r) {
  return json::parse(r.sent.at(0).body).as_object();
}

TEST(MobileAfterSales, QueryMapsEveryStageWithCourierAndAmount) {
  Mobile m;
  const std::pair<const char*, const char*> states[] = {
      {"PROCESSING", "submitted"}, {"REVIEWING", "reviewing"}, {"SHIPPED", "shipped"},
      {"DELIVERED", "delivered"},  {"SUCCESS", "activated"},   {"FIRST_TOPUP", "first_topup"},
      {"FAILED", "failed"},        {"CANCELLED", "cancelled"}, {"RETURNED", "returned"}};
  for (const auto& [word, status] : states) {
    auto r = m.drive(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery),
                     {ok({{"orderId", "O-1"},
                          {"partnerOrderId", "G-1"},
                          {"orderState", word},
                          {"failReason", ""},
                          {"courier", "SF"},
                          {"waybillNo", "SF000000000001"},
                          {"topupAmount", std::string_view(word) == "FIRST_TOPUP" ? 5000 : 0}})});
    expect_done(r);
    EXPECT_EQ(r.result.at("status").as_string(), status) << word;
    EXPECT_EQ(r.result.at("courier").as_string(), "SF");
    EXPECT_EQ(r.result.at("waybill").as_string(), "SF000000000001");
    if (std::string_view(word) == "FIRST_TOPUP")
      EXPECT_EQ(r.result.at("amount_fen").as_int64(), 5000);
    else
      EXPECT_FALSE(r.result.as_object().contains("amount_fen")) << word;
  }
  // Before shipping there is no courier: none reported.
  auto r = m.drive(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery),
                   {ok({{"orderId", "O-1"}, {"orderState", "PROCESSING"}, {"courier", ""}})});
  EXPECT_FALSE(r.result.as_object().contains("courier"));
  // A first top-up without its amount is not the protocol.
  r = m.drive(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery),
              {ok({{"orderId", "O-1"}, {"orderState", "FIRST_TOPUP"}})});
  expect_error(r, cgw::code::kCarrierBadResponse, false);
}

TEST(MobileAfterSales, SubmitAnswersReviewing) {
  Mobile m;
  auto r = m.drive(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
                   {ok({{"orderId", "O-1"}, {"orderState", "REVIEWING"}})});
  expect_done(r);
  EXPECT_EQ(r.result.at("status").as_string(), "reviewing");
}

TEST(MobileAfterSales, CancelRequestAndVerdicts) {
  Mobile m;
  auto r = m.drive(cgw::op::kActivationCancel, valid_input(cgw::op::kActivationCancel),
                   {ok({{"orderId", "O-1"}, {"orderState", "CANCELLED"}})});
  expect_done(r);
  EXPECT_EQ(r.result.at("result").as_string(), "cancelled");
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.sent[0].method, "POST");
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/orders/cancel");
  EXPECT_EQ(body_of(r), (json::object{{"partnerOrderId", "G-1"}, {"reason", "customer_request"}}));
  EXPECT_TRUE(r.sent[0].replayable);

  const std::pair<const char*, const char*> refusals[] = {
      {"5003", "already_shipped"}, {"5004", "already_activated"}, {"5005", "already_finished"}};
  for (const auto& [code, reason] : refusals) {
    r = m.drive(cgw::op::kActivationCancel, valid_input(cgw::op::kActivationCancel), {biz(code)});
    expect_done(r);
    EXPECT_EQ(r.result.at("result").as_string(), "refused") << code;
    EXPECT_EQ(r.result.at("reason").as_string(), reason);
  }
  expect_error(
      m.drive(cgw::op::kActivationCancel, valid_input(cgw::op::kActivationCancel), {biz("5001")}),
      cgw::code::kOrderNotFound, false);
  // An answer that is not CANCELLED is not a verdict we can trust.
  expect_error(m.drive(cgw::op::kActivationCancel, valid_input(cgw::op::kActivationCancel),
                       {ok({{"orderId", "O-1"}, {"orderState", "SHIPPED"}})}),
               cgw::code::kCarrierBadResponse, false, true);
  expect_error(m.drive(cgw::op::kActivationCancel, json::object{{"reason", "x"}}, {}),
               cgw::code::kInvalidArgument, false);
}

// A write whose answer is lost may have been applied: outcome unknown. A
// request that provably never left is not.
TEST(MobileAfterSales, LostAnswersOfWritesAreOutcomeUnknown) {
  Mobile m;
  for (const std::string op :
       {cgw::op::kActivationCancel, cgw::op::kSubscriberRecharge, cgw::op::kSubscriberSimReplace,
        cgw::op::kSubscriberSuspend, cgw::op::kSubscriberResume}) {
    SCOPED_TRACE(op);
    expect_error(m.drive(op, valid_input(op), {transport(CGW_TRANSPORT_TIMEOUT)}),
                 cgw::code::kCarrierTimeout, true, true);
    expect_error(m.drive(op, valid_input(op), {transport(CGW_TRANSPORT_BROKEN)}),
                 cgw::code::kCarrierTimeout, true, true);
    expect_error(m.drive(op, valid_input(op), {http(502)}), cgw::code::kCarrierUnavailable, true,
                 true);
    expect_error(m.drive(op, valid_input(op), {raw("not json")}), cgw::code::kCarrierBadResponse,
                 false, true);
    expect_error(m.drive(op, valid_input(op), {transport(CGW_TRANSPORT_NOT_SENT)}),
                 cgw::code::kCarrierUnavailable, true, false);
  }
  // Reads stay known.
  for (const std::string op : {cgw::op::kSubscriberQuery, cgw::op::kSubscriberRechargeQuery}) {
    SCOPED_TRACE(op);
    expect_error(m.drive(op, valid_input(op), {transport(CGW_TRANSPORT_TIMEOUT)}),
                 cgw::code::kCarrierTimeout, true, false);
  }
}

TEST(MobileAfterSales, SubscriberQuery) {
  Mobile m;
  auto r = m.drive(cgw::op::kSubscriberQuery, valid_input(cgw::op::kSubscriberQuery), {ok(kLine)});
  expect_done(r);
  EXPECT_EQ(r.sent[0].method, "GET");
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/subscribers/query?msisdn=13800000001");
  EXPECT_EQ(r.result.at("status").as_string(), "active");
  EXPECT_EQ(r.result.at("plan_id").as_string(), "P-39");
  EXPECT_EQ(r.result.at("balance_fen").as_int64(), 1900);
  EXPECT_EQ(r.result.at("data_left_mb").as_int64(), 30720);
  EXPECT_EQ(r.result.at("voice_left_minutes").as_int64(), 100);
  expect_error(
      m.drive(cgw::op::kSubscriberQuery, valid_input(cgw::op::kSubscriberQuery), {biz("6001")}),
      cgw::code::kSubscriberNotFound, false);
  json::object odd = kLine;
  odd["status"] = "FROZEN";
  expect_error(
      m.drive(cgw::op::kSubscriberQuery, valid_input(cgw::op::kSubscriberQuery), {ok(odd)}),
      cgw::code::kCarrierBadResponse, false);
  expect_error(m.drive(cgw::op::kSubscriberQuery, json::object{}, {}), cgw::code::kInvalidArgument,
               false);
}

TEST(MobileAfterSales, RechargeAndItsQuery) {
  Mobile m;
  auto r = m.drive(cgw::op::kSubscriberRecharge, valid_input(cgw::op::kSubscriberRecharge),
                   {ok(recharge_reply("SUCCESS"))});
  expect_done(r);
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/recharges");
  EXPECT_EQ(
      body_of(r),
      (json::object{{"partnerRechargeId", "rch_1"}, {"msisdn", "13800000001"}, {"amount", 5000}}));
  EXPECT_TRUE(r.sent[0].replayable) << "deduplicated on partnerRechargeId";
  EXPECT_EQ(r.result.at("result").as_string(), "succeeded");
  EXPECT_EQ(r.result.at("carrier_recharge_id").as_string(), "RC1");
  EXPECT_EQ(r.result.at("balance_fen").as_int64(), 6900);

  r = m.drive(cgw::op::kSubscriberRecharge, valid_input(cgw::op::kSubscriberRecharge),
              {ok(recharge_reply("FAILED", "6005"))});
  EXPECT_EQ(r.result.at("result").as_string(), "failed");
  EXPECT_EQ(r.result.at("reason").as_string(), "6005");
  json::object other = recharge_reply("SUCCESS");
  other["partnerRechargeId"] = "rch_2";
  expect_error(
      m.drive(cgw::op::kSubscriberRecharge, valid_input(cgw::op::kSubscriberRecharge), {ok(other)}),
      cgw::code::kCarrierBadResponse, false, true);
  expect_error(
      m.drive(
          cgw::op::kSubscriberRecharge,
          json::object{{"gateway_recharge_id", "r"}, {"msisdn", "13800000001"}, {"amount_fen", 0}},
          {}),
      cgw::code::kInvalidArgument, false);

  r = m.drive(cgw::op::kSubscriberRechargeQuery, valid_input(cgw::op::kSubscriberRechargeQuery),
              {ok(recharge_reply("SUCCESS"))});
  expect_done(r);
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/recharges/query?partnerRechargeId=rch_1");
  EXPECT_EQ(r.result.at("result").as_string(), "succeeded");
  r = m.drive(cgw::op::kSubscriberRechargeQuery, valid_input(cgw::op::kSubscriberRechargeQuery),
              {biz("6002")});
  expect_done(r);
  EXPECT_EQ(r.result.at("result").as_string(), "not_found") << "only then is it sent again";
  // 6002 is a verdict of the query only: for a recharge it is a refusal.
  expect_error(m.drive(cgw::op::kSubscriberRecharge, valid_input(cgw::op::kSubscriberRecharge),
                       {biz("6002")}),
               cgw::code::kCarrierRejected, false);
}

TEST(MobileAfterSales, SimReplaceRequestAndRefusals) {
  Mobile m;
  auto r = m.drive(cgw::op::kSubscriberSimReplace, valid_input(cgw::op::kSubscriberSimReplace),
                   {ok({{"orderId", "MR1"}, {"orderState", "PROCESSING"}})});
  expect_done(r);
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/subscribers/sim-replace");
  const json::object body = body_of(r);
  EXPECT_EQ(body.at("partnerReplaceId").as_string(), "rpl_1");
  EXPECT_EQ(body.at("reason").as_string(), "LOST");
  EXPECT_EQ(body.at("certNo").as_string(), kIdNumber);
  EXPECT_EQ(body.at("notifyUrl").as_string(), "http://127.0.0.1:8080/callbacks/mobile?tenant=t1");
  EXPECT_EQ(r.result.at("carrier_order_id").as_string(), "MR1");
  EXPECT_EQ(r.result.at("status").as_string(), "submitted");
  expect_error(m.drive(cgw::op::kSubscriberSimReplace, valid_input(cgw::op::kSubscriberSimReplace),
                       {biz("6003")}),
               cgw::code::kIdentityMismatch, false);
  json::value bad = valid_input(cgw::op::kSubscriberSimReplace);
  bad.as_object()["reason"] = "stolen";
  expect_error(m.drive(cgw::op::kSubscriberSimReplace, bad, {}), cgw::code::kInvalidArgument,
               false);
  expect_not_leaked(m, kIdNumber);
  expect_not_leaked(m, kName);
}

TEST(MobileAfterSales, SuspendAndResume) {
  Mobile m;
  json::object suspended = kLine;
  suspended["status"] = "SUSPENDED";
  suspended["suspendType"] = "HOLDER";
  suspended["reason"] = "lost_phone";
  auto r = m.drive(cgw::op::kSubscriberSuspend, valid_input(cgw::op::kSubscriberSuspend),
                   {ok(suspended)});
  expect_done(r);
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/subscribers/suspend");
  EXPECT_EQ(body_of(r), (json::object{{"partnerRequestId", "req_1"},
                                      {"msisdn", "13800000001"},
                                      {"reason", "lost_phone"}}));
  EXPECT_EQ(r.result.at("status").as_string(), "suspended");
  EXPECT_EQ(r.result.at("reason").as_string(), "lost_phone");
  r = m.drive(cgw::op::kSubscriberResume, valid_input(cgw::op::kSubscriberResume), {ok(kLine)});
  EXPECT_EQ(target_of(r.sent[0].url), "/open/v1/subscribers/resume");
  EXPECT_EQ(r.result.at("status").as_string(), "active");
  expect_error(
      m.drive(cgw::op::kSubscriberResume, valid_input(cgw::op::kSubscriberResume), {biz("6007")}),
      cgw::code::kCarrierRejected, false);
}

}  // namespace
