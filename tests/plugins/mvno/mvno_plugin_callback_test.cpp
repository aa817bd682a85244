// More of mvno_plugin_test: MvnoMapping, MvnoCallback, MvnoConfig, MvnoPrivacy,
// MvnoSharedObject (shared fixtures: mvno_plugin_fixture.hpp).
#include "mvno_plugin_fixture.hpp"

using namespace mvno_plugin;

TEST(MvnoMapping, ResumeWithUnknownStateIsPluginError) {
  Mvno m;
  EXPECT_EQ(Mvno::error_of(*m.resume(R"({"op":"number.transfer"})", ok({}))).code, "PLUGIN_ERROR");
  EXPECT_EQ(Mvno::error_of(*m.resume("[1]", ok({}))).code, "PLUGIN_ERROR");
}

// ------------------------------------------------------------ callbacks ---

struct SignedCallback {
  std::string url = "/v1/callbacks/mvno";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

SignedCallback signed_callback(int64_t ts_ms = kNowMs, const std::string& key = carrier_private(),
                               std::string body = {}) {
  SignedCallback c;
  if (body.empty())
    body = json::serialize(json::object{{"notifyId", "N1"},
                                        {"orderNo", "MV1"},
                                        {"partnerOrderNo", "act_1"},
                                        {"orderStatus", "FAILED"},
                                        {"failCode", "3008"},
                                        {"notifyTime", kNowMs - 5}});
  c.body = body;
  const std::string ts = std::to_string(ts_ms), nonce = "abcdefabcdef0123456789";
  c.headers = {{"X-Partner-Id", "cgw-test-partner"},
               {"X-Timestamp", ts},
               {"X-Nonce", nonce},
               {"X-Sign-Type", "SHA256withRSA"},
               {"X-Signature", rsa_sign(key, canonical("POST", c.url, ts, nonce, body))}};
  return c;
}

TEST(MvnoCallback, GoodCallbackIsVerifiedParsedAndAcknowledged) {
  Mvno m;
  const auto c = signed_callback();
  auto r = m.callback(c.url, c.headers, c.body);
  ASSERT_EQ(r->verified, 1) << sv(r->error.message);
  EXPECT_EQ(r->ack_status, 200);
  EXPECT_EQ(sv(r->ack_content_type), "text/plain");
  EXPECT_EQ(sv(r->ack_body), "SUCCESS");
  EXPECT_EQ(json::parse(sv(r->events_json)),
            json::parse(R"([{"type":"activation.status","event_id":"N1","carrier_order_id":"MV1",
                             "gateway_order_id":"act_1","status":"failed","reason":"3008",
                             "occurred_at_ms":1763800000118}])"));
}

TEST(MvnoCallback, RefusesForgedTamperedOrStale) {
  Mvno m;
  auto refused = [&](const SignedCallback& c) {
    auto r = m.callback(c.url, c.headers, c.body);
    if (r->verified) return false;
    // Anything but the acknowledgement makes the carrier retry.
    EXPECT_NE(r->ack_status, 200);
    EXPECT_NE(sv(r->ack_body), "SUCCESS");
    return sv(r->error.code) == "CALLBACK_REJECTED";
  };
  // Signed with the gateway's key instead of the carrier's.
  EXPECT_TRUE(refused(signed_callback(kNowMs, gateway_private())));
  SignedCallback tampered = signed_callback();
  tampered.body[tampered.body.find("FAILED")] = 'X';
  EXPECT_TRUE(refused(tampered));
  SignedCallback other_target = signed_callback();
  other_target.url = "/v1/callbacks/mobile";
  EXPECT_TRUE(refused(other_target));
  EXPECT_TRUE(refused(signed_callback(kNowMs - 301'000)));  // stale
  EXPECT_TRUE(refused(signed_callback(kNowMs + 301'000)));  // from the future
  EXPECT_FALSE(refused(signed_callback(kNowMs - 299'000)));
  for (const char* h : {"X-Partner-Id", "X-Sign-Type", "X-Signature", "X-Nonce"}) {
    SignedCallback c = signed_callback();
    for (auto& [k, v] : c.headers)
      if (k == h) v = k == std::string("X-Signature") ? "AAAA" : "other-value";
    EXPECT_TRUE(refused(c)) << h;
  }
  SignedCallback missing = signed_callback();
  missing.headers.pop_back();
  EXPECT_TRUE(refused(missing));
  // Authentic but not the promised shape.
  EXPECT_TRUE(refused(signed_callback(kNowMs, carrier_private(), R"({"notifyId":"N1"})")));
  EXPECT_TRUE(refused(signed_callback(kNowMs, carrier_private(), "[]")));
}

// --------------------------------------------------------------- config ---

TEST(MvnoConfig, InvalidSettingsAreConfigInvalidAndNameNoSecret) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {config({}, {"gateway_private_key"}), "gateway_private_key"},
      {config({{"gateway_private_key", "-----BEGIN PRIVATE KEY-----\nnot a key\n"}}),
       "gateway_private_key"},
      {config({{"gateway_private_key", gateway_public()}}), "gateway_private_key"},
      {config({{"carrier_public_key", carrier_private()}}), "carrier_public_key"},
      {config({{"carrier_public_key", "garbage"}}), "carrier_public_key"},
      {config({{"id_field_key", "00ff"}}), "id_field_key"},
      {config({{"id_field_key", std::string(64, 'g')}}), "id_field_key"},
      {config({}, {"partner_id"}), "partner_id"},
      {config({{"base_url", "ftp://x"}}), "base_url"},
      {config({{"base_url", "http://x/?q=1"}}), "base_url"},
      {config({{"callback_url", "not a url"}}), "callback_url"},
      {config({{"occupy_minutes", "0"}}), "occupy_minutes"},
      {"[1, 2]", "not a JSON object"}};
  for (const auto& [yaml, key] : cases) {
    Mvno m(yaml);
    EXPECT_FALSE(m.created()) << key;
    EXPECT_EQ(m.create_error.code, "CONFIG_INVALID") << key;
    EXPECT_NE(m.create_error.message.find(key), std::string::npos) << m.create_error.message;
    EXPECT_EQ(m.create_error.message.find("MII"), std::string::npos);  // no PEM body
    EXPECT_EQ(m.create_error.message.find(field_key_hex()), std::string::npos);
  }
}

// -------------------------------------------------------------- privacy ---

TEST(MvnoPrivacy, ErrorsNeverContainNameOrIdNumber) {
  Mvno m;
  std::vector<Reply> replies = {biz("3002"), biz("1101"), raw("garbage"),
                                raw(R"({"code":"0000","data":{"orderNo":1}})")};
  for (const auto& r : replies) {
    const Err e = Mvno::error_of(
        *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), r));
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
  auto in = valid_input(cgw::op::kActivationSubmit);
  in.as_object()["id_number"] = 12345;  // wrong type
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationSubmit, in)).code, "INVALID_ARGUMENT");
  in.as_object()["id_number"] = "";
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationSubmit, in)).message,
            "mvno activation.submit: 'id_number' is required");
}

// -------------------------------------------------------- shared object ---

TEST(MvnoSharedObject, RealModuleExportsWorkingTable) {
  const cgw::test::LoadedModule module(CGW_MVNO_PLUGIN_PATH);
  const cgw_plugin_v1* t = module.table();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->abi_major, CGW_ABI_MAJOR);
  EXPECT_EQ(sv(t->name), "mvno");
  EXPECT_EQ(sv(t->version), "1.1.0");
  EXPECT_EQ(t->carrier_kinds, static_cast<uint32_t>(CGW_CARRIER_MVNO));
  EXPECT_EQ(t->capabilities, kAllCaps);
  {
    Mvno m(config(), t);
    ASSERT_TRUE(m.created()) << m.create_error.message;
    auto s = m.start(cgw::op::kPlansList, nullptr);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_TRUE(rsa_verify(gateway_public(),
                           canonical("POST", "/openapi/v1/product/list", "1763800000123",
                                     Mvno::header(*s, "X-Nonce"), "{}"),
                           Mvno::header(*s, "X-Signature")));
    EXPECT_EQ(Mvno::result_of(*m.resume(sv(s->state), ok({{"products", json::array{}}}))),
              json::parse(R"({"plans":[]})"));
  }
}
