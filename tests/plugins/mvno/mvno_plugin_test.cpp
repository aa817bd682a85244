// Unit tests of the `mvno` carrier plugin (docs/carriers/mvno.md). The
// plugin is driven through the C ABI table the C++ layer builds (the same
// code CGW_EXPORT_PLUGIN runs) with a fake host: fixed clock, counting
// "random" bytes. Signatures and the encrypted ID field are checked here
// with OpenSSL directly and the demo key files, independently of the
// plugin's own crypto code. One test also loads the real cgw_mvno.so.
#include "mvno_plugin_fixture.hpp"

using namespace mvno_plugin;

// ------------------------------------------------------------ segments ---

TEST(MvnoSegments, LongestPrefixGivesHostNetwork) {
  using cgw::mvno::host_network_of;
  using cgw::mvno::HostNetwork;
  const std::vector<std::pair<std::string, std::optional<HostNetwork>>> cases = {
      {"17001234567", HostNetwork::kTelecom}, {"17021234567", HostNetwork::kTelecom},
      {"17031234567", HostNetwork::kMobile},  {"17041234567", HostNetwork::kUnicom},
      {"17051234567", HostNetwork::kMobile},  {"17061234567", HostNetwork::kMobile},
      {"17071234567", HostNetwork::kUnicom},  {"17091234567", HostNetwork::kUnicom},
      {"17112345678", HostNetwork::kUnicom},  {"16212345678", HostNetwork::kTelecom},
      {"16512345678", HostNetwork::kMobile},  {"16712345678", HostNetwork::kUnicom},
      {"13812345678", std::nullopt},          {"17212345678", std::nullopt},  // 172: Mobile's own
      {"16612345678", std::nullopt},          {"1700123456", std::nullopt},   // 10 digits
      {"1700123456x", std::nullopt}};
  for (const auto& [number, expected] : cases)
    EXPECT_EQ(host_network_of(number), expected) << number;
  EXPECT_EQ(cgw::mvno::protocol_name(HostNetwork::kMobile), "CMCC");
  EXPECT_EQ(cgw::mvno::host_network_from_protocol("CUCC"), HostNetwork::kUnicom);
  EXPECT_EQ(cgw::mvno::host_network_from_protocol("cucc"), std::nullopt);
}

// ------------------------------------------------------------- signing ---

TEST(MvnoSigning, CanonicalStringKnownVector) {
  EXPECT_EQ(cgw::mvno::canonical_string("post", "/openapi/v1/order/create", "1763800000123",
                                        "n0nce", "abc"),
            "POST\n/openapi/v1/order/create\n1763800000123\nn0nce\n"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MvnoSigning, RequestSignatureVerifiesWithTheGatewayPublicKeyOnly) {
  Mvno m;
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto s = m.start(cgw::op::kPlansList, nullptr);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "POST");
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/product/list");
  EXPECT_EQ(sv(s->request.body), "{}");
  EXPECT_EQ(Mvno::header(*s, "X-Partner-Id"), "cgw-test-partner");
  EXPECT_EQ(Mvno::header(*s, "X-Timestamp"), "1763800000123");
  EXPECT_EQ(Mvno::header(*s, "X-Nonce"), "000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(Mvno::header(*s, "X-Sign-Type"), "SHA256withRSA");
  EXPECT_EQ(Mvno::header(*s, "Content-Type"), "application/json");
  const std::string text = canonical("POST", "/openapi/v1/product/list", "1763800000123",
                                     "000102030405060708090a0b0c0d0e0f", "{}");
  const std::string sig = Mvno::header(*s, "X-Signature");
  EXPECT_TRUE(rsa_verify(gateway_public(), text, sig));
  // PKCS#1 v1.5 is deterministic: OpenSSL's own signature is the same bytes.
  EXPECT_EQ(sig, rsa_sign(gateway_private(), text));
  EXPECT_FALSE(rsa_verify(carrier_public(), text, sig));
  EXPECT_FALSE(rsa_verify(gateway_public(), text + "x", sig));
}

TEST(MvnoSigning, BasePathAndTimeoutKeepTheSignedTargetAsSent) {
  Mvno m(config({{"base_url", "http://gw.example:81/carrier/"}, {"timeout_ms", "2500"}}));
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto s = m.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://gw.example:81/carrier/openapi/v1/number/occupy");
  EXPECT_EQ(s->request.timeout_ms, 2500u);
  EXPECT_TRUE(rsa_verify(
      gateway_public(),
      canonical("POST", "/carrier/openapi/v1/number/occupy", Mvno::header(*s, "X-Timestamp"),
                Mvno::header(*s, "X-Nonce"), sv(s->request.body)),
      Mvno::header(*s, "X-Signature")));
}

// ------------------------------------------------------- encrypted field ---

TEST(MvnoFieldCipher, IdNumberOpensWithTheKeyAndNotWithAnother) {
  Mvno m;
  auto s = m.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto body = Mvno::body_of(*s);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/realname/check");
  EXPECT_EQ(body.at("certName").as_string(), kName);  // names travel in clear
  EXPECT_FALSE(body.contains("certNo"));
  EXPECT_EQ(sv(s->request.body).find(kIdNumber), std::string::npos);
  const std::string sealed(body.at("certNoEnc").as_string());
  EXPECT_EQ(gcm_open(field_key_hex(), sealed), kIdNumber);
  EXPECT_EQ(gcm_open(std::string(64, '7'), sealed), std::nullopt);
  // Layout: 12-byte IV (the host's random bytes after the 16 of the nonce),
  // ciphertext as long as the ID, 16-byte tag.
  const std::string raw_bytes = unb64(sealed);
  ASSERT_EQ(raw_bytes.size(), 12u + 18u + 16u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(static_cast<unsigned char>(raw_bytes[i]), i) << i;
  // A flipped ciphertext bit fails the tag.
  std::string tampered = raw_bytes;
  tampered[14] ^= 1;
  EXPECT_EQ(gcm_open(field_key_hex(), b64(tampered)), std::nullopt);
}

TEST(MvnoFieldCipher, FreshIvForEveryValueAndBase64KeyAccepted) {
  const std::string key_b64 = b64(std::string(32, '\x42'));
  Mvno m(config({{"id_field_key", "  " + key_b64 + "\n"}}));
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto a = m.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  auto b = m.start(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify));
  const std::string sa(Mvno::body_of(*a).at("certNoEnc").as_string());
  const std::string sb(Mvno::body_of(*b).at("certNoEnc").as_string());
  EXPECT_NE(sa, sb);
  EXPECT_NE(unb64(sa).substr(0, 12), unb64(sb).substr(0, 12));
  std::string key_hex;
  for (int i = 0; i < 32; ++i) key_hex += "42";
  EXPECT_EQ(gcm_open(key_hex, sa), kIdNumber);
}

// ----------------------------------------------------------- operations ---

TEST(MvnoOperations, PlansList) {
  Mvno m;
  auto r = Mvno::result_of(*m.run(cgw::op::kPlansList, nullptr,
                                  ok({{"products",
                                       {{{"productCode", "MV-1"},
                                         {"productName", "n"},
                                         {"monthlyFee", 800},
                                         {"dataMb", 1024},
                                         {"voiceMin", 100}}}}})));
  EXPECT_EQ(r, json::parse(R"({"plans":[{"plan_id":"MV-1","name":"n","monthly_fee_fen":800,
                               "data_mb":1024,"voice_minutes":100}]})"));
}

json::object number(const std::string& msisdn, const std::string& network,
                    const std::string& status = "FREE") {
  return {{"msisdn", msisdn}, {"province", "北京"},     {"city", "北京"},  {"prestore", 5000},
          {"grade", 3},       {"hostNetwork", network}, {"status", status}};
}

TEST(MvnoOperations, InventoryMapsStatusAndLeavesOutInconsistentNumbers) {
  Mvno m;
  auto s = m.start(cgw::op::kInventorySync, {{"cursor", "nc1.x"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Mvno::body_of(*s), json::parse(R"({"cursor":"nc1.x","pageSize":5000})"));
  auto r = Mvno::result_of(*m.resume(
      sv(s->state), ok({{"numbers",
                         {number("17001234567", "CTCC"), number("17031234567", "CMCC", "OCCUPIED"),
                          number("17112345678", "CUCC", "SOLD"),
                          number("17041234567", "CMCC"),    // 1704 is Unicom-hosted: mismatch
                          number("13812345678", "CMCC")}},  // not an MVNO number
                        {"nextCursor", "nc1.17112345678"},
                        {"hasMore", true},
                        {"changeCursor", "cs1.7"},
                        {"total", 1000000}})));
  const auto& items = r.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0], json::parse(R"({"msisdn":"17001234567","province":"北京","city":"北京",
                                      "price_fen":5000,"status":"available","carrier_grade":3,
                                      "host_network":"telecom"})"));
  EXPECT_EQ(items[1].at("status"), "reserved");
  EXPECT_EQ(items[1].at("host_network"), "mobile");
  EXPECT_EQ(items[2].at("status"), "sold");
  EXPECT_EQ(items[2].at("host_network"), "unicom");
  EXPECT_EQ(r.at("next_cursor"), "nc1.17112345678");
  EXPECT_EQ(r.at("has_more"), true);
  EXPECT_EQ(r.at("change_cursor"), "cs1.7");
  EXPECT_EQ(r.at("total"), 1000000);
  ASSERT_FALSE(m.host.logs().empty());
  EXPECT_NE(m.host.logs().back().find("left out 2"), std::string::npos);
}

TEST(MvnoOperations, InventoryWithoutChangeCursorHasNone) {
  Mvno m;
  // An older carrier release: no change feed, full syncs only.
  const auto out = json::value_to<cgw::InventorySyncOutput>(Mvno::result_of(
      *m.run(cgw::op::kInventorySync, json::object{},
             ok({{"numbers", json::array{}}, {"nextCursor", ""}, {"hasMore", false}}))));
  EXPECT_EQ(out.change_cursor, "");
  EXPECT_FALSE(out.total.has_value());
}

TEST(MvnoOperations, InventoryChangeFeed) {
  Mvno m;
  auto s = m.start(cgw::op::kInventorySync,
                   {{"since", "cs1.42"}, {"cursor", "nc1.x"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Mvno::body_of(*s), json::parse(R"({"changedSince":"cs1.42","pageSize":5000})"));
  auto out = json::value_to<cgw::InventorySyncOutput>(Mvno::result_of(
      *m.resume(sv(s->state), ok({{"numbers",
                                   {number("17001234567", "CTCC", "SOLD"),
                                    number("13812345678", "CMCC")}},  // not an MVNO number
                                  {"nextCursor", ""},
                                  {"hasMore", true},
                                  {"changeCursor", "cs1.57"},
                                  {"total", 1000000}}))));
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::sold);
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "cs1.57");
  EXPECT_EQ(out.next_cursor, "");
  EXPECT_EQ(out.total, 1000000);
  // Nothing changed: the same cursor, no more.
  out = json::value_to<cgw::InventorySyncOutput>(Mvno::result_of(
      *m.run(cgw::op::kInventorySync, {{"since", "cs1.42"}},
             ok({{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", "cs1.42"}}))));
  EXPECT_EQ(out.change_cursor, "cs1.42");
  EXPECT_FALSE(out.has_more);
  // Inputs the plugin cannot send, and broken replies.
  for (const auto& since : {std::string(65, 'c'), std::string("cs1. 4"), std::string("cs1.\n")})
    EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kInventorySync, {{"since", since}})).code,
              "INVALID_ARGUMENT")
        << since;
  for (const json::object& data : std::vector<json::object>{
           {{"numbers", json::array{}}, {"hasMore", false}},                        // no cursor
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", ""}},  // empty
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", 43}},  // a number
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", "cs1 43"}},
           {{"numbers", json::array{}}, {"hasMore", false}, {"changeCursor", std::string(65, 'c')}},
           {{"numbers", json::array{}}, {"hasMore", true}, {"changeCursor", "cs1.42"}},  // stuck
           {{"numbers", json::array{}},
            {"hasMore", false},
            {"changeCursor", "cs1.43"},
            {"total", -1}}}) {
    const Err e = Mvno::error_of(*m.run(cgw::op::kInventorySync, {{"since", "cs1.42"}}, ok(data)));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << json::serialize(data);
  }
  // The carrier refuses a cursor it does not know (e.g. after a restart).
  EXPECT_EQ(
      Mvno::error_of(*m.run(cgw::op::kInventorySync, {{"since", "cs1.42"}}, biz("1101"))).code,
      "INVALID_ARGUMENT");
}
