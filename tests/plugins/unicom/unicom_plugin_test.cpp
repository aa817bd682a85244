// Unit tests of the `unicom` carrier plugin (docs/carriers/unicom.md). The
// plugin is driven through the C ABI table the C++ layer builds (the same
// code CGW_EXPORT_PLUGIN runs) with a fake host: fixed clock, counting
// "random" bytes. One test also loads the real cgw_unicom.so with dlopen.
#include "unicom_plugin_fixture.hpp"

using namespace unicom_plugin;

namespace {

TEST(UnicomSigning, KnownVectorsAndTimestamps) {
  using namespace cgw::unicom;
  EXPECT_EQ(md5_upper_hex(""), "D41D8CD98F00B204E9800998ECF8427E");
  EXPECT_EQ(md5_upper_hex("abc"), "900150983CD24FB0D6963F7D28E17F72");
  // Sorted by name, empty values and `sign` left out, secret on both ends.
  EXPECT_EQ(string_to_sign("K", {{"b", "2"}, {"sign", "X"}, {"a", "1"}, {"c", ""}, {"B", "3"}}),
            "KB3a1b2K");
  EXPECT_EQ(beijing_timestamp(kNowMs), kNowBeijing);
  EXPECT_EQ(beijing_timestamp(0), "1970-01-01 08:00:00");
  EXPECT_EQ(parse_beijing_timestamp(kNowBeijing), kNowMs / 1000 * 1000);
  EXPECT_EQ(parse_beijing_timestamp("2024-02-29 23:59:59"), 1709222399000);
  for (const char* bad : {"2025-02-29 10:00:00", "2025-11-22T16:26:40", "2025-11-22 24:00:00",
                          "2025-11-22 16:26", "2025-1-22 16:26:40", "+025-11-22 16:26:40", ""})
    EXPECT_FALSE(parse_beijing_timestamp(bad).has_value()) << bad;
}

TEST(UnicomSigning, PlansListKnownAnswer) {
  Unicom u;
  auto s = u.start(cgw::op::kPlansList, nullptr);
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.method), "POST");
  EXPECT_EQ(sv(s->request.url), "http://127.0.0.1:9102/router/rest");
  EXPECT_EQ(Unicom::header(*s, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  // Computed with: printf 's3cret-keyapp_keycgw-testmethodplan.listtimestamp2025-11-22 16:26:40'
  //   'v1.0s3cret-key' | md5sum
  EXPECT_EQ(sv(s->request.body),
            "app_key=cgw-test&method=plan.list&timestamp=2025-11-22%2016%3A26%3A40&v=1.0"
            "&sign=454D8B631821D8E76DF08F13E02AFE79");
  EXPECT_EQ(s->request.timeout_ms, 0u);
}

TEST(UnicomSigning, EveryRequestMatchesIndependentSign) {
  Unicom u;
  for (const std::string op :
       {cgw::op::kInventorySync, cgw::op::kNumberReserve, cgw::op::kNumberRelease,
        cgw::op::kKycVerify, cgw::op::kActivationSubmit, cgw::op::kActivationQuery}) {
    auto s = u.start(op, valid_input(op));
    ASSERT_EQ(s->kind, CGW_STEP_SEND) << op;
    const auto params = Unicom::form(*s);
    EXPECT_EQ(params.at("app_key"), "cgw-test");
    EXPECT_EQ(params.at("timestamp"), kNowBeijing);
    EXPECT_EQ(params.at("v"), "1.0");
    EXPECT_EQ(params.at("sign"), expected_sign("s3cret-key", params)) << op;
  }
}

TEST(UnicomRequests, FormEncodingSurvivesSpecialCharacters) {
  Unicom u;
  const std::string portrait = "ab+c/d==", name = "欧阳 娜娜&x=1%";
  auto s = u.start(cgw::op::kKycVerify,
                   {{"name", name}, {"id_number", kIdNumber}, {"portrait_b64", portrait}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const std::string body = sv(s->request.body);
  EXPECT_NE(body.find("portrait=ab%2Bc%2Fd%3D%3D"), std::string::npos) << body;
  const auto params = Unicom::form(*s);
  EXPECT_EQ(params.at("method"), "cert.check");
  EXPECT_EQ(params.at("portrait"), portrait);
  EXPECT_EQ(params.at("cert_name"), name);
  EXPECT_EQ(params.at("sign"), expected_sign("s3cret-key", params));
}

TEST(UnicomRequests, BasePathTimeoutAndLockDefault) {
  Unicom u(R"({base_url: "http://gw.example:81/carrier/", app_id: a, secret: s,
               timeout_ms: 2500})");
  ASSERT_TRUE(u.created()) << u.create_error.message;
  auto s = u.start(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(sv(s->request.url), "http://gw.example:81/carrier/router/rest");
  EXPECT_EQ(s->request.timeout_ms, 2500u);
  EXPECT_EQ(Unicom::form(*s).at("lock_minutes"), "30");
}

TEST(UnicomRequests, HoldSecondsRoundUpToMinutes) {
  Unicom u;
  for (auto [secs, minutes] : std::vector<std::pair<int, std::string>>{
           {0, "45"}, {1, "1"}, {60, "1"}, {61, "2"}, {3600, "60"}}) {
    auto in = valid_input(cgw::op::kNumberReserve);
    in.as_object()["hold_seconds"] = secs;
    auto s = u.start(cgw::op::kNumberReserve, in);
    ASSERT_EQ(s->kind, CGW_STEP_SEND);
    const auto p = Unicom::form(*s);
    EXPECT_EQ(p.at("lock_minutes"), minutes) << secs;
    EXPECT_EQ(p.at("method"), "number.lock");
    EXPECT_EQ(p.at("number"), "18600000001");
    EXPECT_EQ(p.at("out_lock_id"), "R-1");
  }
}

TEST(UnicomRequests, InvalidInputsFailBeforeSending) {
  Unicom u;
  const std::vector<std::pair<std::string, json::value>> cases = {
      {cgw::op::kNumberReserve, {{"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve, {{"msisdn", 18600000001}, {"gateway_reservation_id", "R"}}},
      {cgw::op::kNumberReserve,
       {{"msisdn", "1"}, {"gateway_reservation_id", "R"}, {"hold_seconds", -5}}},
      {cgw::op::kNumberRelease, {{"msisdn", "1"}}},
      {cgw::op::kKycVerify, {{"id_number", kIdNumber}}},
      {cgw::op::kKycVerify, {{"name", kName}, {"id_number", 42}}},
      {cgw::op::kActivationSubmit, {{"gateway_order_id", "G"}, {"name", kName}}},
      {cgw::op::kActivationQuery, json::object{}},
      {cgw::op::kInventorySync, {{"cursor", "not-a-cursor"}}},
      {cgw::op::kInventorySync, {{"cursor", "0:100"}}},
      {cgw::op::kInventorySync, {{"cursor", "2:5001"}}},
      {cgw::op::kNumberReserve, "not an object"},
      {cgw::op::kInventorySync, {{"since", "abc"}}},
      {cgw::op::kInventorySync, {{"since", "-1"}}},
      {cgw::op::kInventorySync, {{"since", "+1"}}},
      {cgw::op::kInventorySync, {{"since", "99999999999999999999"}}},
      {cgw::op::kInventorySync, {{"since", 7}}},
  };
  for (const auto& [op, input] : cases) {
    const Err e = Unicom::error_of(*u.start(op, input));
    EXPECT_EQ(e.code, "INVALID_ARGUMENT") << op << " " << json::serialize(input);
    EXPECT_EQ(e.message.find(kName), std::string::npos);
    EXPECT_EQ(e.message.find(kIdNumber), std::string::npos);
  }
  EXPECT_EQ(Unicom::error_of(*u.start("number.transfer", nullptr)).code, "UNSUPPORTED_OPERATION");
}

// ----------------------------------------------------------- operations ---

TEST(UnicomOperations, PlansList) {
  Unicom u;
  auto r = Unicom::result_of(*u.run(cgw::op::kPlansList, nullptr, ok(json::parse(R"({"products":[
      {"product_code":"UC-39","product_name":"冰激凌","monthly_fee":3900,"flow_mb":30720,
       "voice_min":200}]})"))));
  EXPECT_EQ(r, json::parse(R"({"plans":[{"plan_id":"UC-39","name":"冰激凌","monthly_fee_fen":3900,
                                "data_mb":30720,"voice_minutes":200}]})"));
}

TEST(UnicomOperations, InventoryPagesByNumberAndCarriesPageSizeInCursor) {
  Unicom u;
  auto s = u.start(cgw::op::kInventorySync, {{"cursor", ""}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s).at("method"), "number.query");
  EXPECT_EQ(Unicom::form(*s).at("page_no"), "1");
  EXPECT_EQ(Unicom::form(*s).at("page_size"), "5000");
  EXPECT_EQ(Unicom::form(*s).count("changed_since"), 0u);
  auto page = [](int64_t total) {
    return ok(json::parse(R"({"page_no":1,"page_size":5000,"change_seq":12,"total":)" +
                          std::to_string(total) +
                          R"(,"numbers":[
      {"number":"1","province":"北京","city":"北京","price":0,"level":3,"state":"FREE"},
      {"number":"2","province":"北京","city":"北京","price":500,"level":10,"state":"LOCKED"},
      {"number":"3","province":"山东","city":"济南","price":9,"state":"SOLD"}]})"));
  };
  const auto out =
      json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(*s, page(12500))));
  ASSERT_EQ(out.items.size(), 3u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::available);
  EXPECT_EQ(out.items[0].carrier_grade, 3);
  EXPECT_EQ(out.items[1].status, cgw::NumberState::reserved);
  EXPECT_EQ(out.items[1].price_fen, 500);
  EXPECT_EQ(out.items[2].status, cgw::NumberState::sold);
  EXPECT_FALSE(out.items[2].carrier_grade.has_value());
  EXPECT_TRUE(out.has_more);
  EXPECT_TRUE(out.next_cursor.starts_with("p1.")) << "the SDK's opaque page cursor";
  EXPECT_EQ(out.total, 12500);
  EXPECT_EQ(out.change_cursor, "12");
  // The next page keeps the pass's page size whatever the gateway asks now.
  auto s2 = u.start(cgw::op::kInventorySync, {{"cursor", out.next_cursor}, {"page_size", 10}});
  ASSERT_EQ(s2->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s2).at("page_no"), "2");
  EXPECT_EQ(Unicom::form(*s2).at("page_size"), "5000");
  const auto last =
      json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(*s2, page(10000))));
  EXPECT_FALSE(last.has_more);
  EXPECT_EQ(last.next_cursor, "");
}

TEST(UnicomOperations, InventoryDropsNumbersThatShiftedIntoTheNextPage) {
  Unicom u;
  auto page = [](const std::string& a, const std::string& b) {
    return ok(json::parse(R"({"page_no":1,"page_size":2,"total":4,"numbers":[
      {"number":")" + a + R"(","province":"北京","city":"北京","price":0,"state":"FREE"},
      {"number":")" + b + R"(","province":"北京","city":"北京","price":0,"state":"FREE"}]})"));
  };
  auto s = u.start(cgw::op::kInventorySync, {{"page_size", 2}});
  const auto first =
      json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(*s, page("1", "2"))));
  ASSERT_TRUE(first.has_more);
  // A number was returned to the pool before "2": page 2 starts with "2".
  auto s2 = u.start(cgw::op::kInventorySync, {{"cursor", first.next_cursor}, {"page_size", 2}});
  EXPECT_EQ(Unicom::form(*s2).at("page_no"), "2");
  const auto second =
      json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(*s2, page("2", "3"))));
  ASSERT_EQ(second.items.size(), 1u) << "\"2\" was handed out with page 1";
  EXPECT_EQ(second.items[0].msisdn, "3");
}

TEST(UnicomOperations, InventoryWithoutChangeSeqHasNoChangeCursor) {
  Unicom u;
  // An older carrier release: no change feed, full syncs only.
  const auto out = json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(
      *u.run(cgw::op::kInventorySync, json::object{},
             ok(json::parse(R"({"page_no":1,"page_size":1000,"total":0,"numbers":[]})")))));
  EXPECT_EQ(out.change_cursor, "");
  EXPECT_EQ(out.total, 0);
  EXPECT_FALSE(out.has_more);
}

TEST(UnicomOperations, InventoryChangeFeed) {
  Unicom u;
  auto s =
      u.start(cgw::op::kInventorySync, {{"since", "42"}, {"cursor", "3:100"}, {"page_size", 9000}});
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto form = Unicom::form(*s);
  EXPECT_EQ(form.at("method"), "number.query");
  EXPECT_EQ(form.at("changed_since"), "42");
  EXPECT_EQ(form.at("page_size"), "5000");
  EXPECT_EQ(form.count("page_no"), 0u) << "the feed has no pages";
  auto out = json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(
      *s, ok(json::parse(R"({"page_size":5000,"total":1000000,"change_seq":57,"has_more":true,
          "numbers":[{"number":"18600000001","province":"北京","city":"北京","price":0,"level":0,
                      "state":"SOLD"}]})")))));
  ASSERT_EQ(out.items.size(), 1u);
  EXPECT_EQ(out.items[0].status, cgw::NumberState::sold);
  EXPECT_TRUE(out.has_more);
  EXPECT_EQ(out.change_cursor, "57");
  EXPECT_EQ(out.next_cursor, "");
  EXPECT_EQ(out.total, 1000000);
  // "0" is a position too (the start of the log).
  auto s0 = u.start(cgw::op::kInventorySync, {{"since", "0"}});
  ASSERT_EQ(s0->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*s0).at("changed_since"), "0");
  out = json::value_to<cgw::InventorySyncOutput>(Unicom::result_of(*u.resume(
      *s0, ok(json::parse(R"({"total":5,"change_seq":0,"has_more":false,"numbers":[]})")))));
  EXPECT_EQ(out.change_cursor, "0");
  EXPECT_FALSE(out.has_more);
  for (const char* data : {
           R"({"total":5,"has_more":false,"numbers":[]})",                    // no change_seq
           R"({"total":5,"change_seq":43,"numbers":[]})",                     // no has_more
           R"({"total":5,"change_seq":43,"has_more":"no","numbers":[]})",     // not a boolean
           R"({"total":5,"change_seq":"43","has_more":false,"numbers":[]})",  // not an integer
           R"({"total":5,"change_seq":-1,"has_more":false,"numbers":[]})",    // negative
           R"({"total":5,"change_seq":41,"has_more":false,"numbers":[]})",    // went back
           R"({"total":5,"change_seq":42,"has_more":true,"numbers":[]})",     // no progress
           R"({"total":-5,"change_seq":43,"has_more":false,"numbers":[]})",   // negative total
       }) {
    const Err e =
        Unicom::error_of(*u.run(cgw::op::kInventorySync, {{"since", "42"}}, ok(json::parse(data))));
    EXPECT_EQ(e.code, "CARRIER_BAD_RESPONSE") << data;
  }
  // The carrier refuses a position it does not know (e.g. after a restart).
  EXPECT_EQ(Unicom::error_of(*u.run(cgw::op::kInventorySync, {{"since", "42"}}, biz("2002"))).code,
            "INVALID_ARGUMENT");
}

TEST(UnicomOperations, ReserveParsesBeijingExpiryAndRelease) {
  Unicom u;
  auto r =
      Unicom::result_of(*u.run(cgw::op::kNumberReserve, valid_input(cgw::op::kNumberReserve),
                               ok({{"lock_id", "UL9"}, {"expire_time", "2025-11-22 17:11:40"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_reservation_id":"UL9","expires_at_ms":1763802700000})"));
  auto s = u.start(cgw::op::kNumberRelease, valid_input(cgw::op::kNumberRelease));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto p = Unicom::form(*s);
  EXPECT_EQ(p.at("method"), "number.unlock");
  EXPECT_EQ(p.at("number"), "18600000001");
  EXPECT_EQ(p.at("lock_id"), "L-1");
  EXPECT_EQ(Unicom::result_of(*u.resume(*s, ok(json::object{}))),
            json::parse(R"({"released":true})"));
}

TEST(UnicomOperations, SubmitSendsOrderAndQueryMapsStates) {
  Unicom u;
  auto s = u.start(cgw::op::kActivationSubmit, valid_input(cgw::op::kActivationSubmit));
  ASSERT_EQ(s->kind, CGW_STEP_SEND);
  const auto p = Unicom::form(*s);
  EXPECT_EQ(p.at("method"), "order.create");
  EXPECT_EQ(p.at("out_order_id"), "G-1");
  EXPECT_EQ(p.at("lock_id"), "L-1");
  EXPECT_EQ(p.at("product_code"), "UC-5G-39");
  EXPECT_EQ(p.at("cert_no"), kIdNumber);
  EXPECT_EQ(p.at("contact_phone"), "13900000000");
  EXPECT_EQ(p.at("contact_address"), "北京 1号");
  EXPECT_EQ(p.count("notify_url"), 0u) << "this carrier takes no callback address";
  auto r = Unicom::result_of(*u.resume(
      *s, ok({{"order_id", "UO1"}, {"out_order_id", "G-1"}, {"order_state", "IN_PROCESS"}})));
  EXPECT_EQ(r, json::parse(R"({"carrier_order_id":"UO1","status":"submitted","reason":""})"));
  // An answer about another partner order is not ours.
  EXPECT_EQ(
      Unicom::error_of(*u.resume(*s, ok({{"order_id", "UO1"}, {"out_order_id", "G-2"}}))).code,
      "CARRIER_BAD_RESPONSE");

  auto q = u.start(cgw::op::kActivationQuery,
                   {{"gateway_order_id", "G 1"}, {"carrier_order_id", "UO1"}});
  ASSERT_EQ(q->kind, CGW_STEP_SEND);
  EXPECT_EQ(Unicom::form(*q).at("out_order_id"), "G 1");
  EXPECT_EQ(Unicom::form(*q).at("order_id"), "UO1");
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"IN_PROCESS", "submitted", ""},
      {"ACTIVATED", "activated", ""},
      {"FAILED", "failed", "4009"}};
  for (const auto& [state, status, reason] : rows) {
    auto res = Unicom::result_of(*u.resume(*q, ok({{"order_id", "UO1"},
                                                   {"out_order_id", "G 1"},
                                                   {"order_state", state},
                                                   {"fail_code", "4009"}})));
    EXPECT_EQ(res.at("status"), status.c_str());
    EXPECT_EQ(res.at("reason"), reason.c_str());
  }
  EXPECT_EQ(
      Unicom::error_of(*u.resume(*q, ok({{"order_id", "UO2"}, {"order_state", "ACTIVATED"}}))).code,
      "CARRIER_BAD_RESPONSE");
}

}  // namespace
