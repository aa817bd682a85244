// More of mobile_plugin_test: callbacks of the ABI 1.3 lifecycle (one per
// stage, with courier, waybill and amount) and the "subscriber.status"
// event of a carrier-initiated suspension (docs/carriers/mobile.md).
#include "mobile_plugin_fixture.hpp"

using namespace mobile_plugin;

namespace {

// The plugin's verdict on a callback with `body`, signed as the carrier does.
Mobile::CallbackPtr deliver(Mobile& m, const std::string& body) {
  const std::string url = "/callbacks/mobile?tenant=t1";
  const std::string ts = std::to_string(kNowMs / 1000), nonce = "Nonce0123456789abcdef";
  return m.callback(
      "POST", url,
      {{"X-App-Id", "cgw-test"},
       {"X-Timestamp", ts},
       {"X-Nonce", nonce},
       {"X-Signature", expected_signature("s3cret-key", "POST", url, ts, nonce, body)},
       {"Content-Type", "application/json"}},
      body);
}

json::value events_of(Mobile& m, const json::object& body) {
  auto r = deliver(m, json::serialize(body));
  EXPECT_EQ(r->verified, 1) << sv(r->error.message);
  return r->verified ? json::parse(sv(r->events_json)) : json::value();
}

json::object order_event(const char* state) {
  return {{"eventId", "E-1"},          {"eventType", "ORDER"},
          {"orderId", "O-1"},          {"partnerOrderId", "G-1"},
          {"orderType", "NEW"},        {"orderState", state},
          {"failReason", ""},          {"courier", ""},
          {"waybillNo", ""},           {"topupAmount", 0},
          {"eventTime", 1763800000000}};
}

TEST(MobileEvents, ShippedCarriesCourierAndWaybill) {
  Mobile m;
  json::object body = order_event("SHIPPED");
  body["courier"] = "SF";
  body["waybillNo"] = "SF000000000042";
  EXPECT_EQ(events_of(m, body), json::parse(R"([{"type":"activation.status","event_id":"E-1",
      "carrier_order_id":"O-1","gateway_order_id":"G-1","status":"shipped","reason":"",
      "occurred_at_ms":1763800000000,"courier":"SF","waybill":"SF000000000042"}])"));
}

TEST(MobileEvents, EveryStageWordMaps) {
  Mobile m;
  const std::pair<const char*, const char*> states[] = {
      {"REVIEWING", "reviewing"}, {"DELIVERED", "delivered"}, {"SUCCESS", "activated"},
      {"FAILED", "failed"},       {"CANCELLED", "cancelled"}, {"RETURNED", "returned"}};
  for (const auto& [word, status] : states)
    EXPECT_EQ(events_of(m, order_event(word)).at(0).at("status").as_string(), status) << word;
  json::object topup = order_event("FIRST_TOPUP");
  topup["topupAmount"] = 5000;
  auto ev = events_of(m, topup).at(0);
  EXPECT_EQ(ev.at("status").as_string(), "first_topup");
  EXPECT_EQ(ev.at("amount_fen").as_int64(), 5000);
  json::object cancelled = order_event("CANCELLED");
  cancelled["failReason"] = "cancelled";
  EXPECT_EQ(events_of(m, cancelled).at(0).at("reason").as_string(), "cancelled");
}

TEST(MobileEvents, CarrierSuspensionIsASubscriberStatusEvent) {
  Mobile m;
  const json::object body{{"eventId", "E-9"},          {"eventType", "SUBSCRIBER"},
                          {"msisdn", "13800000001"},   {"status", "SUSPENDED"},
                          {"suspendType", "CARRIER"},  {"reason", "reverification"},
                          {"planCode", "P-39"},        {"balance", 0},
                          {"eventTime", 1763800000000}};
  EXPECT_EQ(events_of(m, body), json::parse(R"([{"type":"subscriber.status","event_id":"E-9",
      "carrier_order_id":"","gateway_order_id":"","status":"submitted","reason":"reverification",
      "occurred_at_ms":1763800000000,"msisdn":"13800000001","subscriber_status":"suspended"}])"));
  json::object resumed = body;
  resumed["status"] = "ACTIVE";
  EXPECT_EQ(events_of(m, resumed).at(0).at("subscriber_status").as_string(), "active");
}

TEST(MobileEvents, MalformedLifecycleBodiesAreRefused) {
  Mobile m;
  json::object no_amount = order_event("FIRST_TOPUP");
  no_amount.erase("topupAmount");
  json::object odd_type = order_event("SUCCESS");
  odd_type["eventType"] = "BILLING";
  json::object odd_status{{"eventId", "E-9"},
                          {"eventType", "SUBSCRIBER"},
                          {"msisdn", "13800000001"},
                          {"status", "FROZEN"},
                          {"eventTime", 1}};
  for (const auto& body : {no_amount, odd_type, odd_status}) {
    auto r = deliver(m, json::serialize(body));
    EXPECT_EQ(r->verified, 0) << json::serialize(body);
    EXPECT_EQ(r->ack_status, 400);
  }
}

}  // namespace
