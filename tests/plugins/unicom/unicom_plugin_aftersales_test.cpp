// The after-sales operations of the unicom plugin (ABI 1.3,
// docs/carriers/unicom.md "After-sales"): the order states past IN_PROCESS,
// order.cancel, user.query, recharge.create / recharge.query, user.stop /
// user.restart, on the SDK's fake host (unicom_plugin_fixture.hpp).
#include "unicom_plugin_fixture.hpp"

using namespace unicom_plugin;

namespace {

json::value order(const char* state, json::object extra = {}) {
  json::object o{{"order_id", "UO1"}, {"out_order_id", "G-1"}, {"order_state", state}};
  for (auto& [k, v] : extra) o[k] = v;
  return o;
}

json::value query(Unicom& u, const json::value& data) {
  return Unicom::result_of(
      *u.run(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery), ok(data)));
}

Err query_error(Unicom& u, const json::value& data) {
  return Unicom::error_of(
      *u.run(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery), ok(data)));
}

const json::value kCancel = {
    {"gateway_order_id", "G-1"}, {"carrier_order_id", "UO1"}, {"reason", "customer_request"}};
const json::value kRecharge = {
    {"gateway_recharge_id", "rch_1"}, {"msisdn", "18600000001"}, {"amount_fen", 5000}};
const json::value kRechargeQuery = {{"gateway_recharge_id", "rch_1"}, {"msisdn", "18600000001"}};
const json::value kChange = {
    {"gateway_request_id", "req_1"}, {"msisdn", "18600000001"}, {"reason", "lost_phone"}};

json::value user(const char* state, json::object extra = {}) {
  json::object o{{"number", "18600000001"}, {"user_state", state},  {"product_code", "UC-5G-39"},
                 {"balance", -120},         {"flow_left_mb", 2048}, {"voice_left_min", 88}};
  for (auto& [k, v] : extra) o[k] = v;
  return o;
}

json::value recharge(const char* state, json::object extra = {}) {
  json::object o{{"recharge_id", "UR7"}, {"out_recharge_id", "rch_1"}, {"recharge_state", state}};
  for (auto& [k, v] : extra) o[k] = v;
  return o;
}

// ------------------------------------------------------------ order states ---

TEST(UnicomLifecycle, QueryMapsEveryReportedState) {
  Unicom u;
  EXPECT_EQ(query(u, order("SHIPPED", {{"express_company", "顺丰速运"}, {"express_no", "SF1001"}})),
            json::parse(R"({"carrier_order_id":"UO1","status":"shipped","reason":"",)"
                        R"("courier":"顺丰速运","waybill":"SF1001"})"));
  EXPECT_EQ(query(u, order("DELIVERED")).at("status"), "delivered");
  EXPECT_EQ(query(u, order("FIRST_RECHARGED", {{"first_recharge_amount", 5000}})),
            json::parse(R"({"carrier_order_id":"UO1","status":"first_topup","reason":"",)"
                        R"("amount_fen":5000})"));
  EXPECT_EQ(query(u, order("CANCELLED", {{"cancel_reason", "customer_request"}})),
            json::parse(R"({"carrier_order_id":"UO1","status":"cancelled",)"
                        R"("reason":"customer_request"})"));
}

TEST(UnicomLifecycle, StatesMissingWhatComesWithThemAreBadReplies) {
  Unicom u;
  for (const json::value& bad :
       {order("SHIPPED", {{"express_company", "顺丰速运"}}),
        order("SHIPPED", {{"express_no", "SF1"}}),
        order("SHIPPED", {{"express_company", "顺丰"}, {"express_no", "SF 1\n"}}),
        order("FIRST_RECHARGED"), order("FIRST_RECHARGED", {{"first_recharge_amount", 0}}),
        order("CANCELLED", {{"cancel_reason", "有人 说"}}), order("REVIEWING")}) {
    const Err e = query_error(u, bad);
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << json::serialize(bad);
    EXPECT_FALSE(e.outcome_unknown);  // a read
  }
}

TEST(UnicomLifecycle, SubmitAnswerCarriesTheShippedState) {
  Unicom u;
  auto s = u.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
                 ok(order("SHIPPED", {{"express_company", "EMS"}, {"express_no", "E77"}})));
  const json::value r = Unicom::result_of(*s);
  EXPECT_EQ(r.at("status"), "shipped");
  EXPECT_EQ(r.at("waybill"), "E77");
}

// ------------------------------------------------------ activation.cancel ---

TEST(UnicomCancel, SendsOrderCancelAndReadsTheVerdict) {
  Unicom u;
  auto s = u.start(cgw::op::kActivationCancel, kCancel);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  auto f = Unicom::form(*s);
  EXPECT_EQ(f.at("method"), "order.cancel");
  EXPECT_EQ(f.at("out_order_id"), "G-1");
  EXPECT_EQ(f.at("order_id"), "UO1");
  EXPECT_EQ(f.at("cancel_reason"), "customer_request");
  EXPECT_EQ(f.at("sign"), expected_sign("s3cret-key", f));
  EXPECT_NE(s->request_flags & CGW_REQUEST_REPLAYABLE, 0u);
  EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok(order("CANCELLED")))),
            json::parse(R"({"result":"cancelled","reason":""})"));
}

TEST(UnicomCancel, ShippedOrFinishedOrdersAreRefusalsNotErrors) {
  Unicom u;
  EXPECT_EQ(Unicom::result_of(*u.run(cgw::op::kActivationCancel, kCancel, biz("5002"))),
            json::parse(R"({"result":"refused","reason":"already_shipped"})"));
  EXPECT_EQ(Unicom::result_of(*u.run(cgw::op::kActivationCancel, kCancel, biz("5003"))),
            json::parse(R"({"result":"refused","reason":"order_finished"})"));
  const Err e = Unicom::error_of(*u.run(cgw::op::kActivationCancel, kCancel, biz("5001")));
  EXPECT_EQ(e.code, "ORDER_NOT_FOUND");
  // Outside a cancel, 5002 is a plain refusal.
  EXPECT_EQ(Unicom::error_of(*u.run(cgw::op::kActivationSubmit,
                                    valid_input(cgw::op::kActivationSubmit), biz("5002")))
                .code,
            "CARRIER_REJECTED");
}

TEST(UnicomCancel, LostOrUnreadableAnswersLeaveTheOutcomeUnknown) {
  Unicom u;
  for (const Reply& r : {transport(CGW_TRANSPORT_TIMEOUT), transport(CGW_TRANSPORT_BROKEN),
                         http(502), ok(order("IN_PROCESS")), raw("{")}) {
    const Err e = Unicom::error_of(*u.run(cgw::op::kActivationCancel, kCancel, r));
    EXPECT_TRUE(e.outcome_unknown) << e.code;
  }
  const Err not_sent = Unicom::error_of(
      *u.run(cgw::op::kActivationCancel, kCancel, transport(CGW_TRANSPORT_NOT_SENT)));
  EXPECT_EQ(not_sent.code, "CARRIER_UNAVAILABLE");
  EXPECT_FALSE(not_sent.outcome_unknown);
  const Err other = Unicom::error_of(
      *u.run(cgw::op::kActivationCancel, kCancel,
             ok(json::object{
                 {"order_id", "UO2"}, {"out_order_id", "G-1"}, {"order_state", "CANCELLED"}})));
  EXPECT_EQ(other.code, "CARRIER_BAD_RESPONSE");
  EXPECT_TRUE(other.outcome_unknown);
}

TEST(UnicomCancel, NeedsAnOrderId) {
  Unicom u;
  auto s = u.start(cgw::op::kActivationCancel, json::object{{"reason", "x"}});
  EXPECT_EQ(Unicom::error_of(*s).code, "INVALID_ARGUMENT");
  EXPECT_TRUE(u.sent().empty());
}

// ------------------------------------------------------- subscriber.query ---

TEST(UnicomSubscriber, QueryMapsTheLine) {
  Unicom u;
  auto s = u.start(cgw::op::kSubscriberQuery, json::object{{"msisdn", "18600000001"}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s).at("method"), "user.query");
  EXPECT_EQ(Unicom::form(*s).at("number"), "18600000001");
  EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok(user("NORMAL")))),
            json::parse(R"({"status":"active","plan_id":"UC-5G-39","balance_fen":-120,)"
                        R"("data_left_mb":2048,"voice_left_minutes":88,"reason":""})"));
  auto q = [&](const json::value& data) {
    return u.run(cgw::op::kSubscriberQuery, json::object{{"msisdn", "18600000001"}}, ok(data));
  };
  const json::value stopped = Unicom::result_of(*q(user("STOPPED", {{"stop_reason", "REVERIFY"}})));
  EXPECT_EQ(stopped.at("status"), "suspended");
  EXPECT_EQ(stopped.at("reason"), "REVERIFY");
  EXPECT_EQ(Unicom::result_of(*q(user("CLOSED"))).at("status"), "cancelled");
  EXPECT_EQ(Unicom::error_of(*q(user("FROZEN"))).code, "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Unicom::error_of(*q(user("NORMAL", {{"number", "18600000002"}}))).code,
            "CARRIER_BAD_RESPONSE");
  const Err nf = Unicom::error_of(
      *u.run(cgw::op::kSubscriberQuery, json::object{{"msisdn", "18600000001"}}, biz("6001")));
  EXPECT_EQ(nf.code, "SUBSCRIBER_NOT_FOUND");
  EXPECT_EQ(nf.carrier_code, "6001");
}

// ---------------------------------------------------- subscriber.recharge ---

TEST(UnicomRecharge, SendsTheTopUpDeduplicatedOnThePartnerId) {
  Unicom u;
  auto s = u.start(cgw::op::kSubscriberRecharge, kRecharge);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  auto f = Unicom::form(*s);
  EXPECT_EQ(f.at("method"), "recharge.create");
  EXPECT_EQ(f.at("out_recharge_id"), "rch_1");
  EXPECT_EQ(f.at("amount"), "5000");
  EXPECT_NE(s->request_flags & CGW_REQUEST_REPLAYABLE, 0u);
  EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok(recharge("SUCCESS", {{"balance", 6900}})))),
            json::parse(R"({"result":"succeeded","carrier_recharge_id":"UR7","reason":"",)"
                        R"("balance_fen":6900})"));
  EXPECT_EQ(Unicom::result_of(*u.run(cgw::op::kSubscriberRecharge, kRecharge,
                                     ok(recharge("FAIL", {{"fail_code", "6002"}})))),
            json::parse(R"({"result":"failed","carrier_recharge_id":"UR7","reason":"6002"})"));
}

TEST(UnicomRecharge, LostAnswersAreUnknownAndRefusalsAreErrors) {
  Unicom u;
  for (const Reply& r : {transport(CGW_TRANSPORT_TIMEOUT), http(500), ok(recharge("PROCESSING")),
                         ok(json::object{{"recharge_id", "UR7"},
                                         {"out_recharge_id", "rch_2"},
                                         {"recharge_state", "SUCCESS"}})}) {
    const Err e = Unicom::error_of(*u.run(cgw::op::kSubscriberRecharge, kRecharge, r));
    EXPECT_TRUE(e.outcome_unknown) << e.code;
  }
  const std::pair<const char*, const char*> refusals[] = {{"6001", "SUBSCRIBER_NOT_FOUND"},
                                                          {"6002", "CARRIER_REJECTED"},
                                                          {"6102", "CARRIER_REJECTED"},
                                                          {"2002", "INVALID_ARGUMENT"}};
  for (const auto& [code, gateway] : refusals) {
    const Err e = Unicom::error_of(*u.run(cgw::op::kSubscriberRecharge, kRecharge, biz(code)));
    EXPECT_EQ(e.code, gateway) << code;
    EXPECT_FALSE(e.outcome_unknown);
  }
  auto zero =
      u.start(cgw::op::kSubscriberRecharge,
              json::object{{"gateway_recharge_id", "r"}, {"msisdn", "1"}, {"amount_fen", 0}});
  EXPECT_EQ(Unicom::error_of(*zero).code, "INVALID_ARGUMENT");
}

TEST(UnicomRecharge, QueryAnswersNotFoundOnlyForTheCarriersNotFound) {
  Unicom u;
  auto s = u.start(cgw::op::kSubscriberRechargeQuery, kRechargeQuery);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s).at("method"), "recharge.query");
  EXPECT_EQ(Unicom::result_of(*u.resume(*s, biz("6101"))),
            json::parse(R"({"result":"not_found","carrier_recharge_id":"","reason":""})"));
  EXPECT_EQ(Unicom::result_of(
                *u.run(cgw::op::kSubscriberRechargeQuery, kRechargeQuery, ok(recharge("SUCCESS"))))
                .at("result"),
            "succeeded");
  // Anything else is no proof that the top-up never arrived.
  for (const Reply& r : {transport(CGW_TRANSPORT_TIMEOUT), biz("9999"), http(503)})
    EXPECT_EQ(u.run(cgw::op::kSubscriberRechargeQuery, kRechargeQuery, r)->kind, CGW_STEP_FAIL);
}

// ------------------------------------------------- subscriber.suspend/resume ---

TEST(UnicomSuspend, StopAndRestartTheLine) {
  Unicom u;
  const std::pair<const char*, const char*> ops[] = {{cgw::op::kSubscriberSuspend, "user.stop"},
                                                     {cgw::op::kSubscriberResume, "user.restart"}};
  for (const auto& [op, method] : ops) {
    auto s = u.start(op, kChange);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    auto f = Unicom::form(*s);
    EXPECT_EQ(f.at("method"), method);
    EXPECT_EQ(f.at("out_request_id"), "req_1");
    EXPECT_EQ(f.at("stop_reason"), "lost_phone");
    EXPECT_NE(s->request_flags & CGW_REQUEST_REPLAYABLE, 0u);
    EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok(user("NORMAL")))).at("status"), "active");
    const Err lost = Unicom::error_of(*u.run(op, kChange, transport(CGW_TRANSPORT_TIMEOUT)));
    EXPECT_TRUE(lost.outcome_unknown) << op;
  }
  const Err carrier_stop =
      Unicom::error_of(*u.run(cgw::op::kSubscriberResume, kChange, biz("6003")));
  EXPECT_EQ(carrier_stop.code, "CARRIER_REJECTED");
  EXPECT_EQ(carrier_stop.carrier_code, "6003");
  EXPECT_FALSE(carrier_stop.outcome_unknown);
}

TEST(UnicomSuspend, NoSimReplacementAtThisCarrier) {
  Unicom u;
  auto s = u.start(cgw::op::kSubscriberSimReplace,
                   json::object{{"gateway_replacement_id", "x"}, {"msisdn", "18600000001"}});
  EXPECT_EQ(Unicom::error_of(*s).code, "UNSUPPORTED_OPERATION");
}

TEST(UnicomSuspend, RealModuleNeedsAHostOfOneThree) {
  const cgw::test::LoadedModule module(CGW_UNICOM_PLUGIN_PATH);
  const cgw_plugin_v1* t = module.table();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->capabilities, kCaps);
  EXPECT_EQ(t->capabilities & CGW_CAP_SIM_REPLACE, 0u);
  EXPECT_EQ(t->min_host_minor, 3);
}

}  // namespace
