// Unit tests of the `telecom` carrier plugin (docs/carriers/telecom.md). The
// plugin is driven through the C ABI table the C++ layer builds (the code
// CGW_EXPORT_PLUGIN runs) with a fake host: a settable clock and a cache that
// honours TTLs on that clock. Canned carrier replies are literal XML; the
// plugin's requests are read back with pugixml. One test loads the real
// cgw_telecom.so with dlopen.
#include "telecom_plugin_fixture.hpp"

using namespace telecom_plugin;

namespace {

TEST(TelecomToken, FetchedFirstThenTheCallCarriesIt) {
  Telecom t;
  auto r = t.run(cgw::op::kPlansList, nullptr, {token("TK-1", 300), ok(kPlansXml)});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  ASSERT_EQ(r.sent.size(), 2u);
  EXPECT_EQ(r.sent[0].method, "POST");
  EXPECT_EQ(r.sent[0].url, "http://127.0.0.1:9103/oauth/token");
  EXPECT_EQ(r.sent[0].header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(
      r.sent[0].body,
      "grant_type=client_credentials&client_id=cgw-test&client_secret=s3cret%2Bkey%20%26%3Dx");
  EXPECT_EQ(r.sent[1].url, "http://127.0.0.1:9103/api/v1/plans/list");
  EXPECT_EQ(r.sent[1].header("Authorization"), "Bearer TK-1");
  EXPECT_EQ(r.sent[1].header("Content-Type"), "application/xml; charset=utf-8");
  pugi::xml_document doc;
  request_root(doc, r.sent[1].body);
  EXPECT_EQ(r.result, json::parse(R"({"plans":[{"plan_id":"CT-XK-19","name":"星卡",
      "monthly_fee_fen":1900,"data_mb":30720,"voice_minutes":0}]})"));
  // Cached for expires_in minus a fifth, at most 60 s: 300 s -> 240 s.
  ASSERT_EQ(t.host.put_ttls(), std::vector<int64_t>{240'000});
  EXPECT_EQ(t.host.cache_get("telecom.access_token"), "TK-1");
  for (const auto& line : t.host.logs()) EXPECT_EQ(line.find("TK-1"), std::string::npos) << line;
}

TEST(TelecomToken, CachedTokenIsReusedUntilTheHostClockExpiresIt) {
  Telecom t;
  ASSERT_EQ(t.run(cgw::op::kPlansList, nullptr, {token("TK-1", 60), ok(kPlansXml)}).kind,
            CGW_STEP_DONE);
  t.host.advance_ms(47'999);  // the 60 s token is kept for 48 s
  auto again = t.run(cgw::op::kPlansList, nullptr, {ok(kPlansXml)});
  ASSERT_EQ(again.kind, CGW_STEP_DONE);
  ASSERT_EQ(again.sent.size(), 1u);
  EXPECT_EQ(again.sent[0].header("Authorization"), "Bearer TK-1");
  t.host.advance_ms(1);
  auto refreshed = t.run(cgw::op::kPlansList, nullptr, {token("TK-2", 60), ok(kPlansXml)});
  ASSERT_EQ(refreshed.kind, CGW_STEP_DONE);
  ASSERT_EQ(refreshed.sent.size(), 2u);
  EXPECT_EQ(refreshed.sent[0].url, "http://127.0.0.1:9103/oauth/token");
  EXPECT_EQ(refreshed.sent[1].header("Authorization"), "Bearer TK-2");
}

TEST(TelecomToken, CacheTtlRule) {
  using cgw::telecom::cache_ttl_ms;
  EXPECT_EQ(cache_ttl_ms(1), 800);
  EXPECT_EQ(cache_ttl_ms(2), 1'600);
  EXPECT_EQ(cache_ttl_ms(60), 48'000);
  EXPECT_EQ(cache_ttl_ms(300), 240'000);
  EXPECT_EQ(cache_ttl_ms(7200), 7'140'000);
  EXPECT_EQ(cache_ttl_ms(10LL * 24 * 3600), 86'400'000);  // at most a day
}

TEST(TelecomToken, ExpiredOrInvalidTokenIsRefreshedAndTheCallSentOnceMore) {
  for (const std::string code : {"10003", "10002"}) {
    Telecom t;
    t.seed_token("OLD");
    auto r = t.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                   {err(code, 401), token("NEW"), ok(kReserveXml)});
    ASSERT_EQ(r.kind, CGW_STEP_DONE) << code << " " << r.error.message;
    ASSERT_EQ(r.sent.size(), 3u);
    EXPECT_EQ(r.sent[0].header("Authorization"), "Bearer OLD");
    EXPECT_EQ(r.sent[1].url, "http://127.0.0.1:9103/oauth/token");
    EXPECT_EQ(r.sent[2].header("Authorization"), "Bearer NEW");
    EXPECT_EQ(r.sent[2].body, r.sent[0].body);  // the same call again
    EXPECT_EQ(r.result, json::parse(R"({"carrier_reservation_id":"RS1",
                                        "expires_at_ms":1763801800000})"));
    EXPECT_EQ(t.host.cache_get("telecom.access_token"), "NEW");
  }
}

TEST(TelecomToken, RetriedOnlyOncePerCall) {
  Telecom t;
  t.seed_token("OLD");
  auto r = t.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
                 {err("10003", 401), token("NEW"), err("10003", 401), token("X")});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.error.code, "CARRIER_AUTH_FAILED");
  EXPECT_EQ(r.error.carrier_code, "10003");
  EXPECT_TRUE(r.error.retryable);
  EXPECT_FALSE(r.error.outcome_unknown);  // refused before anything happened
  // Each call of a chain gets its own retry: the create is refreshed, then
  // the photo upload may be refreshed again.
  t.seed_token("OLD");
  auto chain = t.run(
      cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
      {err("10003", 401), token("T2"), ok(order_xml("CREATED")), err("10003", 401), token("T3"),
       ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>"), ok(order_xml("PROCESSING"))});
  ASSERT_EQ(chain.kind, CGW_STEP_DONE) << chain.error.message;
  EXPECT_EQ(chain.sent.size(), 7u);
  EXPECT_EQ(chain.sent[6].header("Authorization"), "Bearer T3");
}

struct TokenRow {
  std::string op;
  Reply reply;
  std::string code, carrier_code;
  bool retryable;
};
void PrintTo(const TokenRow& r, std::ostream* os) {
  *os << r.op << " " << r.reply.status << " " << r.reply.body;
}
class TelecomTokenErrors : public testing::TestWithParam<TokenRow> {};
TEST_P(TelecomTokenErrors, MapPerDoc) {
  const TokenRow& row = GetParam();
  Telecom t;
  auto r = t.run(row.op, valid_input(row.op), {row.reply});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.error.code, row.code);
  EXPECT_EQ(r.error.carrier_code, row.carrier_code);
  EXPECT_EQ(r.error.retryable, row.retryable);
  EXPECT_FALSE(r.error.outcome_unknown);  // a token call changes nothing
  EXPECT_EQ(t.host.cache_size(), 0u);
}
INSTANTIATE_TEST_SUITE_P(
    Rows, TelecomTokenErrors,
    testing::Values(TokenRow{"plans.list", raw(401, R"({"error":"invalid_client"})"),
                             "CARRIER_AUTH_FAILED", "invalid_client", false},
                    TokenRow{"activation.submit", raw(400, R"({"error":"unsupported_grant_type"})"),
                             "CARRIER_AUTH_FAILED", "unsupported_grant_type", false},
                    TokenRow{"plans.list", raw(401, "<html/>"), "CARRIER_AUTH_FAILED", "", false},
                    TokenRow{"activation.submit", raw(200, "not json"), "CARRIER_BAD_RESPONSE", "",
                             false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"a b","token_type":"Bearer",
                 "expires_in":60})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"t","token_type":"mac",
                 "expires_in":60})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"t","token_type":"bearer",
                 "expires_in":0})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(200, R"({"access_token":"t","token_type":"Bearer",
                 "expires_in":"60"})"),
                             "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"plans.list", raw(302, ""), "CARRIER_BAD_RESPONSE", "", false},
                    TokenRow{"activation.submit", raw(503, ""), "CARRIER_UNAVAILABLE", "", true},
                    TokenRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT),
                             "CARRIER_TIMEOUT", "", true},
                    TokenRow{"number.reserve", transport(CGW_TRANSPORT_NOT_SENT),
                             "CARRIER_UNAVAILABLE", "", true}));

// --------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code;
  int status;
  std::string gateway_code;
  bool retryable;
};
void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code << "@" << r.status;
}
class TelecomCodes : public testing::TestWithParam<CodeRow> {};
TEST_P(TelecomCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                 {err(row.carrier_code, row.status)});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL);
  EXPECT_EQ(r.error.code, row.gateway_code);
  EXPECT_EQ(r.error.carrier_code, row.carrier_code);
  EXPECT_EQ(r.error.retryable, row.retryable);
  EXPECT_FALSE(r.error.outcome_unknown);  // the carrier refused: nothing happened
  EXPECT_EQ(r.error.message.find(kName), std::string::npos);  // carrier text is not echoed
  EXPECT_EQ(r.sent.size(), 1u);
}
INSTANTIATE_TEST_SUITE_P(Table, TelecomCodes,
                         testing::Values(CodeRow{"10001", 401, "CARRIER_AUTH_FAILED", false},
                                         CodeRow{"10004", 403, "CARRIER_AUTH_FAILED", false},
                                         CodeRow{"10005", 429, "CARRIER_UNAVAILABLE", true},
                                         CodeRow{"20001", 400, "INVALID_ARGUMENT", false},
                                         CodeRow{"20002", 400, "INVALID_ARGUMENT", false},
                                         CodeRow{"20003", 404, "CARRIER_REJECTED", false},
                                         CodeRow{"30001", 200, "NUMBER_UNAVAILABLE", false},
                                         CodeRow{"30002", 200, "NUMBER_UNAVAILABLE", false},
                                         CodeRow{"30003", 200, "RESERVATION_EXPIRED", false},
                                         CodeRow{"30004", 200, "RESERVATION_NOT_FOUND", false},
                                         CodeRow{"30005", 200, "PLAN_NOT_FOUND", false},
                                         CodeRow{"40002", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"40005", 200, "QUOTA_EXCEEDED", false},
                                         CodeRow{"50001", 200, "ORDER_NOT_FOUND", false},
                                         CodeRow{"50002", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"50003", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"50004", 200, "CARRIER_REJECTED", false},
                                         CodeRow{"50005", 200, "INVALID_ARGUMENT", false},
                                         CodeRow{"90001", 200, "CARRIER_UNAVAILABLE", true},
                                         CodeRow{"90002", 200, "CARRIER_UNAVAILABLE", true},
                                         CodeRow{"77777", 200, "CARRIER_REJECTED", false}));

struct ShapeRow {
  std::string op;
  Reply reply;
  std::string code;
  bool retryable, outcome_unknown;
};
void PrintTo(const ShapeRow& r, std::ostream* os) {
  *os << r.op << " transport=" << r.reply.transport << " " << r.reply.status << " " << r.reply.body;
}
class TelecomShapes : public testing::TestWithParam<ShapeRow> {};
TEST_P(TelecomShapes, TransportStatusAndMalformedReplies) {
  const ShapeRow& row = GetParam();
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(row.op, valid_input(row.op), {row.reply});
  ASSERT_EQ(r.kind, CGW_STEP_FAIL) << json::serialize(r.result);
  EXPECT_EQ(r.error.code, row.code) << r.error.message;
  EXPECT_EQ(r.error.retryable, row.retryable);
  EXPECT_EQ(r.error.outcome_unknown, row.outcome_unknown);
  EXPECT_EQ(r.error.message.find(kIdNumber), std::string::npos);
}
#define OK(d) raw(200, "<Response><Code>0</Code><Data>" d "</Data></Response>")
constexpr const char* kBad = "CARRIER_BAD_RESPONSE";
INSTANTIATE_TEST_SUITE_P(
    Rows, TelecomShapes,
    testing::Values(
        ShapeRow{"plans.list", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1, 0},
        ShapeRow{"activation.submit", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1,
                 0},
        ShapeRow{"plans.list", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        ShapeRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 1},
        ShapeRow{"number.reserve", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        ShapeRow{"kyc.verify", transport(99), "CARRIER_TIMEOUT", 1, 0},
        ShapeRow{"number.release", transport(CGW_TRANSPORT_RESPONSE_TOO_BIG), kBad, 0, 1},
        ShapeRow{"plans.list", raw(502, "<html/>"), "CARRIER_UNAVAILABLE", 1, 0},
        ShapeRow{"number.reserve", raw(503, ""), "CARRIER_UNAVAILABLE", 1, 0},
        ShapeRow{"activation.submit", raw(502, ""), "CARRIER_UNAVAILABLE", 1, 1},
        ShapeRow{"plans.list", raw(404, "<html>nginx</html>"), kBad, 0, 0},
        ShapeRow{"activation.submit", raw(403, "denied"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "not xml"), kBad, 0, 0},
        ShapeRow{"number.reserve", raw(200, "not xml"), kBad, 0, 1},
        ShapeRow{"activation.submit", raw(200, ""), kBad, 0, 1},
        ShapeRow{"activation.submit", raw(200, "<Response><Code>0</Code><Data>"), kBad, 0, 1},
        ShapeRow{"plans.list", raw(200, "<Response/><Response/>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Reply><Code>0</Code><Data/></Reply>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Response><Code>1</Code><Data/></Response>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Response><Code>0</Code></Response>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(400, "<Response><Code>0</Code><Data/></Response>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Error><Message>x</Message></Error>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Error><Code>&lt;b&gt;</Code></Error>"), kBad, 0, 0},
        ShapeRow{"plans.list", raw(200, "<Error><Code>1</Code><Code>2</Code></Error>"), kBad, 0, 0},
        ShapeRow{"plans.list",
                 OK("<Plans><Plan><PlanCode>P</PlanCode><PlanName>n</PlanName>"
                    "<MonthlyFee>19.5</MonthlyFee><DataMB>1</DataMB>"
                    "<VoiceMinutes>1</VoiceMinutes></Plan></Plans>"),
                 kBad, 0, 0},
        ShapeRow{"plans.list",
                 OK("<Plans><Plan><PlanName>n</PlanName><MonthlyFee>1</MonthlyFee>"
                    "<DataMB>1</DataMB><VoiceMinutes>1</VoiceMinutes></Plan></Plans>"),
                 kBad, 0, 0},
        ShapeRow{"plans.list", OK("<Plans><Item/></Plans>"), kBad, 0, 0},
        ShapeRow{"inventory.sync",
                 OK("<Numbers><Number><Msisdn>1</Msisdn><Province>a</Province>"
                    "<City>b</City><Price>1</Price><Status>FROZEN</Status>"
                    "</Number></Numbers><HasMore>false</HasMore>"),
                 kBad, 0, 0},
        ShapeRow{"inventory.sync",
                 OK("<Numbers><Number><Msisdn>1</Msisdn><Province>a</Province>"
                    "<City>b</City><Price>1</Price><Grade>11</Grade>"
                    "<Status>FREE</Status></Number></Numbers>"
                    "<HasMore>false</HasMore>"),
                 kBad, 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>yes</HasMore>"), kBad, 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>false</HasMore><ChangeSeq>x</ChangeSeq>"),
                 kBad, 0, 0},
        ShapeRow{"inventory.sync",
                 OK("<Numbers/><HasMore>false</HasMore><ChangeSeq>-3</ChangeSeq>"), kBad, 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>false</HasMore><Total>1.5</Total>"), kBad,
                 0, 0},
        ShapeRow{"inventory.sync", OK("<Numbers/><HasMore>true</HasMore><NextCursor/>"), kBad, 0,
                 0},
        ShapeRow{"number.reserve", OK("<ReserveId></ReserveId><ExpireTime>1</ExpireTime>"), kBad, 0,
                 1},
        ShapeRow{"number.reserve", OK("<ReserveId>R</ReserveId><ExpireTime>+1</ExpireTime>"), kBad,
                 0, 1},
        ShapeRow{"kyc.verify", OK("<CheckId>C</CheckId><Result>MAYBE</Result>"), kBad, 0, 0},
        ShapeRow{"kyc.verify", OK("<Result>PASS</Result>"), kBad, 0, 0},
        ShapeRow{"activation.submit", OK("<Status>CREATED</Status>"), kBad, 0, 1},
        ShapeRow{"activation.submit", OK("<OrderId>TO1</OrderId><Status>DONE</Status>"), kBad, 0,
                 1},
        ShapeRow{"activation.submit",
                 OK("<OrderId>TO1</OrderId><PartnerOrderId>act_2</PartnerOrderId>"
                    "<Status>CREATED</Status>"),
                 kBad, 0, 1},
        ShapeRow{"activation.query", OK("<OrderId>TO1</OrderId>"), kBad, 0, 0},
        ShapeRow{"activation.query", OK("<OrderId>TO1</OrderId><Status><X/></Status>"), kBad, 0, 0},
        ShapeRow{"activation.query",
                 OK("<OrderId>TO1</OrderId><PartnerOrderId>act_9</PartnerOrderId>"
                    "<Status>ACTIVATED</Status>"),
                 kBad, 0, 0}));

}  // namespace
