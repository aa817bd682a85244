// The unicom simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port) and the test builds and signs the form itself
// (MD5 through OpenSSL directly), independently of the simulator's code.
#include "sim_unicom_http_fixture.hpp"

using namespace unicom_http;

TEST_F(UnicomHttp, SignedCallListsProductsWithFreeTestPlans) {
  auto r = call("plan.list");
  ASSERT_EQ(code(r), "0000");
  EXPECT_EQ(r.at("msg").as_string(), "success");
  auto products = r.at("data").at("products").as_array();
  int real = 0, test = 0;
  for (const auto& p : products) {
    ASSERT_TRUE(p.at("monthly_fee").is_int64());
    const bool is_test = std::string(p.at("product_code").as_string()).starts_with("SIM-");
    (is_test ? test : real) += 1;
    if (is_test)
      EXPECT_EQ(p.at("monthly_fee").as_int64(), 0);
    else
      EXPECT_GT(p.at("monthly_fee").as_int64(), 0);
  }
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);
}

TEST_F(UnicomHttp, AuthenticationAndEnvelopeErrors) {
  const int64_t now = cgw::system_now_ms() / 1000;
  auto with = [](auto f) {
    Signing s;
    f(s);
    return s;
  };
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.secret = "wrong"; }))), "1002");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.app_key = "other"; }))), "1001");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.drop_sign = true; }))), "1002");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.lower_case_sign = true; }))),
            "1002");
  for (int64_t skew : {-601, 700})
    EXPECT_EQ(
        code(call("plan.list", {}, with([&](Signing& s) { s.timestamp = beijing(now + skew); }))),
        "1003")
        << skew;
  EXPECT_EQ(
      code(call("plan.list", {}, with([&](Signing& s) { s.timestamp = beijing(now - 500); }))),
      "0000");
  EXPECT_EQ(
      code(call("plan.list", {}, with([&](Signing& s) { s.timestamp = std::to_string(now); }))),
      "1003");
  EXPECT_EQ(code(call("plan.list", {}, with([](Signing& s) { s.v = "2.0"; }))), "2003");
  EXPECT_EQ(code(call("number.transfer")), "2003");
  // An error envelope carries no data.
  EXPECT_FALSE(call("plan.list", {}, with([](Signing& s) { s.secret = "x"; })).contains("data"));

  // The form itself: content type, percent-escapes, repeated names.
  const Params p = {
      {"app_key", kAppKey}, {"method", "plan.list"}, {"timestamp", beijing(now)}, {"v", "1.0"}};
  const std::string good = form(p) + "&sign=" + sign(kSecret, p);
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good).body).at("code"), "0000");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good, "application/json").body).at("code"),
            "2002");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good + "&v=1.0").body).at("code"), "2002");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", good + "&x=%zz").body).at("code"), "2002");
  EXPECT_EQ(raw("GET", "/router/rest", "").status, 405);
  EXPECT_EQ(raw("POST", "/router/other", good).status, 404);
  EXPECT_EQ(raw("GET", "/healthz", "").status, 200);
}

TEST_F(UnicomHttp, SignIgnoresOrderAndEmptyParameters) {
  const int64_t now = cgw::system_now_ms() / 1000;
  // Reversed order, an empty parameter (unsigned) and '+' for spaces.
  const Params p = {{"v", "1.0"},
                    {"timestamp", beijing(now)},
                    {"method", "plan.list"},
                    {"format", ""},
                    {"app_key", kAppKey}};
  std::string body = form(p) + "&sign=" + sign(kSecret, p);
  const auto pos = body.find("%20");
  ASSERT_NE(pos, std::string::npos);
  body.replace(pos, 3, "+");
  EXPECT_EQ(json::parse(raw("POST", "/router/rest", body).body).at("code"), "0000") << body;
}

TEST_F(UnicomHttp, InventoryPagesAreCompleteAndValidated) {
  std::vector<std::string> all;
  for (int page = 1; page <= 20; ++page) {
    auto r = call("number.query", {{"page_no", std::to_string(page)}, {"page_size", "300"}});
    ASSERT_EQ(code(r), "0000");
    const auto& d = r.at("data").as_object();
    EXPECT_EQ(d.at("total").to_number<int>(), 2000);
    const auto& numbers = d.at("numbers").as_array();
    for (const auto& n : numbers) {
      std::string number(n.at("number").as_string());
      all.push_back(number);
      EXPECT_FALSE(n.at("province").as_string().empty());
      EXPECT_LE(n.at("level").to_number<int>(), 10);
      EXPECT_TRUE(n.at("price").is_int64());
      static const std::set<std::string> kUnicom = {"130", "131", "132", "145", "146", "155", "156",
                                                    "166", "175", "176", "185", "186", "196"};
      EXPECT_EQ(kUnicom.count(number.substr(0, 3)), 1u) << number;
    }
    if (numbers.empty()) break;
  }
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 2000u);
  EXPECT_EQ(code(call("number.query", {{"page_size", "5001"}})), "2002");
  EXPECT_EQ(code(call("number.query", {{"page_no", "0"}})), "2002");
  EXPECT_EQ(code(call("number.query", {{"page_no", "-1"}})), "2002");
  // Defaults: page 1 of 100.
  EXPECT_EQ(call("number.query").at("data").at("numbers").as_array().size(), 100u);
}

TEST_F(UnicomHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto numbers = free_numbers(3);
  const auto seq_of = [](const json::object& r) {
    return r.at("data").at("change_seq").to_number<int64_t>();
  };
  auto whole = call("number.query", {{"page_size", "5000"}});
  ASSERT_EQ(code(whole), "0000");
  EXPECT_EQ(whole.at("data").at("numbers").as_array().size(), 2000u);
  const int64_t start = seq_of(whole);
  const std::string lock_a = lock(numbers[0]);
  lock(numbers[1]);
  ASSERT_EQ(code(call("number.unlock", {{"number", numbers[0]}, {"lock_id", lock_a}})), "0000");
  admin("POST", "/admin/numbers/" + numbers[2] + "/sell");

  auto feed = [&](int64_t since, int size) {
    auto r = call("number.query",
                  {{"changed_since", std::to_string(since)}, {"page_size", std::to_string(size)}});
    EXPECT_EQ(code(r), "0000") << json::serialize(r);
    return r;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  auto states = [](const json::object& r) {
    Changes out;
    for (const auto& n : r.at("data").at("numbers").as_array())
      out.emplace_back(n.at("number").as_string(), n.at("state").as_string());
    return out;
  };
  auto all = feed(start, 100);
  EXPECT_EQ(states(all),
            (Changes{{numbers[0], "FREE"}, {numbers[1], "LOCKED"}, {numbers[2], "SOLD"}}));
  EXPECT_EQ(seq_of(all), start + 4);
  EXPECT_FALSE(all.at("data").at("has_more").as_bool());
  EXPECT_EQ(all.at("data").at("total").to_number<int64_t>(), 2000);
  // The listing moved on too; a page past the end still tells the position.
  EXPECT_EQ(seq_of(call("number.query", {{"page_no", "1"}})), start + 4);
  EXPECT_EQ(seq_of(call("number.query", {{"page_no", "99"}})), start + 4);
  EXPECT_TRUE(states(feed(start + 4, 10)).empty());
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{numbers[0], "FREE"}, {numbers[1], "LOCKED"}}));
  EXPECT_TRUE(p1.at("data").at("has_more").as_bool());
  auto p2 = feed(seq_of(p1), 2);
  EXPECT_EQ(states(p2), (Changes{{numbers[0], "FREE"}, {numbers[2], "SOLD"}}));
  EXPECT_FALSE(p2.at("data").at("has_more").as_bool());
  EXPECT_EQ(seq_of(p2), start + 4);
  // Strict positions: digits only, not ahead of the log, not with a page_no.
  for (const auto& bad : std::vector<Params>{{{"changed_since", "-1"}},
                                             {{"changed_since", "x"}},
                                             {{"changed_since", std::to_string(start + 5)}},
                                             {{"changed_since", "99999999999999999999"}},
                                             {{"changed_since", "0"}, {"page_no", "1"}},
                                             {{"changed_since", "0"}, {"page_size", "5001"}}})
    EXPECT_EQ(code(call("number.query", bad)), "2002") << bad.front().second;
}

TEST_F(UnicomHttp, LockTwiceUnlockAndStates) {
  auto numbers = free_numbers(2);
  const int64_t before = cgw::system_now_ms() / 1000;
  auto first = call("number.lock", {{"number", numbers[0]}, {"out_lock_id", "R-1"}});
  ASSERT_EQ(code(first), "0000");
  const std::string lock_id = str(first, "lock_id");
  EXPECT_TRUE(lock_id.starts_with("UL"));
  // Default hold: reservation_ttl_s (30 minutes), stated in Beijing time.
  const std::string expire = str(first, "expire_time");
  EXPECT_GE(expire, beijing(before + 1800 - 1));
  EXPECT_LE(expire, beijing(before + 1800 + 5));

  EXPECT_EQ(code(call("number.lock", {{"number", numbers[0]}, {"out_lock_id", "R-2"}})), "3002");
  EXPECT_EQ(code(call("number.lock", {{"number", "13000000000"}})), "3001");
  EXPECT_EQ(code(call("number.lock", {{"number", "12"}})), "2002");
  EXPECT_EQ(code(call("number.lock", {{"number", numbers[1]}, {"lock_minutes", "x"}})), "2002");
  EXPECT_EQ(code(call("number.lock")), "2001");

  auto page = call("number.query", {{"page_size", "1000"}});
  for (const auto& n : page.at("data").at("numbers").as_array())
    if (n.at("number").as_string() == numbers[0]) {
      EXPECT_EQ(n.at("state").as_string(), "LOCKED");
    }

  auto unlock = [&](const std::string& number, const std::string& id) {
    return code(call("number.unlock", {{"number", number}, {"lock_id", id}}));
  };
  EXPECT_EQ(unlock(numbers[1], lock_id), "3004");
  EXPECT_EQ(unlock(numbers[0], "UL404"), "3003");
  EXPECT_EQ(unlock(numbers[0], lock_id), "0000");
  EXPECT_EQ(unlock(numbers[0], lock_id), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty());
}
