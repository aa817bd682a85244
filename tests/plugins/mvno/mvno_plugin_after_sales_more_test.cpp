// More of the ABI 1.3 after-sales tests: MvnoSimReplace, MvnoSuspend,
// MvnoLostWrites, MvnoLifecycle (order statuses in replies and callbacks)
// and MvnoLineEvents (shared fixtures: mvno_plugin_fixture.hpp).
#include "mvno_plugin_fixture.hpp"

using namespace mvno_plugin;

namespace {

json::value replace_input() {
  return {{"gateway_replacement_id", "simr_1"},
          {"msisdn", kMsisdn},
          {"name", kName},
          {"id_number", kIdNumber},
          {"reason", "lost"},
          {"delivery", {{"name", kName}, {"phone", "13900000000"}, {"address", "Beijing"}}}};
}
json::value change_input() {
  return {{"gateway_request_id", "sub_1"}, {"msisdn", kMsisdn}, {"reason", "lost_phone"}};
}
json::object suspended_line() {
  return {{"msisdn", kMsisdn},          {"lineStatus", "SUSPENDED"},      {"suspendBy", "PARTNER"},
          {"reasonCode", "LOST_PHONE"}, {"productCode", "MV-170-CHAT-8"}, {"balance", 1900}};
}

// A callback signed with the carrier's key, as the simulator sends it.
std::vector<std::pair<std::string, std::string>> signed_headers(const std::string& body) {
  const std::string ts = std::to_string(kNowMs), nonce = "abcdefabcdef0123456789";
  return {{"X-Partner-Id", "cgw-test-partner"},
          {"X-Timestamp", ts},
          {"X-Nonce", nonce},
          {"X-Sign-Type", "SHA256withRSA"},
          {"X-Signature",
           rsa_sign(carrier_private(), canonical("POST", "/v1/callbacks/mvno", ts, nonce, body))}};
}

}  // namespace

// -------------------------------------------------- subscriber.sim_replace ---

TEST(MvnoSimReplace, SendsTheHolderWithTheIdNumberSealedAndAnswersAnOrder) {
  Mvno m;
  auto s = m.start(cgw::op::kSubscriberSimReplace, replace_input());
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/sim/replace");
  EXPECT_EQ(sv(s->request.body).find(kIdNumber), std::string::npos);
  auto body = Mvno::body_of(*s);
  EXPECT_EQ(gcm_open(field_key_hex(), std::string(body.at("certNoEnc").as_string())), kIdNumber);
  body.erase("certNoEnc");
  EXPECT_EQ(body, json::parse(R"({"partnerOrderNo":"simr_1","msisdn":"17001234567",
      "certName":"张三丰","replaceReason":"LOST",
      "receiver":{"name":"张三丰","phone":"13900000000","address":"Beijing"},
      "notifyUrl":"http://127.0.0.1:8080/v1/callbacks/mvno"})"));
  EXPECT_EQ(Mvno::result_of(
                *m.resume(sv(s->state), ok({{"orderNo", "MVR1"}, {"orderStatus", "ACCEPTED"}}))),
            json::parse(R"({"carrier_order_id":"MVR1","status":"submitted","reason":""})"));
}

TEST(MvnoSimReplace, RefusalsMapToTheSdkCodes) {
  Mvno m;
  auto code_of = [&](const std::string& carrier_code) {
    return Mvno::error_of(
        *m.run(cgw::op::kSubscriberSimReplace, replace_input(), biz(carrier_code)));
  };
  EXPECT_EQ(code_of("5201").code, "IDENTITY_MISMATCH");
  EXPECT_FALSE(code_of("5201").outcome_unknown);
  EXPECT_EQ(code_of("5001").code, "SUBSCRIBER_NOT_FOUND");
  EXPECT_EQ(code_of("5002").code, "CARRIER_REJECTED");
  EXPECT_EQ(code_of("4002").code, "CARRIER_REJECTED");
  // The carrier re-checks the holder as at order time.
  const Err blacklisted = code_of("3008");
  EXPECT_EQ(blacklisted.code, "CARRIER_REJECTED");
  EXPECT_EQ(blacklisted.message, "BLACKLISTED");
  for (const Err& e : {code_of("5201"), code_of("3002")}) {
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
}

TEST(MvnoSimReplace, InputsAreCheckedWithoutACall) {
  Mvno m;
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, json::value>>{{"reason", "stolen"},
                                                        {"reason", ""},
                                                        {"id_number", ""},
                                                        {"gateway_replacement_id", ""}}) {
    auto in = replace_input();
    in.as_object()[field] = value;
    EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kSubscriberSimReplace, in)).code, "INVALID_ARGUMENT")
        << field;
  }
  auto no_address = replace_input();
  no_address.as_object()["delivery"].as_object()["address"] = "";
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kSubscriberSimReplace, no_address)).message,
            "mvno subscriber.sim_replace: 'delivery.address' is required");
  auto not_mvno = replace_input();
  not_mvno.as_object()["msisdn"] = "13812345678";
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kSubscriberSimReplace, not_mvno)).code,
            "SUBSCRIBER_NOT_FOUND");
  EXPECT_TRUE(m.sent().empty());
}

// ------------------------------------------- subscriber.suspend and resume ---

TEST(MvnoSuspend, SuspendAndResumeAnswerTheLine) {
  Mvno m;
  auto s = m.start(cgw::op::kSubscriberSuspend, change_input());
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/subscriber/suspend");
  EXPECT_EQ(
      Mvno::body_of(*s),
      json::parse(
          R"({"partnerRequestNo":"sub_1","msisdn":"17001234567","reasonCode":"LOST_PHONE"})"));
  auto r = Mvno::result_of(*m.resume(sv(s->state), ok(suspended_line())));
  EXPECT_EQ(r.at("status"), "suspended");
  EXPECT_EQ(r.at("reason"), "lost_phone");

  auto in = change_input();
  in.as_object().erase("reason");  // the holder's request by default
  auto rs = m.start(cgw::op::kSubscriberResume, in);
  ASSERT_EQ(rs->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(rs->request.url), "http://127.0.0.1:9104/openapi/v1/subscriber/resume");
  EXPECT_EQ(Mvno::body_of(*rs).at("reasonCode"), "HOLDER_REQUEST");
  json::object active = suspended_line();
  active["lineStatus"] = "NORMAL";
  EXPECT_EQ(Mvno::result_of(*m.resume(sv(rs->state), ok(active))).at("status"), "active");
}

TEST(MvnoSuspend, ALineTheCarrierSuspendedCannotBeResumed) {
  Mvno m;
  const Err e = Mvno::error_of(*m.run(cgw::op::kSubscriberResume, change_input(), biz("5301")));
  EXPECT_EQ(e.code, "CARRIER_REJECTED");
  EXPECT_EQ(e.carrier_code, "5301");
  EXPECT_FALSE(e.retryable);
  EXPECT_FALSE(e.outcome_unknown);
  EXPECT_EQ(Mvno::error_of(*m.run(cgw::op::kSubscriberSuspend, change_input(), biz("5001"))).code,
            "SUBSCRIBER_NOT_FOUND");
}

// ------------------------------------------------------------ lost writes ---

TEST(MvnoLostWrites, EveryAfterSalesWriteWithALostAnswerHasAnUnknownOutcome) {
  const std::vector<std::pair<std::string, json::value>> writes = {
      {cgw::op::kActivationCancel, {{"gateway_order_id", "G-1"}}},
      {cgw::op::kSubscriberRecharge,
       {{"gateway_recharge_id", "rch_1"}, {"msisdn", kMsisdn}, {"amount_fen", 5000}}},
      {cgw::op::kSubscriberSimReplace, replace_input()},
      {cgw::op::kSubscriberSuspend, change_input()},
      {cgw::op::kSubscriberResume, change_input()}};
  const std::vector<std::pair<Reply, std::string>> lost = {
      {Reply::lost(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT"},
      {Reply::lost(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT"},
      {raw("bad gateway", 502), "CARRIER_UNAVAILABLE"},
      {biz("9002"), "CARRIER_TIMEOUT"},
      {biz("1003"), "CARRIER_AUTH_FAILED"},  // a replay of a request that arrived
      {raw("{not json"), "CARRIER_BAD_RESPONSE"}};
  Mvno m;
  for (const auto& [op, input] : writes) {
    for (const auto& [reply, code] : lost) {
      SCOPED_TRACE(op + " -> " + code);
      const Err e = Mvno::error_of(*m.run(op, input, reply));
      EXPECT_EQ(e.code, code);
      EXPECT_TRUE(e.outcome_unknown);
    }
    // Nothing left: the write did not happen and may be sent again.
    const Err not_sent = Mvno::error_of(*m.run(op, input, Reply::lost(CGW_TRANSPORT_NOT_SENT)));
    EXPECT_EQ(not_sent.code, "CARRIER_UNAVAILABLE");
    EXPECT_FALSE(not_sent.outcome_unknown);
  }
  // Reads change nothing: their lost answers have a known outcome.
  for (const auto& [op, input] : std::vector<std::pair<std::string, json::value>>{
           {cgw::op::kSubscriberQuery, {{"msisdn", kMsisdn}}},
           {cgw::op::kSubscriberRechargeQuery,
            {{"gateway_recharge_id", "rch_1"}, {"msisdn", kMsisdn}}}}) {
    EXPECT_FALSE(
        Mvno::error_of(*m.run(op, input, Reply::lost(CGW_TRANSPORT_TIMEOUT))).outcome_unknown)
        << op;
  }
}

// ---------------------------------------------------- order lifecycle ---

TEST(MvnoLifecycle, QueryReportsEachStatusWithItsFields) {
  Mvno m;
  auto q = [&](json::object extra) {
    json::object data{{"orderNo", "MV1"}, {"partnerOrderNo", "G-1"}};
    for (const auto& [k, v] : extra) data[k] = v;
    return m.run(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery), ok(data));
  };
  EXPECT_EQ(
      Mvno::result_of(*q(
          {{"orderStatus", "SHIPPED"}, {"logisticsCompany", "SF"}, {"waybillNo", "SF1234567890"}})),
      json::parse(R"({"carrier_order_id":"MV1","status":"shipped","reason":"",
                            "courier":"SF","waybill":"SF1234567890"})"));
  EXPECT_EQ(Mvno::result_of(*q({{"orderStatus", "DELIVERED"}})).at("status"), "delivered");
  EXPECT_EQ(
      Mvno::result_of(*q({{"orderStatus", "FIRST_RECHARGED"}, {"firstRechargeAmount", 5000}})),
      json::parse(R"({"carrier_order_id":"MV1","status":"first_topup","reason":"",
                            "amount_fen":5000})"));
  EXPECT_EQ(
      Mvno::result_of(*q({{"orderStatus", "CANCELLED"}, {"reasonCode", "PARTNER_REQUEST"}})),
      json::parse(R"({"carrier_order_id":"MV1","status":"cancelled","reason":"partner_request"})"));
  EXPECT_EQ(Mvno::result_of(*q({{"orderStatus", "RETURNED"}, {"reasonCode", "RECIPIENT_REFUSED"}}))
                .at("reason"),
            "recipient_refused");
  // A shipment without its waybill, a first top-up without an amount.
  EXPECT_EQ(Mvno::error_of(*q({{"orderStatus", "SHIPPED"}, {"logisticsCompany", "SF"}})).code,
            "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Mvno::error_of(*q({{"orderStatus", "FIRST_RECHARGED"}})).code, "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Mvno::error_of(*q({{"orderStatus", "REVIEWING"}})).code, "CARRIER_BAD_RESPONSE");
}

TEST(MvnoLifecycle, CallbacksCarryTheNewStatusesAndTheirFields) {
  Mvno m;
  const std::string body = json::serialize(json::object{{"notifyId", "N7"},
                                                        {"notifyType", "ORDER_STATUS"},
                                                        {"orderNo", "MV1"},
                                                        {"partnerOrderNo", "act_1"},
                                                        {"orderStatus", "SHIPPED"},
                                                        {"logisticsCompany", "SF"},
                                                        {"waybillNo", "SF1234567890"},
                                                        {"notifyTime", kNowMs - 5}});
  auto r = m.callback("/v1/callbacks/mvno", signed_headers(body), body);
  ASSERT_EQ(r->verified, 1) << sv(r->error.message);
  const json::value ev = json::parse(sv(r->events_json)).at(0);
  EXPECT_EQ(ev.at("status"), "shipped");
  EXPECT_EQ(ev.at("courier"), "SF");
  EXPECT_EQ(ev.at("waybill"), "SF1234567890");
  EXPECT_EQ(ev.at("gateway_order_id"), "act_1");

  const std::string topup = json::serialize(json::object{{"notifyId", "N8"},
                                                         {"orderNo", "MV1"},
                                                         {"partnerOrderNo", "act_1"},
                                                         {"orderStatus", "FIRST_RECHARGED"},
                                                         {"firstRechargeAmount", 3000},
                                                         {"notifyTime", kNowMs - 5}});
  auto t = m.callback("/v1/callbacks/mvno", signed_headers(topup), topup);
  ASSERT_EQ(t->verified, 1) << sv(t->error.message);
  EXPECT_EQ(json::parse(sv(t->events_json)).at(0).at("amount_fen"), 3000);
}

TEST(MvnoLineEvents, CarrierInitiatedSuspensionIsASubscriberStatusEvent) {
  Mvno m;
  const std::string body = json::serialize(json::object{{"notifyId", "N9"},
                                                        {"notifyType", "LINE_STATUS"},
                                                        {"msisdn", kMsisdn},
                                                        {"lineStatus", "SUSPENDED"},
                                                        {"suspendBy", "CARRIER"},
                                                        {"reasonCode", "REVERIFICATION"},
                                                        {"notifyTime", kNowMs - 5}});
  auto r = m.callback("/v1/callbacks/mvno", signed_headers(body), body);
  ASSERT_EQ(r->verified, 1) << sv(r->error.message);
  EXPECT_EQ(sv(r->ack_body), "SUCCESS");
  const json::value ev = json::parse(sv(r->events_json)).at(0);
  EXPECT_EQ(ev.at("type"), "subscriber.status");
  EXPECT_EQ(ev.at("event_id"), "N9");
  EXPECT_EQ(ev.at("msisdn"), kMsisdn);
  EXPECT_EQ(ev.at("subscriber_status"), "suspended");
  EXPECT_EQ(ev.at("reason"), "reverification");
  EXPECT_EQ(ev.at("occurred_at_ms"), kNowMs - 5);
}

TEST(MvnoLineEvents, UnknownTypesAndBrokenLineEventsAreRefused) {
  Mvno m;
  for (const json::object& o :
       {// An order's fields under an unknown type: not taken for an order status.
        json::object{{"notifyId", "N1"},
                     {"notifyType", "BILL_READY"},
                     {"orderNo", "MV1"},
                     {"partnerOrderNo", "act_1"},
                     {"orderStatus", "OPENED"},
                     {"notifyTime", kNowMs}},
        json::object{{"notifyId", "N1"},
                     {"notifyType", "LINE_STATUS"},
                     {"msisdn", kMsisdn},
                     {"lineStatus", "FROZEN"},
                     {"notifyTime", kNowMs}},
        json::object{{"notifyId", "N1"},
                     {"notifyType", "LINE_STATUS"},
                     {"lineStatus", "SUSPENDED"},
                     {"notifyTime", kNowMs}}}) {
    const std::string body = json::serialize(o);
    auto r = m.callback("/v1/callbacks/mvno", signed_headers(body), body);
    EXPECT_EQ(r->verified, 0) << body;
    EXPECT_EQ(sv(r->error.code), "CALLBACK_REJECTED");
    EXPECT_EQ(sv(r->ack_body), "FAIL");
  }
}
