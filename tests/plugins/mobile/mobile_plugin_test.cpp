// Unit tests of the `mobile` carrier plugin (docs/carriers/mobile.md). The
// plugin is driven through the C ABI table the C++ layer builds (the same
// code CGW_EXPORT_PLUGIN runs) with a fake host: fixed clock, counting
// "random" bytes. One test also loads the real cgw_mobile.so with dlopen.
#include "mobile_plugin_fixture.hpp"

using namespace mobile_plugin;

namespace {

TEST(MobileSigning, KnownVectors) {
  using namespace cgw::mobile;
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(string_to_sign("post", "/a?b=1", "17", "n0nce", "abc"),
            "POST\n/a?b=1\n17\nn0nce\n"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
}

TEST(MobileSigning, GetRequestKnownAnswer) {
  Mobile m;
  auto s = m.start(cgw::op::kPlansList, nullptr);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "GET");
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/plans");
  EXPECT_EQ(sv(s->request.body), "");
  EXPECT_EQ(Mobile::header(*s, "X-App-Id"), "cgw-test");
  EXPECT_EQ(Mobile::header(*s, "X-Timestamp"), "1763800000");
  EXPECT_EQ(Mobile::header(*s, "X-Nonce"), "000102030405060708090a0b0c0d0e0f");
  EXPECT_EQ(Mobile::header(*s, "Content-Type"), "<absent>");
  // Computed with: printf 'GET\n/open/v1/plans\n1763800000\n0001...0f\n<sha256("")>' |
  //   openssl dgst -sha256 -hmac s3cret-key
  EXPECT_EQ(Mobile::header(*s, "X-Signature"),
            "82aab8b3c41fcf920582879b75dfdc0c940fd28a84d3cc86a08a7a961ad34624");
  EXPECT_EQ(s->request.timeout_ms, 0u);
}

TEST(MobileSigning, PostRequestMatchesIndependentSignature) {
  Mobile m;
  auto s = m.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "POST");
  EXPECT_EQ(Mobile::header(*s, "Content-Type"), "application/json");
  const std::string url = sv(s->request.url), body = sv(s->request.body);
  EXPECT_EQ(url, "http://127.0.0.1:9101/open/v1/numbers/lock");
  EXPECT_EQ(Mobile::header(*s, "X-Signature"),
            expected_signature("s3cret-key", "POST", target_of(url), "1763800000",
                               Mobile::header(*s, "X-Nonce"), body));
  EXPECT_EQ(json::parse(body), json::parse(R"({"number":"13800000001","holdMinutes":45,
                                              "partnerLockId":"R-1"})"));
}

TEST(MobileRequests, QueryIsEncodedAndSignedAsSent) {
  Mobile m;
  auto s = m.start(cgw::op::kInventorySync, {{"cursor", "a+b/c= d"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const std::string url = sv(s->request.url);
  EXPECT_EQ(url, "http://127.0.0.1:9101/open/v1/numbers?cursor=a%2Bb%2Fc%3D%20d&size=5000");
  EXPECT_EQ(Mobile::header(*s, "X-Signature"),
            expected_signature("s3cret-key", "GET", target_of(url), "1763800000",
                               Mobile::header(*s, "X-Nonce"), ""));
}

TEST(MobileRequests, BasePathTimeoutAndHoldDefault) {
  Mobile m(R"({base_url: "http://gw.example:81/carrier/", app_id: a, secret: s,
               callback_url: "https://cb.example/x", timeout_ms: 2500})");
  ASSERT_TRUE(m.created()) << m.create_error.message;
  auto s = m.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://gw.example:81/carrier/open/v1/numbers/lock");
  EXPECT_EQ(s->request.timeout_ms, 2500u);
  EXPECT_EQ(json::parse(sv(s->request.body)).at("holdMinutes"), 30);
}

TEST(MobileRequests, HoldSecondsRoundUpToMinutes) {
  Mobile m;
  for (auto [secs, minutes] :
       std::vector<std::pair<int, int>>{{0, 45}, {1, 1}, {60, 1}, {61, 2}, {3600, 60}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = secs;
    auto s = m.start(cgw::op::kNumberReserve, in);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(json::parse(sv(s->request.body)).at("holdMinutes"), minutes) << secs;
  }
}

TEST(MobileRequests, InvalidInputsFailBeforeSending) {
  Mobile m;
  const std::vector<std::pair<std::string, json::value>> cases = {
      {cgw::op::kNumberReserve, {{"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve, {{"msisdn", 13800000001}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve,
       {{"msisdn", "1"}, {"gateway_reservation_id", "R"}, {"hold_seconds", -5}}},
      {cgw::op::kNumberRelease, {{"msisdn", "1"}}},
      {cgw::op::kKycVerify, {{"id_number", kIdNumber}}},
      {cgw::op::kKycVerify, {{"name", kName}, {"id_number", 42}}},
      {cgw::op::kActivationSubmit, {{"gateway_order_id", "G"}, {"name", kName}}},
      {cgw::op::kActivationQuery, json::object{}},
      {cgw::op::kNumberReserve, "not an object"},
      {cgw::op::kInventorySync, {{"since", "abc"}}},
      {cgw::op::kInventorySync, {{"since", "-1"}}},
      {cgw::op::kInventorySync, {{"since", "1 "}}},
      {cgw::op::kInventorySync, {{"since", "99999999999999999999999"}}},
      {cgw::op::kInventorySync, {{"since", 42}}},
  };
  for (const auto& [op, input] : cases) {
    auto s = m.start(op, input);
    const Err e = Mobile::error_of(*s);
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << op << " " << json::serialize(input);
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
  EXPECT_EQ(Mobile::error_of(*m.start("number.transfer", nullptr)).code, "UNSUPPORTED_OPERATION");
}

// ----------------------------------------------------------- operations ---

TEST(MobileOperations, PlansList) {
  Mobile m;
  auto r = Mobile::result_of(*m.run(cgw::op::kPlansList, nullptr, ok(json::parse(R"({"plans":[
      {"planCode":"P-39","planName":"Basic","monthlyFee":3900,"dataMb":10240,"voiceMin":100}]})"))));
  EXPECT_EQ(r, json::parse(R"({"plans":[{"plan_id":"P-39","name":"Basic","monthly_fee_fen":3900,
                                "data_mb":10240,"voice_minutes":100}]})"));
}

TEST(MobileOperations, InventorySyncMapsStateAndLevel) {
  Mobile m;
  auto r = Mobile::result_of(
      *m.run(cgw::op::kInventorySync, json::object{}, ok(json::parse(R"({"numbers":[
      {"number":"1","province":"BJ","city":"Beijing","price":0,"level":3,"state":"idle"},
      {"number":"2","province":"BJ","city":"Beijing","price":500,"level":10,"state":"locked"},
      {"number":"3","province":"SH","city":"Shanghai","price":9,"state":"sold"}],
      "nextCursor":"c2","hasMore":true})"))));
  const auto out = json::value_to<cgw::InventorySyncOutput>(r);
  ASSERT_EQ(out.items.size(), 3u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::available);
  EXPECT_EQ(out.items[0].carrier_grade, 3);
  EXPECT_EQ(out.items[1].status, cgw::NumberState::reserved);
  EXPECT_EQ(out.items[1].price_fen, 500);
  EXPECT_EQ(out.items[2].status, cgw::NumberState::sold);
  EXPECT_FALSE(out.items[2].carrier_grade.has_value());
  EXPECT_EQ(out.next_cursor, "c2");
  EXPECT_TRUE(out.has_more);
}

TEST(MobileOperations, InventoryListingMapsChangeSeqAndTotal) {
  Mobile m;
  auto out = json::value_to<cgw::InventorySyncOutput>(Mobile::result_of(
      *m.run(cgw::op::kInventorySync, json::object{},
             ok(json::parse(R"({"numbers":[],"nextCursor":"13800000009","hasMore":true,
                         "changeSeq":7,"total":1000000})")))));
  EXPECT_EQ(out.change_cursor, "7");
  EXPECT_EQ(out.total, 1000000);
  EXPECT_EQ(out.next_cursor, "13800000009");
  // An older carrier release: no change feed, no total.
  out = json::value_to<cgw::InventorySyncOutput>(Mobile::result_of(
      *m.run(cgw::op::kInventorySync, json::object{},
             ok(json::parse(R"({"numbers":[],"nextCursor":"","hasMore":false})")))));
  EXPECT_EQ(out.change_cursor, "");
  EXPECT_FALSE(out.total.has_value());
}

TEST(MobileOperations, InventoryChangeFeed) {
  Mobile m;
  auto s = m.start(cgw::op::kInventorySync,
                   {{"since", "42"}, {"cursor", "ignored"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/numbers?changedSince=42&size=5000");
  EXPECT_EQ(sv(s->request.method), "GET");
  auto out = json::value_to<cgw::InventorySyncOutput>(
      Mobile::result_of(*m.resume(*s, ok(json::parse(R"({"numbers":[
          {"number":"13800000001","province":"BJ","city":"Beijing","price":0,"level":0,"state":"sold"},
          {"number":"13800000002","province":"BJ","city":"Beijing","price":0,"level":0,"state":"idle"}],
          "nextCursor":"","hasMore":true,"changeSeq":57,"total":1000000})")))));
  ASSERT_EQ(out.items.size(), 2u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::sold);
  EXPECT_EQ(out.items[1].status, cgw::NumberState::available);
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "57");
  EXPECT_EQ(out.next_cursor, "") << "the feed goes on from change_cursor";
  EXPECT_EQ(out.total, 1000000);
  // Nothing changed: the same position, no more.
  out = json::value_to<cgw::InventorySyncOutput>(Mobile::result_of(
      *m.run(cgw::op::kInventorySync, {{"since", "42"}},
             ok(json::parse(R"({"numbers":[],"nextCursor":"","hasMore":false,"changeSeq":42})")))));
  EXPECT_TRUE(out.items.empty());
  EXPECT_FALSE(out.has_more);
  EXPECT_EQ(out.change_cursor, "42");
  // Broken feed replies are CARRIER_BAD_RESPONSE, never a crash.
  for (const char* data : {
           R"({"numbers":[],"hasMore":false})",                    // no changeSeq
           R"({"numbers":[],"hasMore":false,"changeSeq":"43"})",   // not an integer
           R"({"numbers":[],"hasMore":false,"changeSeq":-1})",     // negative
           R"({"numbers":[],"hasMore":false,"changeSeq":41})",     // went back
           R"({"numbers":[],"hasMore":true,"changeSeq":42})",      // more, but no progress
           R"({"numbers":[],"hasMore":false,"changeSeq":4.5e1})",  // not an integer
       }) {
    const Err e =
        Mobile::error_of(*m.run(cgw::op::kInventorySync, {{"since", "42"}}, ok(json::parse(data))));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << data;
    EXPECT_FALSE(e.outcome_unknown);
  }
  // The carrier refuses a position it does not know (e.g. after a restart).
  EXPECT_EQ(Mobile::error_of(*m.run(cgw::op::kInventorySync, {{"since", "42"}}, biz("2001"))).code,
            "INVALID_ARGUMENT");
}

TEST(MobileOperations, ReserveAndRelease) {
  Mobile m;
  auto r = Mobile::result_of(*m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                                    ok({{"lockId", "L-9"}, {"expireTime", 1763801800000}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_reservation_id":"L-9","expires_at_ms":1763801800000})"));
  auto s = m.start(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/numbers/unlock");
  EXPECT_EQ(json::parse(sv(s->request.body)), json::parse(R"({"number":"13800000001",
                                                               "lockId":"L-1"})"));
  EXPECT_EQ(Mobile::result_of(*m.resume(*s, ok(json::object{}))),
            json::parse(R"({"released":true})"));
}

TEST(MobileOperations, SubmitSendsOrderWithNotifyUrl) {
  Mobile m;
  auto s = m.start(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/orders");
  const auto body = json::parse(sv(s->request.body));
  EXPECT_EQ(body.at("partnerOrderId"), "G-1");
  EXPECT_EQ(body.at("lockId"), "L-1");
  EXPECT_EQ(body.at("planCode"), "P-39");
  EXPECT_EQ(body.at("certNo"), kIdNumber);
  EXPECT_EQ(body.at("contact").at("phone"), "13900000000");
  EXPECT_EQ(body.at("notifyUrl"), "http://127.0.0.1:8080/callbacks/mobile?tenant=t1");
  auto r = Mobile::result_of(*m.resume(*s, ok({{"orderId", "O-1"}, {"orderState", "PROCESSING"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_order_id":"O-1","status":"submitted","reason":""})"));
}

}  // namespace
