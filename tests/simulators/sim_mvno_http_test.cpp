// The mvno simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port); the test signs requests (SHA256withRSA with the
// demo gateway key) and encrypts ID numbers (AES-256-GCM with the demo field
// key) itself with OpenSSL, independently of the simulator's code. A second
// in-process server plays the partner's callback endpoint and checks the
// callbacks with the carrier's public key.
#include "sim_mvno_http_fixture.hpp"

using namespace mvno_http;

TEST_F(MvnoHttp, SignedRequestListsProductsWithFreeTestPlans) {
  auto r = call("/openapi/v1/product/list");
  ASSERT_EQ(code(r), "0000");
  EXPECT_EQ(r.at("msg").as_string(), "success");
  auto products = r.at("data").at("products").as_array();
  int real = 0, test = 0;
  for (const auto& p : products) {
    ASSERT_TRUE(p.at("monthlyFee").is_int64());
    const bool is_test = std::string(p.at("productCode").as_string()).starts_with("SIM-");
    (is_test ? test : real) += 1;
    if (is_test)
      EXPECT_EQ(p.at("monthlyFee").as_int64(), 0);
    else
      EXPECT_GT(p.at("monthlyFee").as_int64(), 0);
  }
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);
}

TEST_F(MvnoHttp, AuthenticationErrors) {
  Signing wrong_key;
  wrong_key.private_pem = secret_file("mvno-demo-carrier-private.pem");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, wrong_key)), "1001");
  Signing other;
  other.partner = "someone-else";
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, other)), "1004");
  Signing md5;
  md5.sign_type = "MD5";
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, md5)), "1005");
  const int64_t now = cgw::system_now_ms();
  Signing stale, future, fine;
  stale.ts_ms = now - 301'000;
  future.ts_ms = now + 400'000;
  fine.ts_ms = now - 200'000;
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, stale)), "1002");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, future)), "1002");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, fine)), "0000");
  // A body changed after signing.
  const std::string ts = std::to_string(now), nonce = "tamperedTampered0123";
  auto res = raw(
      "POST", "/openapi/v1/product/list", "{\"x\":1}",
      {{"X-Partner-Id", kPartner},
       {"X-Timestamp", ts},
       {"X-Nonce", nonce},
       {"X-Sign-Type", "SHA256withRSA"},
       {"X-Signature", rsa_sign(Signing{}.private_pem,
                                canonical("POST", "/openapi/v1/product/list", ts, nonce, "{}"))}});
  EXPECT_EQ(json::parse(res.body).at("code").as_string(), "1001");
  EXPECT_EQ(json::parse(raw("POST", "/openapi/v1/product/list", "{}", {}).body).at("code"), "1004");
  EXPECT_FALSE(call("/openapi/v1/product/list", {}, wrong_key).contains("data"));
}

TEST_F(MvnoHttp, ReplayedNonceIsRefused) {
  Signing s;
  s.nonce = "replayReplay0123456789";
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, s)), "0000");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, s)), "1003");
  // A forged request does not burn a nonce.
  Signing forged;
  forged.nonce = "forgedForged0123456789";
  forged.private_pem = secret_file("mvno-demo-carrier-private.pem");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, forged)), "1001");
  forged.private_pem = Signing{}.private_pem;
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, forged)), "0000");
  auto j = admin("GET", "/admin/requests?limit=2").at("requests").as_array();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].at("code").as_string(), "1001");
  EXPECT_FALSE(j[0].at("signature_ok").as_bool());
  EXPECT_TRUE(j[1].at("signature_ok").as_bool());
}

TEST_F(MvnoHttp, InventoryPagesCarryTheHostNetworkOfTheSegment) {
  // Independent of the simulator's table: domain.md's MVNO segments.
  auto expected_network = [](const std::string& n) -> std::string {
    const std::string p3 = n.substr(0, 3), p4 = n.substr(0, 4);
    if (p4 == "1700" || p4 == "1701" || p4 == "1702" || p3 == "162") return "CTCC";
    if (p4 == "1703" || p4 == "1705" || p4 == "1706" || p3 == "165") return "CMCC";
    if (p4 == "1704" || p4 == "1707" || p4 == "1708" || p4 == "1709" || p3 == "171" || p3 == "167")
      return "CUCC";
    return "none";
  };
  std::string cursor, last;
  size_t total = 0;
  std::set<std::string> networks;
  for (int page = 0; page < 20; ++page) {
    auto r = call("/openapi/v1/number/query", {{"cursor", cursor}, {"pageSize", 500}});
    ASSERT_EQ(code(r), "0000") << json::serialize(r);
    const auto data = r.at("data").as_object();
    for (const auto& v : data.at("numbers").as_array()) {
      const std::string n(v.at("msisdn").as_string());
      EXPECT_GT(n, last);  // ordered, pages disjoint
      last = n;
      EXPECT_EQ(v.at("hostNetwork").as_string(), expected_network(n)) << n;
      networks.insert(std::string(v.at("hostNetwork").as_string()));
      ++total;
    }
    if (!data.at("hasMore").as_bool()) break;
    cursor = std::string(data.at("nextCursor").as_string());
  }
  EXPECT_EQ(total, 2000u);
  EXPECT_EQ(networks.size(), 3u);
  EXPECT_EQ(code(call("/openapi/v1/number/query", {{"cursor", "17000000000"}})), "1101");
  EXPECT_EQ(code(call("/openapi/v1/number/query", {{"pageSize", 5001}})), "1101");
}

TEST_F(MvnoHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto numbers = free_numbers(3);
  const auto cursor_of = [](const json::object& r) {
    return std::string(r.at("data").at("changeCursor").as_string());
  };
  auto whole = call("/openapi/v1/number/query", {{"pageSize", 5000}});
  ASSERT_EQ(code(whole), "0000");
  EXPECT_EQ(whole.at("data").at("numbers").as_array().size(), 2000u);
  EXPECT_EQ(whole.at("data").at("total").to_number<int64_t>(), 2000);
  const std::string start = cursor_of(whole);
  EXPECT_EQ(start, "cs1.0");
  const std::string occ = occupy(numbers[0]);
  occupy(numbers[1]);
  ASSERT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[0]}, {"occupyNo", occ}})),
            "0000");
  admin("POST", "/admin/numbers/" + numbers[2] + "/sell");

  auto feed = [&](const std::string& since, int size) {
    auto r = call("/openapi/v1/number/query", {{"changedSince", since}, {"pageSize", size}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  auto states = [](const json::object& r) {
    Changes out;
    for (const auto& n : r.at("data").at("numbers").as_array())
      out.emplace_back(n.at("msisdn").as_string(), n.at("status").as_string());
    return out;
  };
  auto all = feed(start, 100);
  EXPECT_EQ(states(all),
            (Changes{{numbers[0], "FREE"}, {numbers[1], "OCCUPIED"}, {numbers[2], "SOLD"}}));
  EXPECT_EQ(cursor_of(all), "cs1.4");
  EXPECT_FALSE(all.at("data").at("hasMore").as_bool());
  EXPECT_EQ(all.at("data").at("nextCursor").as_string(), "");
  EXPECT_EQ(cursor_of(call("/openapi/v1/number/query", {{"pageSize", 1}})), "cs1.4");
  EXPECT_TRUE(states(feed("cs1.4", 10)).empty());
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{numbers[0], "FREE"}, {numbers[1], "OCCUPIED"}}));
  EXPECT_TRUE(p1.at("data").at("hasMore").as_bool());
  auto p2 = feed(cursor_of(p1), 2);
  EXPECT_EQ(states(p2), (Changes{{numbers[0], "FREE"}, {numbers[2], "SOLD"}}));
  EXPECT_FALSE(p2.at("data").at("hasMore").as_bool());
  EXPECT_EQ(cursor_of(p2), "cs1.4");
  // Strict cursors: this carrier's spelling only, not ahead of the log, not
  // with a listing cursor.
  for (const auto& bad :
       std::vector<json::object>{{{"changedSince", "4"}},
                                 {{"changedSince", "cs1."}},
                                 {{"changedSince", "cs1.04"}},
                                 {{"changedSince", "cs1.-1"}},
                                 {{"changedSince", "cs2.4"}},
                                 {{"changedSince", "cs1.4 "}},
                                 {{"changedSince", "cs1.5"}},
                                 {{"changedSince", "cs1.99999999999999999999"}},
                                 {{"changedSince", 4}},
                                 {{"changedSince", ""}},
                                 {{"changedSince", "cs1.0"}, {"cursor", "nc1." + numbers[0]}}})
    EXPECT_EQ(code(call("/openapi/v1/number/query", bad)), "1101") << json::serialize(bad);
}
