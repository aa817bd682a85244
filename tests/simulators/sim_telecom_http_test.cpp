// The telecom simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port); the test fetches OAuth2 tokens, sends XML
// requests and reads replies with pugixml, independently of the
// simulator's code. A second in-process server plays the partner's
// callback endpoint and checks signatures with OpenSSL.
#include "sim_telecom_http_fixture.hpp"

using namespace telecom_http;

TEST_F(TelecomHttp, TokenEndpointFollowsRfc6749) {
  auto bad = token_call("grant_type=client_credentials&client_id=test-telecom-app&client_secret=x");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(json::parse(bad.body).at("error"), "invalid_client");
  auto grant = token_call("grant_type=password&client_id=test-telecom-app&client_secret=x");
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(json::parse(grant.body).at("error"), "unsupported_grant_type");
  EXPECT_EQ(json::parse(token_call("client_id=test-telecom-app").body).at("error"),
            "invalid_request");
  auto good = token_call(
      "grant_type=client_credentials&client_id=test-telecom-app"
      "&client_secret=test-secret%2B0123");
  ASSERT_EQ(good.status, 200) << good.body;
  auto t = json::parse(good.body);
  EXPECT_EQ(t.at("token_type"), "Bearer");
  EXPECT_EQ(t.at("expires_in"), 60);
  EXPECT_NE(t.at("access_token").as_string(), token_);  // a fresh token each time
}

TEST_F(TelecomHttp, ApiCallsNeedAValidToken) {
  auto none = call("/api/v1/plans/list", request(""), "POST", std::string());
  EXPECT_EQ(none.status, 401);
  EXPECT_STREQ(none.root().name(), "Error");
  EXPECT_EQ(none.code(), "10001");
  EXPECT_FALSE(none.www_authenticate.empty());
  EXPECT_EQ(call("/api/v1/plans/list", request(""), "POST", std::string("forged")).code(), "10002");
  EXPECT_EQ(call("/api/v1/plans/list", request("")).code(), "0");
  advance(60'000);  // tokens live 60 s on the simulated clock
  auto expired = call("/api/v1/plans/list", request(""));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.code(), "10003");
  EXPECT_NE(expired.www_authenticate.find("invalid_token"), std::string::npos);
  token_ = fetch_token();
  EXPECT_EQ(call("/api/v1/plans/list", request("")).code(), "0");
  // The journal shows token calls and refusals, never bodies.
  auto j = admin("GET", "/admin/requests?limit=100").at("requests").as_array();
  int token_calls = 0;
  for (const auto& e : j) token_calls += e.at("target") == "/oauth/token" ? 1 : 0;
  EXPECT_EQ(token_calls, 2);
  EXPECT_EQ(j.back().at("code"), "0");
  EXPECT_EQ(j[j.size() - 3].at("code"), "10003");
  EXPECT_FALSE(j[j.size() - 3].at("signature_ok").as_bool());
}

TEST_F(TelecomHttp, BadRequestsAreParameterErrors) {
  auto not_xml = call("/api/v1/numbers/reserve", "{\"Msisdn\":1}");
  EXPECT_EQ(not_xml.status, 400);
  EXPECT_EQ(not_xml.code(), "20001");
  EXPECT_EQ(call("/api/v1/numbers/reserve", "<Other/>").code(), "20001");
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", "123"))).code(), "20002");
  EXPECT_EQ(call("/api/v1/numbers/reserve",
                 request(el("Msisdn", "13300000000") + el("Msisdn", "13300000001")))
                .code(),
            "20002");
  auto unknown = call("/api/v1/numbers/steal", request(""));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code(), "20003");
  EXPECT_EQ(call("/api/v1/plans/list", "", "GET").status, 405);
}

TEST_F(TelecomHttp, PlansAndDeterministicInventoryPaging) {
  auto plans = call("/api/v1/plans/list", request(""));
  ASSERT_EQ(plans.code(), "0");
  int real = 0, test = 0;
  for (auto p : plans.data().child("Plans").children("Plan"))
    (std::string(p.child_value("PlanCode")).starts_with("SIM-") ? test : real) += 1;
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);  // the test plans are listed too
  const std::set<std::string> segments = {"133", "149", "153", "173", "177", "180",
                                          "181", "189", "190", "191", "193", "199"};
  std::vector<std::string> all;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto r = call("/api/v1/numbers/query", request(el("Cursor", cursor) + el("PageSize", "500")));
    ASSERT_EQ(r.code(), "0") << r.body;
    for (auto n : r.data().child("Numbers").children("Number"))
      all.emplace_back(n.child_value("Msisdn"));
    if (r.get("HasMore") != "true") break;
    cursor = r.get("NextCursor");
  }
  ASSERT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  for (const auto& m : all) EXPECT_EQ(segments.count(m.substr(0, 3)), 1u) << m;
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  // The same seed gives the same pool.
  asio::io_context other;
  cgw::sim::telecom::TelecomSimulator twin(other.get_executor(), test_settings());
  auto page = twin.context().ledger.page("", 5, 0);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(page.items[i].record.number, all[i]);
  EXPECT_EQ(call("/api/v1/numbers/query", request(el("Cursor", "13300000000"))).code(), "20002");
}

TEST_F(TelecomHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto nums = free_numbers(3);
  auto whole = call("/api/v1/numbers/query", request(el("PageSize", "5000")));
  ASSERT_EQ(whole.code(), "0") << whole.body;
  size_t listed = 0;
  for (auto n : whole.data().child("Numbers").children("Number")) listed += !n.empty();
  EXPECT_EQ(listed, 2000u);
  EXPECT_EQ(whole.get("HasMore"), "false");
  EXPECT_EQ(whole.get("Total"), "2000");
  const int64_t start = std::stoll(whole.get("ChangeSeq"));
  const std::string id = reserve(nums[0]);
  reserve(nums[1]);
  ASSERT_EQ(
      call("/api/v1/numbers/release", request(el("Msisdn", nums[0]) + el("ReserveId", id))).code(),
      "0");
  admin("POST", "/admin/numbers/" + nums[2] + "/sell");

  auto feed = [&](int64_t since, int size) {
    auto r = call("/api/v1/numbers/query", request(el("ChangedSince", std::to_string(since)) +
                                                   el("PageSize", std::to_string(size))));
    EXPECT_EQ(r.code(), "0") << r.body;
    return r;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  auto states = [](const Xml& r) {
    Changes out;
    for (auto n : r.data().child("Numbers").children("Number"))
      out.emplace_back(n.child_value("Msisdn"), n.child_value("Status"));
    return out;
  };
  auto all = feed(start, 100);
  EXPECT_EQ(states(all), (Changes{{nums[0], "FREE"}, {nums[1], "LOCKED"}, {nums[2], "SOLD"}}));
  EXPECT_EQ(all.get("ChangeSeq"), std::to_string(start + 4));
  EXPECT_EQ(all.get("HasMore"), "false");
  EXPECT_EQ(all.get("NextCursor"), "");
  EXPECT_EQ(call("/api/v1/numbers/query", request(el("PageSize", "1"))).get("ChangeSeq"),
            std::to_string(start + 4));
  EXPECT_TRUE(states(feed(start + 4, 10)).empty());
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{nums[0], "FREE"}, {nums[1], "LOCKED"}}));
  EXPECT_EQ(p1.get("HasMore"), "true");
  auto p2 = feed(std::stoll(p1.get("ChangeSeq")), 2);
  EXPECT_EQ(states(p2), (Changes{{nums[0], "FREE"}, {nums[2], "SOLD"}}));
  EXPECT_EQ(p2.get("HasMore"), "false");
  EXPECT_EQ(p2.get("ChangeSeq"), std::to_string(start + 4));
  // Strict positions: digits only, not ahead of the log, not with a cursor.
  for (const std::string& bad :
       {el("ChangedSince", "-1"), el("ChangedSince", "x"), el("ChangedSince", ""),
        el("ChangedSince", std::to_string(start + 5)),
        el("ChangedSince", "0") + el("ChangedSince", "0"),
        el("ChangedSince", "0") + el("Cursor", "P" + nums[0]),
        el("ChangedSince", "0") + el("PageSize", "5001")}) {
    auto r = call("/api/v1/numbers/query", request(bad));
    EXPECT_EQ(r.code(), "20002") << bad;
    EXPECT_EQ(r.status, 400) << bad;
  }
}

TEST_F(TelecomHttp, ReserveAndRelease) {
  auto nums = free_numbers(2);
  auto r = call(
      "/api/v1/numbers/reserve",
      request(el("Msisdn", nums[0]) + el("HoldSeconds", "600") + el("PartnerReserveId", "res_1")));
  ASSERT_EQ(r.code(), "0");
  EXPECT_EQ(r.status, 200);
  const std::string id = r.get("ReserveId");
  EXPECT_FALSE(id.empty());
  EXPECT_GT(std::stoll(r.get("ExpireTime")), cgw::system_now_ms() + 590'000);
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", nums[0]))).code(), "30002");
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", "13300000000"))).code(), "30001");
  EXPECT_EQ(
      call("/api/v1/numbers/reserve", request(el("Msisdn", nums[1]) + el("HoldSeconds", "30")))
          .code(),
      "20002");
  EXPECT_EQ(
      call("/api/v1/numbers/release", request(el("Msisdn", nums[1]) + el("ReserveId", id))).code(),
      "30004");
  EXPECT_EQ(call("/api/v1/numbers/release", request(el("Msisdn", nums[0]) + el("ReserveId", id)))
                .get("Released"),
            "true");
  EXPECT_EQ(
      call("/api/v1/numbers/release", request(el("Msisdn", nums[0]) + el("ReserveId", id))).code(),
      "30003");
}

TEST_F(TelecomHttp, RealNameMagicOutcomes) {
  struct Case {
    std::string id, result, reason;
  };
  const std::vector<Case> cases = {
      {make_id("19900101", "123"), "PASS", ""},
      {make_id("19900101", "901"), "PASS", ""},
      {make_id("19900101", "911"), "REJECT", "40002"},
      {make_id("19900101", "921"), "REJECT", "40003"},
      {make_id("19900101", "931"), "REJECT", "40009"},
      {make_id("19900101", "941"), "REJECT", "40006"},
      {make_id("19900101", "951"), "REJECT", "40007"},
      {make_id("19900101", "961"), "REJECT", "40005"},
      {make_id("19900101", "971"), "REJECT", "40008"},
      {make_id("19900101", "981"), "REVIEW", ""},
      {make_id("20150101", "123"), "REJECT", "40004"},
  };
  for (const auto& c : cases) {
    auto r =
        call("/api/v1/realname/check",
             request(el("CertType", "ID_CARD") + el("CertName", "测试用户") + el("CertNo", c.id)));
    ASSERT_EQ(r.code(), "0") << c.id << " " << r.body;
    EXPECT_EQ(r.get("Result"), c.result) << c.id;
    EXPECT_EQ(r.get("ReasonCode"), c.reason) << c.id;
    EXPECT_FALSE(r.get("CheckId").empty());
  }
  auto broken = make_id("19900101", "123");
  broken.back() = broken.back() == '1' ? '2' : '1';
  EXPECT_EQ(call("/api/v1/realname/check",
                 request(el("CertType", "ID_CARD") + el("CertName", "测试") + el("CertNo", broken)))
                .get("ReasonCode"),
            "40001");
  EXPECT_EQ(
      call("/api/v1/realname/check", request(el("CertType", "ID_CARD") + el("CertName", "测试") +
                                             el("CertNo", make_id("19900101", "991"))))
          .code(),
      "90002");
  EXPECT_EQ(
      call("/api/v1/realname/check", request(el("CertType", "PASSPORT") + el("CertName", "测试") +
                                             el("CertNo", make_id("19900101", "123"))))
          .code(),
      "20002");
}
