// The after-sales operations of ABI 1.3 (docs/carriers/mvno.md, "After-sales"):
// MvnoCancel, MvnoSubscriber, MvnoRecharge, MvnoSimReplace, MvnoSuspend and
// MvnoLostWrites (shared fixtures: mvno_plugin_fixture.hpp).
#include "mvno_plugin_fixture.hpp"

using namespace mvno_plugin;

namespace {

const json::object kLine{{"msisdn", kMsisdn},
                         {"lineStatus", "NORMAL"},
                         {"suspendBy", ""},
                         {"reasonCode", ""},
                         {"productCode", "MV-170-CHAT-8"},
                         {"balance", 1900},
                         {"dataLeftMb", 512},
                         {"voiceLeftMin", 30}};

json::object line(json::object changes) {
  json::object l = kLine;
  for (const auto& [k, v] : changes) l[k] = v;
  return l;
}

json::value cancel_input() {
  return {{"gateway_order_id", "G-1"},
          {"carrier_order_id", "MV1"},
          {"plugin_data", ""},
          {"reason", "customer_request"}};
}
json::value recharge_input(int64_t amount = 5000) {
  return {{"gateway_recharge_id", "rch_1"}, {"msisdn", kMsisdn}, {"amount_fen", amount}};
}
}  // namespace

// ------------------------------------------------------ activation.cancel ---

TEST(MvnoCancel, SendsTheOrderAndReasonAndReadsTheVerdict) {
  Mvno m;
  auto s = m.start(cgw::op::kActivationCancel, cancel_input());
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/order/cancel");
  EXPECT_EQ(
      Mvno::body_of(*s),
      json::parse(R"({"partnerOrderNo":"G-1","orderNo":"MV1","cancelReason":"CUSTOMER_REQUEST"})"));
  auto done = Mvno::result_of(*m.resume(
      sv(s->state),
      ok({{"orderNo", "MV1"}, {"partnerOrderNo", "G-1"}, {"cancelResult", "CANCELLED"}})));
  EXPECT_EQ(done, json::parse(R"({"result":"cancelled","reason":""})"));
}

TEST(MvnoCancel, RefusalIsAVerdictWithTheCarriersReasonNotAnError) {
  Mvno m;
  auto r = m.run(cgw::op::kActivationCancel, cancel_input(),
                 ok({{"orderNo", "MV1"},
                     {"partnerOrderNo", "G-1"},
                     {"cancelResult", "REFUSED"},
                     {"refuseReason", "ALREADY_SHIPPED"}}));
  ASSERT_EQ(r->kind, CGW_STEP_DONE);
  EXPECT_EQ(Mvno::result_of(*r), json::parse(R"({"result":"refused","reason":"already_shipped"})"));
}

TEST(MvnoCancel, BadRepliesAndInputs) {
  Mvno m;
  auto run = [&](json::object data) {
    return Mvno::error_of(*m.run(cgw::op::kActivationCancel, cancel_input(), ok(data)));
  };
  // About another order, or a verdict the protocol does not have: the
  // carrier may have cancelled, so the outcome is unknown.
  for (const auto& data :
       {json::object{{"orderNo", "MV2"}, {"partnerOrderNo", "G-2"}, {"cancelResult", "CANCELLED"}},
        json::object{{"orderNo", "MV1"}, {"partnerOrderNo", "G-1"}, {"cancelResult", "MAYBE"}},
        json::object{{"orderNo", "MV1"},
                     {"partnerOrderNo", "G-1"},
                     {"cancelResult", "REFUSED"},
                     {"refuseReason", "already shipped, call 13900000000"}}}) {
    const Err e = run(data);
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE");
    EXPECT_TRUE(e.outcome_unknown);
  }
  EXPECT_EQ(Mvno::error_of(*m.run(cgw::op::kActivationCancel, cancel_input(), biz("4001"))).code,
            "ORDER_NOT_FOUND");
  auto bad_reason = cancel_input();
  bad_reason.as_object()["reason"] = "Kunde will nicht";
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationCancel, bad_reason)).code,
            "INVALID_ARGUMENT");
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationCancel, json::object{})).code,
            "INVALID_ARGUMENT");
  // Without a reason the carrier hears the default one.
  auto s = m.start(cgw::op::kActivationCancel, {{"gateway_order_id", "G-1"}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Mvno::body_of(*s),
            json::parse(R"({"partnerOrderNo":"G-1","cancelReason":"CUSTOMER_REQUEST"})"));
}

// ------------------------------------------------------- subscriber.query ---

TEST(MvnoSubscriber, QueryMapsTheLine) {
  Mvno m;
  auto s = m.start(cgw::op::kSubscriberQuery, {{"msisdn", kMsisdn}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/subscriber/query");
  EXPECT_EQ(Mvno::body_of(*s), json::parse(R"({"msisdn":"17001234567"})"));
  EXPECT_EQ(Mvno::result_of(*m.resume(sv(s->state), ok(kLine))),
            json::parse(R"({"status":"active","plan_id":"MV-170-CHAT-8","balance_fen":1900,
                            "data_left_mb":512,"voice_left_minutes":30,"reason":""})"));
  auto q = [&](json::object data) {
    return m.run(cgw::op::kSubscriberQuery, {{"msisdn", kMsisdn}}, ok(data));
  };
  auto suspended = Mvno::result_of(*q(line({{"lineStatus", "SUSPENDED"},
                                            {"suspendBy", "CARRIER"},
                                            {"reasonCode", "REVERIFICATION"},
                                            {"balance", -250}})));
  EXPECT_EQ(suspended.at("status"), "suspended");
  EXPECT_EQ(suspended.at("reason"), "reverification");
  EXPECT_EQ(suspended.at("balance_fen"), -250);
  EXPECT_EQ(Mvno::result_of(*q(line({{"lineStatus", "CLOSED"}}))).at("status"), "cancelled");
  EXPECT_EQ(Mvno::error_of(*q(line({{"lineStatus", "FROZEN"}}))).code, "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Mvno::error_of(*q(line({{"msisdn", "17001234568"}}))).code, "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Mvno::error_of(*q(line({{"balance", "19.00"}}))).code, "CARRIER_BAD_RESPONSE");
}

TEST(MvnoSubscriber, UnknownLinesAreSubscriberNotFound) {
  Mvno m;
  const Err e =
      Mvno::error_of(*m.run(cgw::op::kSubscriberQuery, {{"msisdn", kMsisdn}}, biz("5001")));
  EXPECT_EQ(e.code, "SUBSCRIBER_NOT_FOUND");
  EXPECT_EQ(e.carrier_code, "5001");
  // A number outside the MVNO segments is not asked about at all.
  const size_t before = m.sent().size();
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kSubscriberQuery, {{"msisdn", "13812345678"}})).code,
            "SUBSCRIBER_NOT_FOUND");
  EXPECT_EQ(m.sent().size(), before);
}

// ---------------------------------------- subscriber.recharge and its query ---

TEST(MvnoRecharge, SendsThePartnersIdAndReadsTheOutcome) {
  Mvno m;
  auto s = m.start(cgw::op::kSubscriberRecharge, recharge_input());
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/recharge/create");
  EXPECT_EQ(Mvno::body_of(*s),
            json::parse(R"({"partnerRechargeNo":"rch_1","msisdn":"17001234567","amount":5000})"));
  EXPECT_EQ(Mvno::result_of(*m.resume(sv(s->state), ok({{"partnerRechargeNo", "rch_1"},
                                                        {"rechargeNo", "RC9"},
                                                        {"rechargeStatus", "SUCCESS"},
                                                        {"balance", 6900}}))),
            json::parse(R"({"result":"succeeded","carrier_recharge_id":"RC9","reason":"",
                            "balance_fen":6900})"));
  auto failed = Mvno::result_of(*m.run(cgw::op::kSubscriberRecharge, recharge_input(),
                                       ok({{"partnerRechargeNo", "rch_1"},
                                           {"rechargeNo", "RC9"},
                                           {"rechargeStatus", "FAILED"},
                                           {"failCode", "PAYMENT_CHANNEL_ERROR"}})));
  EXPECT_EQ(failed.at("result"), "failed");
  EXPECT_EQ(failed.at("reason"), "payment_channel_error");
  // A top-up answered with another top-up's id, or "not found" from the
  // write itself, is unreadable: it may have been applied.
  for (const auto& data :
       {json::object{
            {"partnerRechargeNo", "rch_2"}, {"rechargeNo", "RC9"}, {"rechargeStatus", "SUCCESS"}},
        json::object{{"partnerRechargeNo", "rch_1"}, {"rechargeStatus", "NOT_FOUND"}}}) {
    const Err e = Mvno::error_of(*m.run(cgw::op::kSubscriberRecharge, recharge_input(), ok(data)));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE");
    EXPECT_TRUE(e.outcome_unknown);
  }
  EXPECT_EQ(
      Mvno::error_of(*m.run(cgw::op::kSubscriberRecharge, recharge_input(), biz("5102"))).code,
      "CARRIER_REJECTED");
}

TEST(MvnoRecharge, AmountsOutsideTheCarriersRangeAreRefusedWithoutACall) {
  Mvno m;
  for (int64_t amount : {0, -100, 500001}) {
    const Err e = Mvno::error_of(*m.start(cgw::op::kSubscriberRecharge, recharge_input(amount)));
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << amount;
  }
  EXPECT_EQ(m.start(cgw::op::kSubscriberRecharge, recharge_input(500000))->kind, CGW_STEP_SEND);
  EXPECT_EQ(m.sent().size(), 1u);
}

TEST(MvnoRecharge, QueryAnswersNotFoundOnlyWhenTheCarrierSaysSo) {
  Mvno m;
  const json::value in{{"gateway_recharge_id", "rch_1"}, {"msisdn", kMsisdn}};
  auto s = m.start(cgw::op::kSubscriberRechargeQuery, in);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/recharge/query");
  EXPECT_EQ(Mvno::body_of(*s),
            json::parse(R"({"partnerRechargeNo":"rch_1","msisdn":"17001234567"})"));
  EXPECT_EQ(Mvno::result_of(*m.resume(sv(s->state), ok({{"partnerRechargeNo", "rch_1"},
                                                        {"rechargeStatus", "NOT_FOUND"}}))),
            json::parse(R"({"result":"not_found","carrier_recharge_id":"","reason":""})"));
  auto done = Mvno::result_of(*m.run(
      cgw::op::kSubscriberRechargeQuery, in,
      ok({{"partnerRechargeNo", "rch_1"}, {"rechargeNo", "RC9"}, {"rechargeStatus", "SUCCESS"}})));
  EXPECT_EQ(done.at("result"), "succeeded");
  // A lost query answer is no "not found": the gateway must ask again.
  const Err lost = Mvno::error_of(
      *m.run(cgw::op::kSubscriberRechargeQuery, in, Reply::lost(CGW_TRANSPORT_TIMEOUT)));
  EXPECT_EQ(lost.code, "CARRIER_TIMEOUT");
  EXPECT_EQ(
      Mvno::error_of(*m.run(cgw::op::kSubscriberRechargeQuery, in,
                            ok({{"partnerRechargeNo", "rch_9"}, {"rechargeStatus", "NOT_FOUND"}})))
          .code,
      "CARRIER_BAD_RESPONSE");
}
