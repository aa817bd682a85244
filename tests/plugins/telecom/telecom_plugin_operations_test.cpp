// More of telecom_plugin_test: TelecomOperations, TelecomKycReasons,
// TelecomActivation (shared fixtures: telecom_plugin_fixture.hpp).
#include "telecom_plugin_fixture.hpp"

using namespace telecom_plugin;

namespace {

#undef OK

// ------------------------------------------------------------ operations ---

TEST(TelecomOperations, InventoryPagingClampsAndMaps) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kInventorySync, {{"cursor", "P13300000009"}, {"page_size", 9000}},
                 {ok("<Numbers><Number><Msisdn>13300000010</Msisdn><Province>广东</Province>"
                     "<City>广州</City><Price>0</Price><Grade>3</Grade><Status>FREE</Status>"
                     "</Number><Number><Msisdn>13300000011</Msisdn><Province>广东</Province>"
                     "<City>广州</City><Price>500</Price><Status>SOLD</Status></Number></Numbers>"
                     "<NextCursor>P13300000011</NextCursor><HasMore>true</HasMore>"
                     "<ChangeSeq>7</ChangeSeq><Total>1000000</Total>")});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  pugi::xml_document doc;
  auto req = request_root(doc, r.sent[0].body);
  EXPECT_STREQ(req.child_value("Cursor"), "P13300000009");
  EXPECT_STREQ(req.child_value("PageSize"), "5000");
  EXPECT_FALSE(req.child("ChangedSince"));
  const auto out = json::value_to<cgw::InventorySyncOutput>(r.result);
  ASSERT_EQ(out.items.size(), 2u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::available);
  EXPECT_EQ(out.items[0].carrier_grade, 3);
  EXPECT_EQ(out.items[1].status, cgw::NumberState::sold);
  EXPECT_FALSE(out.items[1].carrier_grade.has_value());
  EXPECT_EQ(out.next_cursor, "P13300000011");
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "7");
  EXPECT_EQ(out.total, 1000000);
  // An older carrier release: no change feed, full syncs only.
  auto old = t.run(cgw::op::kInventorySync, json::object{},
                   {ok("<Numbers/><NextCursor/><HasMore>false</HasMore>")});
  ASSERT_EQ(old.kind, CGW_STEP_DONE) << old.error.message;
  const auto old_out = json::value_to<cgw::InventorySyncOutput>(old.result);
  EXPECT_EQ(old_out.change_cursor, "");
  EXPECT_FALSE(old_out.total.has_value());
}

TEST(TelecomOperations, InventoryChangeFeed) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kInventorySync,
                 {{"since", "42"}, {"cursor", "P13300000009"}, {"page_size", 9000}},
                 {ok("<Numbers><Number><Msisdn>13300000010</Msisdn><Province>广东</Province>"
                     "<City>广州</City><Price>0</Price><Grade>3</Grade><Status>SOLD</Status>"
                     "</Number></Numbers><NextCursor/><HasMore>true</HasMore>"
                     "<ChangeSeq>57</ChangeSeq><Total>1000000</Total>")});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  EXPECT_EQ(r.sent[0].url, "http://127.0.0.1:9103/api/v1/numbers/query");
  pugi::xml_document doc;
  auto req = request_root(doc, r.sent[0].body);
  EXPECT_STREQ(req.child_value("ChangedSince"), "42");
  EXPECT_STREQ(req.child_value("PageSize"), "5000");
  EXPECT_FALSE(req.child("Cursor")) << "the feed has no cursor";
  const auto out = json::value_to<cgw::InventorySyncOutput>(r.result);
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::sold);
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "57");
  EXPECT_EQ(out.next_cursor, "");
  EXPECT_EQ(out.total, 1000000);
  for (const char* data : {
           "<Numbers/><HasMore>false</HasMore>",                           // no ChangeSeq
           "<Numbers/><HasMore>false</HasMore><ChangeSeq/>",               // empty
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>4x</ChangeSeq>",  // not a number
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>-1</ChangeSeq>",  // negative
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>41</ChangeSeq>",  // went back
           "<Numbers/><HasMore>true</HasMore><ChangeSeq>42</ChangeSeq>",   // no progress
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>43</ChangeSeq><ChangeSeq>44</ChangeSeq>",
           "<Numbers/><HasMore>false</HasMore><ChangeSeq>43</ChangeSeq><Total>-2</Total>",
       }) {
    auto bad = t.run(cgw::op::kInventorySync, {{"since", "42"}}, {ok(data)});
    ASSERT_EQ(bad.kind, CGW_STEP_FAIL) << data;
    EXPECT_EQ(bad.error.code, "CARRIER_BAD_RESPONSE") << data;
  }
  // The carrier refuses a position it does not know (e.g. after a restart).
  EXPECT_EQ(t.run(cgw::op::kInventorySync, {{"since", "42"}}, {err("20002", 400)}).error.code,
            "INVALID_ARGUMENT");
}

TEST(TelecomOperations, ReserveHoldAndRelease) {
  Telecom t;
  t.seed_token("TK");
  for (auto [asked, sent] :
       std::vector<std::pair<int, std::string>>{{0, "1800"}, {30, "60"}, {900, "900"}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = asked;
    auto r = t.run(cgw::op::kNumberReserve, in, {ok(kReserveXml)});
    ASSERT_EQ(r.kind, CGW_STEP_DONE);
    pugi::xml_document doc;
    auto req = request_root(doc, r.sent[0].body);
    EXPECT_EQ(req.child_value("HoldSeconds"), sent) << asked;
    EXPECT_STREQ(req.child_value("PartnerReserveId"), "res_1");
  }
  auto rel = t.run(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease),
                   {ok("<Released>true</Released>")});
  ASSERT_EQ(rel.kind, CGW_STEP_DONE);
  EXPECT_EQ(rel.sent[0].url, "http://127.0.0.1:9103/api/v1/numbers/release");
  EXPECT_EQ(rel.result, json::parse(R"({"released":true})"));
}

class TelecomKycReasons : public testing::TestWithParam<std::pair<std::string, std::string>> {};
TEST_P(TelecomKycReasons, RejectCarriesReason) {
  Telecom t;
  t.seed_token("TK");
  auto r = t.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
                 {ok("<CheckId>CK1</CheckId><Result>REJECT</Result><ReasonCode>" +
                     GetParam().first + "</ReasonCode>")});
  ASSERT_EQ(r.kind, CGW_STEP_DONE);
  EXPECT_EQ(r.result, json::value({{"result", "rejected"},
                                   {"reasons", json::array{json::string(GetParam().second)}},
                                   {"carrier_ref", "CK1"}}));
}
INSTANTIATE_TEST_SUITE_P(
    Table, TelecomKycReasons,
    testing::Values(std::pair{"40001", "ID_INVALID"}, std::pair{"40002", "ID_NAME_MISMATCH"},
                    std::pair{"40003", "ID_NOT_FOUND"}, std::pair{"40004", "UNDERAGE"},
                    std::pair{"40005", "QUOTA_EXCEEDED"}, std::pair{"40006", "FACE_MISMATCH"},
                    std::pair{"40007", "LIVENESS_FAILED"}, std::pair{"40008", "BLACKLISTED"},
                    std::pair{"40009", "ID_INVALIDATED"}, std::pair{"40999", "UNKNOWN"}));

TEST(TelecomOperations, KycRequestPassAndReview) {
  Telecom t;
  t.seed_token("TK");
  auto in = valid_input(cgw::op::kKycVerify);
  in.as_object()["portrait_b64"] = "aGk=";
  auto pass = t.run(cgw::op::kKycVerify, in,
                    {ok("<CheckId>CK1</CheckId><Result>PASS</Result><ReasonCode/>")});
  ASSERT_EQ(pass.kind, CGW_STEP_DONE);
  pugi::xml_document doc;
  auto req = request_root(doc, pass.sent[0].body);
  EXPECT_STREQ(req.child_value("CertType"), "ID_CARD");
  EXPECT_STREQ(req.child_value("CertName"), kName);
  EXPECT_STREQ(req.child_value("CertNo"), kIdNumber);
  EXPECT_STREQ(req.child_value("Portrait"), "aGk=");
  EXPECT_EQ(pass.result, json::parse(R"({"result":"passed","reasons":[],"carrier_ref":"CK1"})"));
  auto review = t.run(cgw::op::kKycVerify, valid_input(cgw::op::kKycVerify),
                      {ok("<CheckId>CK2</CheckId><Result>REVIEW</Result>")});
  EXPECT_EQ(review.result, json::parse(R"({"result":"review","reasons":[],"carrier_ref":"CK2"})"));
}

TEST(TelecomOperations, InvalidInputsFailBeforeSending) {
  Telecom t;
  const std::vector<std::pair<std::string, json::value>> cases = {
      {cgw::op::kNumberReserve, {{"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve, {{"msisdn", 13300000001}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve,
       {{"msisdn", "1"}, {"gateway_reservation_id", "R"}, {"hold_seconds", -5}}},
      {cgw::op::kNumberReserve, {{"msisdn", "1\x01"}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberRelease, {{"msisdn", "1"}}},
      {cgw::op::kKycVerify, {{"id_number", kIdNumber}}},
      {cgw::op::kKycVerify, {{"name", std::string(kName) + "\x02"}, {"id_number", kIdNumber}}},
      {cgw::op::kActivationSubmit, {{"gateway_order_id", "G"}, {"name", kName}}},
      {cgw::op::kActivationQuery, json::object{}},
      {cgw::op::kNumberReserve, "not an object"},
      {cgw::op::kInventorySync, {{"since", "abc"}}},
      {cgw::op::kInventorySync, {{"since", "-1"}}},
      {cgw::op::kInventorySync, {{"since", "+1"}}},
      {cgw::op::kInventorySync, {{"since", "99999999999999999999"}}},
      {cgw::op::kInventorySync, {{"since", 7}}},
  };
  for (const auto& [op, input] : cases) {
    auto r = t.run(op, input, {});
    EXPECT_EQ(r.kind, CGW_STEP_FAIL) << op;
    EXPECT_TRUE(r.sent.empty());
    EXPECT_EQ(r.error.code, "INVALID_ARGUMENT") << op << " " << json::serialize(input);
    EXPECT_EQ(r.error.message.find(kName), std::string::npos);
    EXPECT_EQ(r.error.message.find(kIdNumber), std::string::npos);
  }
  auto in = valid_input(cgw::op::kActivationSubmit);
  in.as_object()["portrait_b64"] = 5;
  EXPECT_EQ(t.run(cgw::op::kActivationSubmit, in, {}).error.code, "INVALID_ARGUMENT");
  EXPECT_EQ(t.run("number.transfer", nullptr, {}).error.code, "UNSUPPORTED_OPERATION");
}

// ------------------------------------------------------------ activation ---

TEST(TelecomActivation, CreatePhotosConfirmInThreeCalls) {
  Telecom t;
  t.seed_token("TK");
  auto r =
      t.run(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit),
            {ok(order_xml("CREATED")), ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>"),
             ok(order_xml("PROCESSING", "<FailCode/>"))});
  ASSERT_EQ(r.kind, CGW_STEP_DONE) << r.error.message;
  ASSERT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.sent[0].url, "http://127.0.0.1:9103/api/v1/orders/create");
  EXPECT_EQ(r.sent[1].url, "http://127.0.0.1:9103/api/v1/orders/photos");
  EXPECT_EQ(r.sent[2].url, "http://127.0.0.1:9103/api/v1/orders/confirm");
  EXPECT_EQ(r.result,
            json::parse(R"({"carrier_order_id":"TO1","status":"submitted","reason":""})"));

  pugi::xml_document create;
  auto c = request_root(create, r.sent[0].body);
  EXPECT_STREQ(c.child_value("PartnerOrderId"), "act_1");
  EXPECT_STREQ(c.child_value("Msisdn"), "13300000001");
  EXPECT_STREQ(c.child_value("ReserveId"), "RS1");
  EXPECT_STREQ(c.child_value("PlanCode"), "CT-XK-19");
  EXPECT_STREQ(c.child("Customer").child_value("CertNo"), kIdNumber);
  EXPECT_STREQ(c.child("Customer").child_value("CertName"), kName);
  EXPECT_STREQ(c.child("Delivery").child_value("Phone"), "13900000000");
  EXPECT_STREQ(c.child_value("NotifyUrl"), "http://127.0.0.1:8080/v1/callbacks/telecom");

  pugi::xml_document photos;
  auto p = request_root(photos, r.sent[1].body);
  EXPECT_STREQ(p.child_value("OrderId"), "TO1");
  std::vector<std::string> types;
  for (auto photo : p.child("Photos").children("Photo")) {
    types.push_back(photo.child_value("Type"));
    EXPECT_STREQ(photo.child_value("Format"), "PNG");  // the placeholder image
    EXPECT_TRUE(std::string(photo.child_value("Content")).starts_with("iVBORw0KGgo"));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"ID_FRONT", "ID_BACK", "PORTRAIT"}));
  pugi::xml_document confirm;
  EXPECT_STREQ(request_root(confirm, r.sent[2].body).child_value("OrderId"), "TO1");
  // Once the order exists the applicant's data leaves the continuation.
  for (size_t i = 1; i < r.sent.size(); ++i) {
    EXPECT_EQ(r.sent[i].state.find(kIdNumber), std::string::npos) << i;
    EXPECT_EQ(r.sent[i].state.find(kName), std::string::npos) << i;
  }
}

TEST(TelecomActivation, PortraitFromTheInputIsSent) {
  Telecom t;
  t.seed_token("TK");
  auto in = valid_input(cgw::op::kActivationSubmit);
  in.as_object()["portrait_b64"] = "/9j/4AAQSkZJRg==";
  auto r = t.run(cgw::op::kActivationSubmit, in, {ok(order_xml("CREATED"))});
  ASSERT_EQ(r.sent.size(), 2u);
  pugi::xml_document doc;
  bool found = false;
  for (auto photo : request_root(doc, r.sent[1].body).child("Photos").children("Photo"))
    if (std::string(photo.child_value("Type")) == "PORTRAIT") {
      found = true;
      EXPECT_STREQ(photo.child_value("Format"), "JPEG");
      EXPECT_STREQ(photo.child_value("Content"), "/9j/4AAQSkZJRg==");
    }
  EXPECT_TRUE(found);
}

}  // namespace
