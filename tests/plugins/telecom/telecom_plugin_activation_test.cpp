// More of telecom_plugin_test: TelecomActivation, TelecomCallback,
// TelecomConfig, TelecomPrivacy, TelecomSharedObject (shared fixtures:
// telecom_plugin_fixture.hpp).
#include "telecom_plugin_fixture.hpp"

using namespace telecom_plugin;

namespace {

TEST(TelecomActivation, ResubmissionContinuesWhereTheOrderStands) {
  Telecom t;
  t.seed_token("TK");
  const auto in = valid_input(cgw::op::kActivationSubmit);
  auto uploaded = t.run(cgw::op::kActivationSubmit, in,
                        {ok(order_xml("PHOTOS_UPLOADED")), ok(order_xml("PROCESSING"))});
  ASSERT_EQ(uploaded.kind, CGW_STEP_DONE);
  ASSERT_EQ(uploaded.sent.size(), 2u);
  EXPECT_EQ(uploaded.sent[1].url, "http://127.0.0.1:9103/api/v1/orders/confirm");
  auto active = t.run(cgw::op::kActivationSubmit, in, {ok(order_xml("ACTIVATED"))});
  EXPECT_EQ(active.result.at("status"), "activated");
  auto failed = t.run(cgw::op::kActivationSubmit, in,
                      {ok(order_xml("FAILED", "<FailCode>40008</FailCode>"))});
  EXPECT_EQ(failed.result, json::parse(R"({"carrier_order_id":"TO1","status":"failed",
                                           "reason":"40008"})"));
}

TEST(TelecomActivation, ErrorsAlongTheChain) {
  Telecom t;
  t.seed_token("TK");
  const auto in = valid_input(cgw::op::kActivationSubmit);
  const Reply created = ok(order_xml("CREATED"));
  const Reply uploaded = ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>");
  auto refused = t.run(cgw::op::kActivationSubmit, in, {err("40002")});
  EXPECT_EQ(refused.error.code, "CARRIER_REJECTED");
  EXPECT_EQ(refused.error.message, "ID_NAME_MISMATCH");
  auto quota = t.run(cgw::op::kActivationSubmit, in, {created, uploaded, err("40005")});
  EXPECT_EQ(quota.error.code, "QUOTA_EXCEEDED");
  auto lost =
      t.run(cgw::op::kActivationSubmit, in, {created, uploaded, transport(CGW_TRANSPORT_TIMEOUT)});
  EXPECT_EQ(lost.error.code, "CARRIER_TIMEOUT");
  EXPECT_TRUE(lost.error.outcome_unknown);
  auto photo_502 = t.run(cgw::op::kActivationSubmit, in, {created, raw(502, "")});
  EXPECT_TRUE(photo_502.error.outcome_unknown);
  auto bad_photo = t.run(cgw::op::kActivationSubmit, in, {created, err("50005")});
  EXPECT_EQ(bad_photo.error.code, "INVALID_ARGUMENT");
  EXPECT_FALSE(bad_photo.error.outcome_unknown);
  auto other = t.run(cgw::op::kActivationSubmit, in,
                     {created, uploaded, ok("<OrderId>TO2</OrderId><Status>PROCESSING</Status>")});
  EXPECT_EQ(other.error.code, "CARRIER_BAD_RESPONSE");
  EXPECT_TRUE(other.error.outcome_unknown);
}

TEST(TelecomActivation, QueryMapsStatusesAndUnconfirmedIsNotFound) {
  Telecom t;
  t.seed_token("TK");
  const json::value in = {{"gateway_order_id", "act_1"}, {"carrier_order_id", "TO1"}};
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"PROCESSING", "submitted", ""},
      {"ACTIVATED", "activated", ""},
      {"FAILED", "failed", "40008"}};
  for (const auto& [status, normalized, reason] : rows) {
    auto r = t.run(cgw::op::kActivationQuery, in,
                   {ok(order_xml(status, "<FailCode>" + reason + "</FailCode>"))});
    ASSERT_EQ(r.kind, CGW_STEP_DONE) << status << " " << r.error.message;
    EXPECT_EQ(r.result.at("status"), normalized.c_str());
    EXPECT_EQ(r.result.at("reason"), reason.c_str());
  }
  auto q = t.run(cgw::op::kActivationQuery, in, {ok(order_xml("CREATED"))});
  pugi::xml_document doc;
  auto req = request_root(doc, q.sent[0].body);
  EXPECT_STREQ(req.child_value("OrderId"), "TO1");
  EXPECT_STREQ(req.child_value("PartnerOrderId"), "act_1");
  EXPECT_EQ(q.error.code, "ORDER_NOT_FOUND");
  EXPECT_EQ(t.run(cgw::op::kActivationQuery, in, {ok(order_xml("PHOTOS_UPLOADED"))}).error.code,
            "ORDER_NOT_FOUND");
  EXPECT_EQ(t.run(cgw::op::kActivationQuery, in, {err("50001")}).error.code, "ORDER_NOT_FOUND");
}

// ------------------------------------------------------------- callbacks ---

struct SignedCallback {
  std::string secret = kCallbackSecret;
  int64_t timestamp = kNowMs / 1000;
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Notify><EventId>EV1</EventId>"
      "<EventType>ORDER_STATUS</EventType><OrderId>TO1</OrderId>"
      "<PartnerOrderId>act_1</PartnerOrderId><Status>FAILED</Status><FailCode>40008</FailCode>"
      "<EventTime>1763800000000</EventTime></Notify>";
  std::vector<std::pair<std::string, std::string>> headers() const {
    const std::string ts = std::to_string(timestamp);
    return {{"x-telecom-timestamp", ts},  // names are case-insensitive
            {"X-Telecom-Signature", hmac_hex(secret, ts + "\n" + body)},
            {"Content-Type", "application/xml"}};
  }
};

TEST(TelecomCallback, GoodCallbackIsOneEvent) {
  Telecom t;
  SignedCallback cb;
  auto r = t.callback(cb.headers(), cb.body);
  ASSERT_TRUE(r.verified) << r.error_message;
  EXPECT_EQ(json::parse(r.events),
            json::parse(R"([{"type":"activation.status","event_id":"EV1","carrier_order_id":"TO1",
                "gateway_order_id":"act_1","status":"failed","reason":"40008",
                "occurred_at_ms":1763800000000}])"));
  EXPECT_EQ(r.ack_status, 200);
  EXPECT_EQ(r.ack_body, "<Response><Code>0</Code></Response>");
  cb.timestamp -= 300;  // the edge of the window
  EXPECT_TRUE(t.callback(cb.headers(), cb.body).verified);
}

TEST(TelecomCallback, RefusesForgedStaleOrMalformed) {
  Telecom t;
  auto refused = [&](const SignedCallback& cb, std::vector<std::pair<std::string, std::string>> h,
                     const std::string& needle, int status = 401) {
    auto r = t.callback(h, cb.body);
    EXPECT_FALSE(r.verified);
    EXPECT_EQ(r.error_code, "CALLBACK_REJECTED");
    EXPECT_EQ(r.ack_status, status);
    EXPECT_NE(r.ack_body, "<Response><Code>0</Code></Response>");
    EXPECT_NE(r.error_message.find(needle), std::string::npos) << r.error_message;
    EXPECT_EQ(r.error_message.find(kName), std::string::npos);
  };
  SignedCallback good;
  auto h = good.headers();
  h[1].second[5] = h[1].second[5] == 'a' ? 'b' : 'a';
  refused(good, h, "signature");
  SignedCallback other_secret = good;
  other_secret.secret = "nope";
  refused(good, other_secret.headers(), "signature");
  SignedCallback tampered = good;  // signed, then the body changed
  auto th = good.headers();
  tampered.body.replace(tampered.body.find("FAILED"), 6, "ACTIVATED");
  refused(tampered, th, "signature");
  for (int64_t skew : {-301, 301, -100000000}) {
    SignedCallback stale = good;
    stale.timestamp += skew;
    refused(stale, stale.headers(), "timestamp");
  }
  auto no_sig = good.headers();
  no_sig.erase(no_sig.begin() + 1);
  refused(good, no_sig, "missing");
  auto bad_ts = good.headers();
  bad_ts[0].second = "17638OOOOO";
  refused(good, bad_ts, "timestamp");
  for (std::string body :
       {std::string("not xml ") + kName, std::string("<Other/>"),
        std::string("<Notify><EventId>E</EventId><EventType>ORDER_STATUS</EventType><OrderId>O"
                    "</OrderId><PartnerOrderId>P</PartnerOrderId><Status>LOST</Status>"
                    "<EventTime>1</EventTime></Notify>"),
        std::string("<Notify><EventType>ORDER_STATUS</EventType><OrderId>O</OrderId>"
                    "<PartnerOrderId>P</PartnerOrderId><Status>ACTIVATED</Status>"
                    "<EventTime>x</EventTime><Name>") +
            kName + "</Name></Notify>"}) {
    SignedCallback cb = good;  // correctly signed, unusable content
    cb.body = body;
    refused(cb, cb.headers(), "body", 400);
  }
}

// ------------------------------------------------------------- settings ---

TEST(TelecomConfig, InvalidSettingsAreConfigInvalid) {
  const std::string base =
      "base_url: 'http://h', client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET, "
      "callback_url: 'http://cb'";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET, callback_url: "
       "'http://cb'}",
       "'base_url' is required"},
      {"{base_url: 'ftp://h', client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET, "
       "callback_url: 'http://cb'}",
       "'base_url'"},
      {"{base_url: 'http://h/?q=1', client_id: c, client_secret: TOPSECRET, "
       "callback_secret: CBSECRET, callback_url: 'http://cb'}",
       "'base_url'"},
      {"{base_url: 'http://h', client_secret: TOPSECRET, callback_secret: CBSECRET, "
       "callback_url: 'http://cb'}",
       "'client_id' is required"},
      {"{base_url: 'http://h', client_id: c, callback_secret: CBSECRET, callback_url: 'http://cb'}",
       "'client_secret' is required"},
      {"{base_url: 'http://h', client_id: c, client_secret: [TOPSECRET], "
       "callback_secret: CBSECRET, callback_url: 'http://cb'}",
       "'client_secret'"},
      {"{base_url: 'http://h', client_id: c, client_secret: TOPSECRET, callback_url: 'http://cb'}",
       "'callback_secret' is required"},
      {"{base_url: 'http://h', client_id: c, client_secret: TOPSECRET, callback_secret: CBSECRET}",
       "'callback_url' is required"},
      {"{" + base + ", hold_seconds: 10}", "'hold_seconds'"},
      {"{" + base + ", hold_seconds: x}", "'hold_seconds'"},
      {"{" + base + ", timeout_ms: -1}", "'timeout_ms'"},
      {"[1, 2]", "not a JSON object"},
      {"", "not a JSON object"},
  };
  for (const auto& [yaml, needle] : cases) {
    Telecom t(yaml);
    EXPECT_FALSE(t.created()) << yaml;
    EXPECT_EQ(t.create_code, "CONFIG_INVALID") << yaml;
    EXPECT_NE(t.create_error.message.find(needle), std::string::npos)
        << yaml << " -> " << t.create_error.message;
    EXPECT_EQ(t.create_error.message.find("TOPSECRET"), std::string::npos);
    EXPECT_EQ(t.create_error.message.find("CBSECRET"), std::string::npos);
  }
  Telecom base_path(
      "{base_url: 'https://gw.example:8443/ct/', client_id: c, client_secret: s, "
      "callback_secret: k, callback_url: 'http://cb', timeout_ms: 2500}");
  ASSERT_TRUE(base_path.created()) << base_path.create_error.message;
  auto r = base_path.run(cgw::op::kPlansList, nullptr, {});
  EXPECT_EQ(r.sent.at(0).url, "https://gw.example:8443/ct/oauth/token");
}

// ---------------------------------------------------- privacy and the .so ---

TEST(TelecomPrivacy, ErrorsAndLogsNeverCarryPiiOrSecrets) {
  Telecom t;
  const std::vector<Reply> replies = {err("40002"), err("10003", 401), raw(200, kName),
                                      raw(500, kIdNumber), ok(std::string("<x>") + kName + "</x>")};
  for (const std::string op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit}) {
    for (const Reply& reply : replies) {
      t.seed_token("TK");
      auto r = t.run(op, valid_input(op), {reply, token("TK2"), reply});
      EXPECT_EQ(r.error.message.find(kName), std::string::npos) << op << " " << reply.body;
      EXPECT_EQ(r.error.message.find(kIdNumber), std::string::npos) << op << " " << reply.body;
    }
  }
  for (const auto& line : t.host.logs())
    for (const char* secret : {kName, kIdNumber, kClientSecret, kCallbackSecret, "TK2"})
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
}

TEST(TelecomSharedObject, RealModuleExportsWorkingTable) {
  const cgw::test::LoadedModule module(CGW_TELECOM_PLUGIN_PATH);
  const cgw_plugin_v1* table = module.table();
  ASSERT_NE(table, nullptr);
  // pugixml is linked statically and hidden by the version script.
  EXPECT_EQ(dlsym(module.handle(), "_ZN4pugi12xml_documentC1Ev"), nullptr);
  EXPECT_EQ(sv(table->name), "telecom");
  EXPECT_EQ(table->capabilities, kAllCaps);
  EXPECT_EQ(table->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MNO));
  {
    Telecom t(kConfig, table);
    ASSERT_TRUE(t.created());
    auto r = t.run(cgw::op::kPlansList, nullptr, {token("TK"), ok(kPlansXml)});
    EXPECT_EQ(r.kind, CGW_STEP_DONE);
    EXPECT_EQ(r.result.at("plans").as_array().size(), 1u);
  }
}

}  // namespace
