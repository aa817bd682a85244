// More of mobile_plugin_test: MobileOperations, MobileBusinessCodes,
// MobileMapping, MobileTransport, MobileMalformed, MobileKycReasons, MobileKyc
// (shared fixtures: mobile_plugin_fixture.hpp).
#include "mobile_plugin_fixture.hpp"

using namespace mobile_plugin;

namespace {

TEST(MobileOperations, QueryMapsOrderStates) {
  Mobile m;
  auto s = m.start(cgw::op::kActivationQuery,
                   {{"gateway_order_id", "G 1"}, {"carrier_order_id", "O-1"}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url),
            "http://127.0.0.1:9101/open/v1/orders/query?partnerOrderId=G%201&orderId=O-1");
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"PROCESSING", "submitted", ""}, {"SUCCESS", "activated", ""}, {"FAILED", "failed", "5003"}};
  for (const auto& [state, status, reason] : rows) {
    auto r = Mobile::result_of(*m.resume(*s, ok({{"orderId", "O-1"},
                                                 {"partnerOrderId", "G 1"},
                                                 {"orderState", state},
                                                 {"failReason", "5003"}})));
    EXPECT_EQ(r.at("status"), status.c_str());
    EXPECT_EQ(r.at("reason"), reason.c_str());
  }
  // A reply about another order must not be taken for this one.
  auto e = Mobile::error_of(*m.resume(*s, ok({{"orderId", "O-2"}, {"orderState", "SUCCESS"}})));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE");
}

TEST(MobileOperations, ResumeWithUnknownStateIsPluginError) {
  Mobile m;
  EXPECT_EQ(Mobile::error_of(*m.resume(R"({"op":"number.transfer"})", ok({}))).code,
            "PLUGIN_ERROR");
  EXPECT_EQ(Mobile::error_of(*m.resume("[1]", ok({}))).code, "PLUGIN_ERROR");
}

// ------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code, gateway_code;
  bool retryable;
};

void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code;
}

class MobileBusinessCodes : public testing::TestWithParam<CodeRow> {};

TEST_P(MobileBusinessCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Mobile m;
  const Err e = Mobile::error_of(
      *m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve), biz(row.carrier_code)));
  EXPECT_EQ(e.code, row.gateway_code);
  EXPECT_EQ(e.carrier_code, row.carrier_code);
  EXPECT_EQ(e.retryable, row.retryable);
  // The carrier refused: nothing happened; but 1003 (nonce replayed) means it
  // already got this very request, so a write's outcome is unknown.
  EXPECT_EQ(e.outcome_unknown, row.carrier_code == "1003");
  EXPECT_EQ(e.message.find(kName), std::string::npos);  // carrier text is not echoed
}

INSTANTIATE_TEST_SUITE_P(
    Table, MobileBusinessCodes,
    testing::Values(
        CodeRow{"1001", "CARRIER_AUTH_FAILED", false}, CodeRow{"1002", "CARRIER_AUTH_FAILED", true},
        CodeRow{"1003", "CARRIER_AUTH_FAILED", true}, CodeRow{"1004", "CARRIER_AUTH_FAILED", false},
        CodeRow{"2001", "INVALID_ARGUMENT", false}, CodeRow{"3001", "NUMBER_UNAVAILABLE", false},
        CodeRow{"3002", "NUMBER_UNAVAILABLE", false}, CodeRow{"3003", "RESERVATION_EXPIRED", false},
        CodeRow{"3004", "PLAN_NOT_FOUND", false}, CodeRow{"5001", "ORDER_NOT_FOUND", false},
        CodeRow{"5002", "RESERVATION_NOT_FOUND", false},
        CodeRow{"9999", "CARRIER_UNAVAILABLE", true}, CodeRow{"4004", "CARRIER_REJECTED", false},
        CodeRow{"7777", "CARRIER_REJECTED", false}));

TEST(MobileMapping, KycCodeOnSubmitIsRejectedWithReason) {
  Mobile m;
  const Err e = Mobile::error_of(
      *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), biz("4004")));
  EXPECT_EQ(e.code, "CARRIER_REJECTED");
  EXPECT_EQ(e.message, "UNDERAGE");
  EXPECT_EQ(e.carrier_code, "4004");
}

struct TransportRow {
  std::string op;
  Reply reply;
  std::string code;
  bool retryable, outcome_unknown;
};

void PrintTo(const TransportRow& r, std::ostream* os) {
  *os << r.op << " transport=" << r.reply.transport << " status=" << r.reply.status;
}

class MobileTransport : public testing::TestWithParam<TransportRow> {};

TEST_P(MobileTransport, MapsPerDoc) {
  const TransportRow& row = GetParam();
  Mobile m;
  const Err e = Mobile::error_of(*m.run(row.op, valid_input(row.op), row.reply));
  EXPECT_EQ(e.code, row.code);
  EXPECT_EQ(e.retryable, row.retryable);
  EXPECT_EQ(e.outcome_unknown, row.outcome_unknown);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MobileTransport,
    testing::Values(
        TransportRow{"plans.list", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_NOT_SENT), "CARRIER_UNAVAILABLE",
                     1, 0},
        TransportRow{"plans.list", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"kyc.verify", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.query", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1,
                     1},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.reserve", transport(CGW_TRANSPORT_TIMEOUT), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"number.release", transport(CGW_TRANSPORT_BROKEN), "CARRIER_TIMEOUT", 1, 1},
        TransportRow{"plans.list", http(503), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"number.reserve", http(500), "CARRIER_UNAVAILABLE", 1, 0},
        TransportRow{"activation.submit", http(502), "CARRIER_UNAVAILABLE", 1, 1},
        TransportRow{"plans.list", http(404), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", http(400), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"plans.list", http(204), "CARRIER_BAD_RESPONSE", 0, 0},
        TransportRow{"activation.submit", transport(CGW_TRANSPORT_RESPONSE_TOO_BIG),
                     "CARRIER_BAD_RESPONSE", 0, 1}));

struct MalformedRow {
  std::string op, body;
};

void PrintTo(const MalformedRow& r, std::ostream* os) {
  *os << r.op << " " << r.body;
}

class MobileMalformed : public testing::TestWithParam<MalformedRow> {};

// Untrusted replies: every shape problem is CARRIER_BAD_RESPONSE, never a
// crash or a PLUGIN_ERROR; writes keep outcome_unknown (the carrier answered).
TEST_P(MobileMalformed, IsBadResponse) {
  const MalformedRow& row = GetParam();
  Mobile m;
  const Err e = Mobile::error_of(*m.run(row.op, valid_input(row.op), raw(row.body)));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << e.message;
  EXPECT_FALSE(e.retryable);
  const bool writes =
      row.op == "number.reserve" || row.op == "number.release" || row.op == "activation.submit";
  EXPECT_EQ(e.outcome_unknown, writes);
  EXPECT_EQ(e.message.find(kName), std::string::npos);
  EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
}

#define OK_DATA(d) R"({"code":"0","message":"ok","data":)" d "}"
INSTANTIATE_TEST_SUITE_P(
    Shapes, MobileMalformed,
    testing::Values(
        MalformedRow{"plans.list", "not json"}, MalformedRow{"plans.list", ""},
        MalformedRow{"plans.list", "[1,2]"}, MalformedRow{"plans.list", R"({"message":"ok"})"},
        MalformedRow{"plans.list", R"({"code":0,"data":{"plans":[]}})"},
        MalformedRow{"plans.list", R"({"code":"<b>x</b>"})"},
        MalformedRow{"plans.list", R"({"code":"0"})"}, MalformedRow{"plans.list", OK_DATA("[]")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":{}})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[1]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[{"planCode":"P","planName":"n",
            "monthlyFee":"3900","dataMb":1,"voiceMin":1}]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[{"planCode":"P","planName":"n",
            "monthlyFee":39.5,"dataMb":1,"voiceMin":1}]})")},
        MalformedRow{"plans.list", OK_DATA(R"({"plans":[{"planName":"n","monthlyFee":1,
            "dataMb":1,"voiceMin":1}]})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[{"number":"1","province":"a",
            "city":"b","price":1,"state":"frozen"}],"hasMore":false})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[{"number":"1","province":"a",
            "city":"b","price":1,"level":11,"state":"idle"}],"hasMore":false})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":"no"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":true})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,
            "changeSeq":"7"})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,
            "changeSeq":-1})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,
            "changeSeq":1.5})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,"total":-5})")},
        MalformedRow{"inventory.sync", OK_DATA(R"({"numbers":[],"hasMore":false,"total":"5"})")},
        MalformedRow{"number.reserve", "{{{"},
        MalformedRow{"number.reserve", OK_DATA(R"({"lockId":123,"expireTime":1})")},
        MalformedRow{"number.reserve", OK_DATA(R"({"lockId":"","expireTime":1})")},
        MalformedRow{"number.reserve", OK_DATA(R"({"lockId":"L"})")},
        MalformedRow{"number.release", OK_DATA("null")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"verifyId":"V","verifyResult":"MAYBE"})")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"verifyResult":"PASS"})")},
        MalformedRow{"kyc.verify", OK_DATA(R"({"verifyId":"V","verifyResult":"REJECT",
            "reasonCode":4001})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"orderState":"PROCESSING"})")},
        MalformedRow{"activation.submit", OK_DATA(R"({"orderId":"O","orderState":"DONE"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"orderId":"O"})")},
        MalformedRow{"activation.query", OK_DATA(R"({"orderId":"O","orderState":"FAILED",
            "failReason":5003})")},
        MalformedRow{"activation.query", OK_DATA(R"({"orderId":"O","partnerOrderId":"G-2",
            "orderState":"SUCCESS"})")}));
#undef OK_DATA

// ------------------------------------------------------------------ kyc ---

class MobileKycReasons : public testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(MobileKycReasons, RejectCarriesReason) {
  Mobile m;
  auto r = Mobile::result_of(*m.run(
      cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
      ok({{"verifyId", "V-7"}, {"verifyResult", "REJECT"}, {"reasonCode", GetParam().first}})));
  EXPECT_EQ(r, json::value({{"result", "rejected"},
                            {"reasons", json::array{json::string(GetParam().second)}},
                            {"carrier_ref", "V-7"}}));
}

INSTANTIATE_TEST_SUITE_P(
    Table, MobileKycReasons,
    testing::Values(std::pair{"4001", "ID_INVALID"}, std::pair{"4002", "ID_NAME_MISMATCH"},
                    std::pair{"4003", "ID_NOT_FOUND"}, std::pair{"4004", "UNDERAGE"},
                    std::pair{"4005", "QUOTA_EXCEEDED"}, std::pair{"4006", "FACE_MISMATCH"},
                    std::pair{"4007", "LIVENESS_FAILED"}, std::pair{"4008", "BLACKLISTED"},
                    std::pair{"4009", "ID_INVALIDATED"}, std::pair{"4999", "UNKNOWN"}));

TEST(MobileKyc, PassReviewAndRequestBody) {
  Mobile m;
  auto in = valid_input(cgw::op::kKycVerify);
  in.as_object()["portrait_b64"] = "aGk=";
  auto s = m.start(cgw::op::kKycVerify, in);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9101/open/v1/realname/verify");
  EXPECT_EQ(json::parse(sv(s->request.body)),
            json::value({{"certName", kName}, {"certNo", kIdNumber}, {"portrait", "aGk="}}));
  auto pass = Mobile::result_of(
      *m.resume(*s, ok({{"verifyId", "V-1"}, {"verifyResult", "PASS"}, {"reasonCode", ""}})));
  EXPECT_EQ(pass, json::parse(R"({"result":"passed","reasons":[],"carrier_ref":"V-1"})"));
  auto review = Mobile::result_of(
      *m.resume(*s, ok({{"verifyId", "V-2"}, {"verifyResult", "REVIEW"}, {"reasonCode", "4006"}})));
  EXPECT_EQ(review, json::parse(R"({"result":"review","reasons":["FACE_MISMATCH"],
                                    "carrier_ref":"V-2"})"));
}

}  // namespace
