// More of mvno_plugin_test: MvnoOperations, MvnoBusinessCodes, MvnoMapping,
// MvnoMalformed (shared fixtures: mvno_plugin_fixture.hpp).
#include "mvno_plugin_fixture.hpp"

using namespace mvno_plugin;

TEST(MvnoOperations, ReserveRoundsUpAndRefusesNonMvnoNumbersWithoutACall) {
  Mvno m;
  for (auto [secs, minutes] : std::vector<std::pair<int, int>>{{0, 45}, {1, 1}, {61, 2}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = secs;
    auto s = m.start(cgw::op::kNumberReserve, in);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    EXPECT_EQ(Mvno::body_of(*s),
              json::parse(R"({"msisdn":"17001234567","occupyMinutes":)" + std::to_string(minutes) +
                          R"(,"partnerOccupyNo":"R-1"})"));
  }
  auto e = Mvno::error_of(*m.start(cgw::op::kNumberReserve,
                                   {{"msisdn", "13812345678"}, {"gateway_reservation_id", "R"}}));
  EXPECT_EQ(e.code, "NUMBER_UNAVAILABLE");
  auto r = Mvno::result_of(*m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                                  ok({{"occupyNo", "OC1"}, {"expireAt", 1763801800000}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_reservation_id":"OC1","expires_at_ms":1763801800000})"));
  auto rel = Mvno::result_of(
      *m.run(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease), ok(json::object{})));
  EXPECT_EQ(rel, json::parse(R"({"released":true})"));
}

TEST(MvnoOperations, SubmitSendsPartnerOrderNoAndEncryptedId) {
  Mvno m;
  auto s = m.start(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  auto body = Mvno::body_of(*s);
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9104/openapi/v1/order/create");
  EXPECT_EQ(body.at("partnerOrderNo"), "G-1");
  EXPECT_EQ(body.at("occupyNo"), "OC-1");
  EXPECT_EQ(body.at("productCode"), "MV-170-CHAT-8");
  EXPECT_EQ(body.at("notifyUrl"), "http://127.0.0.1:8080/v1/callbacks/mvno");
  EXPECT_EQ(body.at("receiver").at("phone"), "13900000000");
  EXPECT_EQ(gcm_open(field_key_hex(), std::string(body.at("certNoEnc").as_string())), kIdNumber);
  auto r = Mvno::result_of(
      *m.resume(sv(s->state), ok({{"orderNo", "MV1"}, {"orderStatus", "ACCEPTED"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_order_id":"MV1","status":"submitted","reason":""})"));
}

TEST(MvnoOperations, QueryMapsStatusesAndChecksTheOrder) {
  Mvno m;
  auto q = [&](json::object data) {
    return m.run(cgw::op::kActivationQuery, valid_input(cgw::op::kActivationQuery), ok(data));
  };
  auto failed = Mvno::result_of(*q({{"orderNo", "MV1"},
                                    {"partnerOrderNo", "G-1"},
                                    {"orderStatus", "FAILED"},
                                    {"failCode", "3008"}}));
  EXPECT_EQ(failed, json::parse(R"({"carrier_order_id":"MV1","status":"failed","reason":"3008"})"));
  auto opened = Mvno::result_of(*q({{"orderNo", "MV1"},
                                    {"partnerOrderNo", "G-1"},
                                    {"orderStatus", "OPENED"},
                                    {"failCode", ""}}));
  EXPECT_EQ(opened.at("status"), "activated");
  auto other = Mvno::error_of(
      *q({{"orderNo", "MV2"}, {"partnerOrderNo", "G-2"}, {"orderStatus", "OPENED"}}));
  EXPECT_EQ(other.code, "CARRIER_BAD_RESPONSE");
  EXPECT_EQ(Mvno::error_of(*m.start(cgw::op::kActivationQuery, json::object{})).code,
            "INVALID_ARGUMENT");
}

// -------------------------------------------------------- reply mapping ---

struct CodeRow {
  std::string carrier_code, gateway_code;
  bool retryable;
  bool unknown_on_submit;
};
void PrintTo(const CodeRow& r, std::ostream* os) {
  *os << r.carrier_code;
}

class MvnoBusinessCodes : public testing::TestWithParam<CodeRow> {};

TEST_P(MvnoBusinessCodes, MapPerDocTable) {
  const CodeRow& row = GetParam();
  Mvno m;
  for (const char* op : {cgw::op::kKycVerify, cgw::op::kActivationSubmit}) {
    const Err e = Mvno::error_of(*m.run(op, valid_input(op), biz(row.carrier_code)));
    EXPECT_EQ(e.code, row.gateway_code) << op;
    EXPECT_EQ(e.carrier_code, row.carrier_code);
    EXPECT_EQ(e.retryable, row.retryable);
    // Only 9002 and 1003 (nonce replayed: the carrier already got this very
    // request) on a write leave the outcome open; a refusal applied nothing.
    EXPECT_EQ(e.outcome_unknown, row.unknown_on_submit && op == cgw::op::kActivationSubmit) << op;
    EXPECT_EQ(e.message.find(kName), std::string::npos);  // carrier text is not echoed
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MvnoBusinessCodes,
                         testing::Values(CodeRow{"1001", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"1002", "CARRIER_AUTH_FAILED", true, false},
                                         CodeRow{"1003", "CARRIER_AUTH_FAILED", true, true},
                                         CodeRow{"1004", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"1005", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"1101", "INVALID_ARGUMENT", false, false},
                                         CodeRow{"1102", "CARRIER_AUTH_FAILED", false, false},
                                         CodeRow{"2001", "NUMBER_UNAVAILABLE", false, false},
                                         CodeRow{"2002", "NUMBER_UNAVAILABLE", false, false},
                                         CodeRow{"2003", "RESERVATION_EXPIRED", false, false},
                                         CodeRow{"2004", "RESERVATION_NOT_FOUND", false, false},
                                         CodeRow{"2101", "PLAN_NOT_FOUND", false, false},
                                         CodeRow{"3101", "CARRIER_UNAVAILABLE", true, false},
                                         CodeRow{"4001", "ORDER_NOT_FOUND", false, false},
                                         CodeRow{"4002", "CARRIER_REJECTED", false, false},
                                         CodeRow{"4003", "QUOTA_EXCEEDED", false, false},
                                         CodeRow{"9001", "CARRIER_UNAVAILABLE", true, false},
                                         CodeRow{"9002", "CARRIER_TIMEOUT", true, true},
                                         CodeRow{"7777", "CARRIER_REJECTED", false, false}));

TEST(MvnoMapping, KycCodesAreResultsOnCheckAndRejectionsOnOrders) {
  Mvno m;
  const std::vector<std::pair<std::string, std::string>> reasons = {
      {"3001", "ID_INVALID"},      {"3002", "ID_NAME_MISMATCH"}, {"3003", "ID_NOT_FOUND"},
      {"3004", "UNDERAGE"},        {"3005", "QUOTA_EXCEEDED"},   {"3006", "FACE_MISMATCH"},
      {"3007", "LIVENESS_FAILED"}, {"3008", "BLACKLISTED"},      {"3009", "ID_INVALIDATED"},
      {"3999", "UNKNOWN"}};
  for (const auto& [code, reason] : reasons) {
    auto r = Mvno::result_of(
        *m.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
               ok({{"checkNo", "RN1"}, {"checkResult", "REJECT"}, {"rejectCode", code}})));
    EXPECT_EQ(r.at("result"), "rejected") << code;
    EXPECT_EQ(r.at("reasons").at(0).as_string(), reason) << code;
    if (reason == "UNKNOWN") continue;
    auto e = Mvno::error_of(
        *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), biz(code)));
    EXPECT_EQ(e.code, "CARRIER_REJECTED");
    EXPECT_EQ(e.message, reason);
  }
  auto review = Mvno::result_of(
      *m.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
             ok({{"checkNo", "RN2"}, {"checkResult", "REVIEW"}, {"rejectCode", ""}})));
  EXPECT_EQ(review, json::parse(R"({"result":"review","reasons":[],"carrier_ref":"RN2"})"));
}

TEST(MvnoMapping, TransportAndHttpStatus) {
  Mvno m;
  auto submit = [&](Reply r) {
    return Mvno::error_of(
        *m.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit), r));
  };
  auto reserve = [&](Reply r) {
    return Mvno::error_of(*m.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve), r));
  };
  Err e = submit({CGW_TRANSPORT_NOT_SENT, 0, ""});
  EXPECT_EQ(e.code, "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(e.retryable);
  EXPECT_FALSE(e.outcome_unknown);
  e = submit({CGW_TRANSPORT_TIMEOUT, 0, ""});
  EXPECT_EQ(e.code, "CARRIER_TIMEOUT");
  EXPECT_TRUE(e.outcome_unknown);
  e = submit({CGW_TRANSPORT_BROKEN, 0, ""});
  EXPECT_TRUE(e.outcome_unknown);
  e = submit(raw("<html>bad gateway</html>", 502));
  EXPECT_EQ(e.code, "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(e.outcome_unknown);
  e = reserve(raw("<html>bad gateway</html>", 502));
  EXPECT_FALSE(e.outcome_unknown);
  e = reserve({CGW_TRANSPORT_TIMEOUT, 0, ""});
  EXPECT_TRUE(e.outcome_unknown);  // a write
  e = Mvno::error_of(*m.run(cgw::op::kPlansList, nullptr, {CGW_TRANSPORT_TIMEOUT, 0, ""}));
  EXPECT_FALSE(e.outcome_unknown);  // a read
  e = reserve(raw("{}", 404));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE");
}

class MvnoMalformed : public testing::TestWithParam<std::pair<const char*, std::string>> {};

TEST_P(MvnoMalformed, IsBadResponseAndNeverACrash) {
  const auto& [op, body] = GetParam();
  Mvno m;
  const Err e = Mvno::error_of(*m.run(op, valid_input(op), raw(body)));
  EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << body;
  // An unreadable answer to a write may hide an applied request.
  const bool write =
      std::string(op) == cgw::op::kActivationSubmit || std::string(op) == cgw::op::kNumberReserve;
  EXPECT_EQ(e.outcome_unknown, write) << body;
}

INSTANTIATE_TEST_SUITE_P(
    Replies, MvnoMalformed,
    testing::Values(
        std::pair{cgw::op::kPlansList, std::string("not json")},
        std::pair{cgw::op::kPlansList, std::string("[1,2]")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":0,"data":{}})")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":"0000"})")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":"0000","data":{"products":{}}})")},
        std::pair{
            cgw::op::kPlansList,
            std::string(
                R"({"code":"0000","data":{"products":[{"productCode":"P","productName":"n","monthlyFee":1.5,"dataMb":1,"voiceMin":1}]}})")},
        std::pair{cgw::op::kPlansList, std::string(R"({"code":"<script>","msg":"x"})")},
        std::pair{cgw::op::kInventorySync,
                  std::string(R"({"code":"0000","data":{"numbers":[],"hasMore":true}})")},
        std::pair{cgw::op::kInventorySync,
                  std::string(
                      R"({"code":"0000","data":{"numbers":[],"hasMore":false,"changeCursor":7}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(R"({"code":"0000","data":{"numbers":[],"hasMore":false,"total":"7"}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(
                R"({"code":"0000","data":{"numbers":[{"msisdn":"17001234567","province":"p","city":"c","prestore":1,"hostNetwork":"CTCC","status":"NEW"}],"hasMore":false}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(
                R"({"code":"0000","data":{"numbers":[{"msisdn":"17001234567","province":"p","city":"c","prestore":1,"hostNetwork":"XX","status":"FREE"}],"hasMore":false}})")},
        std::pair{
            cgw::op::kInventorySync,
            std::string(
                R"({"code":"0000","data":{"numbers":[{"msisdn":"17001234567","province":"p","city":"c","prestore":1,"grade":11,"hostNetwork":"CTCC","status":"FREE"}],"hasMore":false}})")},
        std::pair{cgw::op::kNumberReserve,
                  std::string(R"({"code":"0000","data":{"occupyNo":"","expireAt":1}})")},
        std::pair{cgw::op::kKycVerify,
                  std::string(R"({"code":"0000","data":{"checkNo":"R","checkResult":"MAYBE"}})")},
        std::pair{cgw::op::kActivationSubmit,
                  std::string(R"({"code":"0000","data":{"orderNo":"MV1","orderStatus":"DONE"}})")},
        std::pair{cgw::op::kActivationSubmit,
                  std::string(R"({"code":"0000","data":{"orderNo":7,"orderStatus":"ACCEPTED"}})")},
        std::pair{cgw::op::kActivationSubmit, std::string("")}));
