// The after-sales operations of the telecom plugin (ABI 1.3,
// docs/carriers/telecom.md "After-sales"): the order statuses past
// PROCESSING in queries and callbacks, orders/cancel, subscribers/query,
// recharges/create and recharges/query, sim/replace, on the SDK's fake host
// (telecom_plugin_fixture.hpp).
#include "telecom_plugin_fixture.hpp"

using namespace telecom_plugin;

namespace {

const json::value kCancel = {
    {"gateway_order_id", "act_1"}, {"carrier_order_id", "TO1"}, {"reason", "customer_request"}};
const json::value kRecharge = {
    {"gateway_recharge_id", "rch_1"}, {"msisdn", "13300000001"}, {"amount_fen", 5000}};
const json::value kRechargeQuery = {{"gateway_recharge_id", "rch_1"}, {"msisdn", "13300000001"}};
const json::value kReplace = {
    {"gateway_replacement_id", "rpl_1"},
    {"msisdn", "13300000001"},
    {"name", kName},
    {"id_number", kIdNumber},
    {"reason", "lost"},
    {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "广州市"}}}};

const std::string kShipped =
    "<LogisticsCompany>顺丰速运</LogisticsCompany><WaybillNo>SF1001</WaybillNo>";

std::string recharge_xml(const std::string& status, const std::string& extra = "") {
  return "<RechargeId>TR9</RechargeId><PartnerRechargeId>rch_1</PartnerRechargeId>"
         "<Msisdn>13300000001</Msisdn><Status>" +
         status + "</Status>" + extra;
}
std::string line_xml(const std::string& status, const std::string& extra = "") {
  return "<Msisdn>13300000001</Msisdn><Status>" + status +
         "</Status><PlanCode>CT-XK-19</PlanCode><Balance>-50</Balance>" + extra;
}

std::string element(const std::string& body, const std::string& name) {
  pugi::xml_document doc;
  pugi::xml_node r = request_root(doc, body);
  pugi::xml_node n = r.first_element_by_path(name.c_str());
  return n ? n.text().get() : "<absent>";
}

// ------------------------------------------------------------ order states ---

TEST(TelecomLifecycle, QueryMapsEveryReportedStatus) {
  Telecom t;
  t.seed_token("TK");
  const auto in = valid_input(cgw::op::kActivationQuery);
  auto q = [&](const std::string& data) {
    return t.run(cgw::op::kActivationQuery, in, {ok(data)});
  };
  EXPECT_EQ(q(order_xml("REVIEWING")).result.at("status"), "reviewing");
  EXPECT_EQ(q(order_xml("SHIPPED", kShipped)).result,
            json::parse(R"({"carrier_order_id":"TO1","status":"shipped","reason":"",)"
                        R"("courier":"顺丰速运","waybill":"SF1001"})"));
  EXPECT_EQ(q(order_xml("CANCELLED", "<Reason>customer_request</Reason>")).result.at("reason"),
            "customer_request");
  EXPECT_EQ(q(order_xml("RETURNED", "<Reason>REFUSED</Reason>")).result,
            json::parse(R"({"carrier_order_id":"TO1","status":"returned","reason":"REFUSED"})"));
  // Statuses this carrier does not report, and a shipment without waybill.
  for (const std::string& bad :
       {order_xml("DELIVERED"), order_xml("SHIPPED", "<LogisticsCompany>EMS</LogisticsCompany>"),
        order_xml("SHIPPED", "<LogisticsCompany>EMS</LogisticsCompany><WaybillNo>a b</WaybillNo>"),
        order_xml("CANCELLED", "<Reason>有 人</Reason>")})
    EXPECT_EQ(q(bad).error.code, "CARRIER_BAD_RESPONSE") << bad;
}

TEST(TelecomLifecycle, CallbacksCarryTheNewStatuses) {
  Telecom t;
  const std::string body =
      "<Notify><EventId>EV2</EventId><EventType>ORDER_STATUS</EventType><OrderId>TO1</OrderId>"
      "<PartnerOrderId>act_1</PartnerOrderId><Status>SHIPPED</Status>" +
      kShipped + "<EventTime>1763800000000</EventTime></Notify>";
  const std::string ts = std::to_string(kNowMs / 1000);
  auto r = t.callback({{"X-Telecom-Timestamp", ts},
                       {"X-Telecom-Signature", hmac_hex(kCallbackSecret, ts + "\n" + body)}},
                      body);
  ASSERT_TRUE(r.verified) << r.error_message;
  EXPECT_EQ(json::parse(r.events),
            json::parse(R"([{"type":"activation.status","event_id":"EV2","carrier_order_id":"TO1",
                "gateway_order_id":"act_1","status":"shipped","reason":"",
                "occurred_at_ms":1763800000000,"courier":"顺丰速运","waybill":"SF1001"}])"));
}

// ------------------------------------------------------ activation.cancel ---

TEST(TelecomCancel, CancelsOrReadsTheRefusal) {
  Telecom t;
  t.seed_token("TK");
  auto done = t.run(cgw::op::kActivationCancel, kCancel, {ok(order_xml("CANCELLED"))});
  ASSERT_EQ(done.kind, CGW_STEP_DONE);
  EXPECT_EQ(done.result, json::parse(R"({"result":"cancelled","reason":""})"));
  ASSERT_EQ(done.sent.size(), 1u);
  EXPECT_EQ(done.sent[0].url, "http://127.0.0.1:9103/api/v1/orders/cancel");
  EXPECT_TRUE(done.sent[0].replayable);
  EXPECT_EQ(element(done.sent[0].body, "OrderId"), "TO1");
  EXPECT_EQ(element(done.sent[0].body, "PartnerOrderId"), "act_1");
  EXPECT_EQ(element(done.sent[0].body, "Reason"), "customer_request");
  EXPECT_EQ(t.run(cgw::op::kActivationCancel, kCancel, {err("50006")}).result,
            json::parse(R"({"result":"refused","reason":"already_shipped"})"));
  EXPECT_EQ(t.run(cgw::op::kActivationCancel, kCancel, {err("50002")}).result,
            json::parse(R"({"result":"refused","reason":"order_finished"})"));
  EXPECT_EQ(t.run(cgw::op::kActivationCancel, kCancel, {err("50001")}).error.code,
            "ORDER_NOT_FOUND");
}

TEST(TelecomCancel, LostOrUnreadableAnswersAreUnknown) {
  Telecom t;
  t.seed_token("TK");
  for (const Reply& r : {transport(CGW_TRANSPORT_TIMEOUT), raw(502, "bad gateway"),
                         ok(order_xml("PROCESSING")), raw(200, "<Response>")}) {
    const auto run = t.run(cgw::op::kActivationCancel, kCancel, {r});
    EXPECT_EQ(run.kind, CGW_STEP_FAIL);
    EXPECT_TRUE(run.error.outcome_unknown) << run.error.code;
  }
  // A refused token is not a verdict: fetched anew, the call goes again.
  auto again =
      t.run(cgw::op::kActivationCancel, kCancel, {err("10003", 401), token("TK2"), err("50006")});
  EXPECT_EQ(again.result.at("result"), "refused");
}

// ------------------------------------------------------- subscriber.query ---

TEST(TelecomSubscriber, QueryMapsTheLine) {
  Telecom t;
  t.seed_token("TK");
  const json::value in = {{"msisdn", "13300000001"}};
  auto r = t.run(cgw::op::kSubscriberQuery, in,
                 {ok(line_xml("ACTIVE", "<DataLeftMB>100</DataLeftMB>"))});
  EXPECT_EQ(r.result, json::parse(R"({"status":"active","plan_id":"CT-XK-19","balance_fen":-50,)"
                                  R"("data_left_mb":100,"reason":""})"));
  EXPECT_EQ(r.sent.at(0).url, "http://127.0.0.1:9103/api/v1/subscribers/query");
  EXPECT_EQ(t.run(cgw::op::kSubscriberQuery, in,
                  {ok(line_xml("SUSPENDED", "<StatusReason>REVERIFY</StatusReason>"))})
                .result.at("reason"),
            "REVERIFY");
  EXPECT_EQ(t.run(cgw::op::kSubscriberQuery, in, {ok(line_xml("TERMINATED"))}).result.at("status"),
            "cancelled");
  EXPECT_EQ(t.run(cgw::op::kSubscriberQuery, in, {err("60001")}).error.code,
            "SUBSCRIBER_NOT_FOUND");
  EXPECT_EQ(t.run(cgw::op::kSubscriberQuery, {{"msisdn", "13300000002"}}, {ok(line_xml("ACTIVE"))})
                .error.code,
            "CARRIER_BAD_RESPONSE");
}

// ---------------------------------------------------- subscriber.recharge ---

TEST(TelecomRecharge, TopUpFiledUnderThePartnerId) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kSubscriberRecharge, kRecharge,
                 {ok(recharge_xml("SUCCESS", "<Balance>4950</Balance>"))});
  EXPECT_EQ(r.result, json::parse(R"({"result":"succeeded","carrier_recharge_id":"TR9",)"
                                  R"("reason":"","balance_fen":4950})"));
  EXPECT_EQ(element(r.sent.at(0).body, "PartnerRechargeId"), "rch_1");
  EXPECT_EQ(element(r.sent.at(0).body, "Amount"), "5000");
  EXPECT_TRUE(r.sent.at(0).replayable);
  EXPECT_EQ(t.run(cgw::op::kSubscriberRecharge, kRecharge,
                  {ok(recharge_xml("FAILED", "<FailCode>60002</FailCode>"))})
                .result.at("reason"),
            "60002");
  for (const Reply& lost :
       {transport(CGW_TRANSPORT_BROKEN), raw(503, ""), ok(recharge_xml("WAIT"))})
    EXPECT_TRUE(t.run(cgw::op::kSubscriberRecharge, kRecharge, {lost}).error.outcome_unknown);
  const auto refused = t.run(cgw::op::kSubscriberRecharge, kRecharge, {err("60102")});
  EXPECT_EQ(refused.error.code, "CARRIER_REJECTED");
  EXPECT_FALSE(refused.error.outcome_unknown);
  EXPECT_EQ(t.run(cgw::op::kSubscriberRecharge,
                  {{"gateway_recharge_id", "r"}, {"msisdn", "1"}, {"amount_fen", -1}}, {})
                .error.code,
            "INVALID_ARGUMENT");
}

TEST(TelecomRecharge, QueryNotFoundIsAVerdict) {
  Telecom t;
  t.seed_token("TK");
  auto nf = t.run(cgw::op::kSubscriberRechargeQuery, kRechargeQuery, {err("60101")});
  EXPECT_EQ(nf.result,
            json::parse(R"({"result":"not_found","carrier_recharge_id":"","reason":""})"));
  EXPECT_EQ(nf.sent.at(0).url, "http://127.0.0.1:9103/api/v1/recharges/query");
  EXPECT_EQ(t.run(cgw::op::kSubscriberRechargeQuery, kRechargeQuery, {ok(recharge_xml("SUCCESS"))})
                .result.at("result"),
            "succeeded");
  // 60101 from a create is no verdict; a busy carrier is no proof of absence.
  EXPECT_EQ(t.run(cgw::op::kSubscriberRecharge, kRecharge, {err("60101")}).error.code,
            "CARRIER_REJECTED");
  EXPECT_EQ(t.run(cgw::op::kSubscriberRechargeQuery, kRechargeQuery, {err("90001")}).kind,
            CGW_STEP_FAIL);
}

// -------------------------------------------------- subscriber.sim_replace ---

TEST(TelecomSimReplace, OrderFiledUnderTheReplacementId) {
  Telecom t;
  t.seed_token("TK");
  const std::string reply =
      "<OrderId>TO5</OrderId><PartnerOrderId>rpl_1</PartnerOrderId><Status>PROCESSING</Status>";
  auto r = t.run(cgw::op::kSubscriberSimReplace, kReplace, {ok(reply)});
  EXPECT_EQ(r.result,
            json::parse(R"({"carrier_order_id":"TO5","status":"submitted","reason":""})"));
  const std::string& body = r.sent.at(0).body;
  EXPECT_EQ(r.sent.at(0).url, "http://127.0.0.1:9103/api/v1/sim/replace");
  EXPECT_EQ(element(body, "PartnerReplaceId"), "rpl_1");
  EXPECT_EQ(element(body, "Customer/CertNo"), kIdNumber);
  EXPECT_EQ(element(body, "Reason"), "LOST");
  EXPECT_EQ(element(body, "Delivery/Address"), "广州市");
  EXPECT_EQ(element(body, "NotifyUrl"), "http://127.0.0.1:8080/v1/callbacks/telecom");
  const auto mismatch = t.run(cgw::op::kSubscriberSimReplace, kReplace, {err("60003")});
  EXPECT_EQ(mismatch.error.code, "IDENTITY_MISMATCH");
  EXPECT_EQ(mismatch.error.message.find(kName), std::string::npos);
  EXPECT_TRUE(t.run(cgw::op::kSubscriberSimReplace, kReplace, {transport(CGW_TRANSPORT_TIMEOUT)})
                  .error.outcome_unknown);
  EXPECT_EQ(t.run(cgw::op::kSubscriberSimReplace, kReplace,
                  {ok("<OrderId>TO5</OrderId><PartnerOrderId>rpl_2</PartnerOrderId>"
                      "<Status>PROCESSING</Status>")})
                .error.code,
            "CARRIER_BAD_RESPONSE");
  json::value bad = kReplace;
  bad.as_object()["reason"] = "stolen";
  EXPECT_EQ(t.run(cgw::op::kSubscriberSimReplace, bad, {}).error.code, "INVALID_ARGUMENT");
}

TEST(TelecomSimReplace, NoSuspendAtThisCarrier) {
  Telecom t;
  for (const char* op : {cgw::op::kSubscriberSuspend, cgw::op::kSubscriberResume})
    EXPECT_EQ(t.run(op, {{"gateway_request_id", "q"}, {"msisdn", "1"}}, {}).error.code,
              "UNSUPPORTED_OPERATION");
  const cgw::test::LoadedModule module(CGW_TELECOM_PLUGIN_PATH);
  const cgw_plugin_v1* table = module.table();
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->capabilities, kAllCaps);
  EXPECT_EQ(table->capabilities & CGW_CAP_SUSPEND, 0u);
  EXPECT_EQ(table->min_host_minor, 3);
}

}  // namespace
