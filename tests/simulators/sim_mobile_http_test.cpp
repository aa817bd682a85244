// The mobile simulator over real HTTP: its HttpServer runs in-process on
// 127.0.0.1 (ephemeral port) and the test signs requests itself with
// OpenSSL, independently of the simulator's code. A second in-process
// server plays the partner's callback endpoint.
#include "sim_mobile_http_fixture.hpp"

using namespace mobile_http;

TEST_F(MobileHttp, SignedRequestListsPlansWithFreeTestPlans) {
  auto r = call("GET", "/open/v1/plans");
  ASSERT_EQ(code(r), "0");
  EXPECT_EQ(r.at("message").as_string(), "ok");
  auto plans = r.at("data").at("plans").as_array();
  int real = 0, test = 0;
  for (const auto& p : plans) {
    ASSERT_TRUE(p.at("monthlyFee").is_int64());
    const bool is_test = std::string(p.at("planCode").as_string()).starts_with("SIM-");
    (is_test ? test : real) += 1;
    if (is_test)
      EXPECT_EQ(p.at("monthlyFee").as_int64(), 0);
    else
      EXPECT_GT(p.at("monthlyFee").as_int64(), 0);
  }
  EXPECT_GE(real, 3);
  EXPECT_GE(test, 1);
}

TEST_F(MobileHttp, AuthenticationErrors) {
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_secret("wrong-secret"))), "1001");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_app("someone-else"))), "1004");
  const int64_t now = cgw::system_now_ms() / 1000;
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", at(now - 301))), "1002");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", at(now + 400))), "1002");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", at(now - 200))), "0");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_nonce("short"))), "1001");
  // Unsigned.
  auto res = raw("GET", "/open/v1/plans", "", {});
  EXPECT_EQ(json::parse(res.body).at("code").as_string(), "1004");
  // The error envelope has no data.
  EXPECT_FALSE(call("GET", "/open/v1/plans", "", with_secret("x")).contains("data"));
}

TEST_F(MobileHttp, ReplayedNonceIsRefused) {
  const Signing s = with_nonce("replayReplay0123456789");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", s)), "0");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", s)), "1003");
  // A forged request does not burn a nonce.
  Signing forged = with_nonce("forgedForged0123456789");
  forged.secret = "bad";
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", forged)), "1001");
  EXPECT_EQ(code(call("GET", "/open/v1/plans", "", with_nonce("forgedForged0123456789"))), "0");
  // The journal shows what came in, and no bodies.
  auto j = admin("GET", "/admin/requests?limit=3").at("requests").as_array();
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[1].at("code").as_string(), "1001");
  EXPECT_FALSE(j[1].at("signature_ok").as_bool());
  EXPECT_TRUE(j[2].at("signature_ok").as_bool());
  EXPECT_EQ(j[2].at("target").as_string(), "/open/v1/plans");
}

TEST_F(MobileHttp, InventoryPagingIsStableAndValidated) {
  std::vector<std::string> all;
  std::string cursor;
  for (int i = 0; i < 100; ++i) {
    auto r = call("GET", "/open/v1/numbers?cursor=" + cursor + "&size=300");
    ASSERT_EQ(code(r), "0");
    const auto& d = r.at("data").as_object();
    for (const auto& n : d.at("numbers").as_array()) {
      all.emplace_back(n.at("number").as_string());
      EXPECT_FALSE(n.at("province").as_string().empty());
      EXPECT_LE(n.at("level").to_number<int>(), 10);
    }
    if (!d.at("hasMore").as_bool()) {
      EXPECT_EQ(d.at("nextCursor").as_string(), "");
      break;
    }
    cursor = d.at("nextCursor").as_string();
  }
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(code(call("GET", "/open/v1/numbers?cursor=&size=0")), "2001");
  EXPECT_EQ(code(call("GET", "/open/v1/numbers?cursor=&size=5001")), "2001");
  EXPECT_EQ(code(call("GET", "/open/v1/numbers?cursor=abc&size=10")), "2001");
}

TEST_F(MobileHttp, ListingCarriesChangeSeqAndTotalAndTakesPagesOf5000) {
  auto r = call("GET", "/open/v1/numbers?cursor=&size=5000");
  ASSERT_EQ(code(r), "0");
  const auto& d = r.at("data").as_object();
  EXPECT_EQ(d.at("numbers").as_array().size(), 2000u);
  EXPECT_FALSE(d.at("hasMore").as_bool());
  EXPECT_EQ(d.at("total").to_number<int64_t>(), 2000);
  EXPECT_EQ(d.at("changeSeq").to_number<int64_t>(), 0) << "nothing changed yet";
}

TEST_F(MobileHttp, ChangeFeedListsEachChangeOnceInTheCurrentState) {
  const auto numbers = idle_numbers(3);
  const auto seq_of = [](const json::object& r) {
    return r.at("data").at("changeSeq").to_number<int64_t>();
  };
  const int64_t start = seq_of(call("GET", "/open/v1/numbers?cursor=&size=1"));
  const auto lock_a = lock(numbers[0]);
  lock(numbers[1]);
  ASSERT_EQ(code(call("POST", "/open/v1/numbers/unlock",
                      json::serialize(json::object{{"number", numbers[0]}, {"lockId", lock_a}}))),
            "0");
  auto sold = admin("POST", "/admin/numbers/" + numbers[2] + "/sell");
  EXPECT_EQ(sold.at("state").as_string(), "sold");

  auto feed = [&](int64_t since, int size) {
    auto r = call("GET", "/open/v1/numbers?changedSince=" + std::to_string(since) +
                             "&size=" + std::to_string(size));
    EXPECT_EQ(code(r), "0") << json::serialize(r);
    return r;
  };
  auto states = [](const json::object& r) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& n : r.at("data").at("numbers").as_array())
      out.emplace_back(n.at("number").as_string(), n.at("state").as_string());
    return out;
  };
  using Changes = std::vector<std::pair<std::string, std::string>>;
  // Lock, lock, unlock, sell: three numbers, each once, as they are now.
  auto all = feed(start, 100);
  EXPECT_EQ(states(all),
            (Changes{{numbers[0], "idle"}, {numbers[1], "locked"}, {numbers[2], "sold"}}));
  EXPECT_EQ(seq_of(all), start + 4);
  EXPECT_FALSE(all.at("data").at("hasMore").as_bool());
  EXPECT_EQ(all.at("data").at("nextCursor").as_string(), "");
  EXPECT_EQ(all.at("data").at("total").to_number<int64_t>(), 2000);
  // The listing is at the same position now; nothing changed after it.
  EXPECT_EQ(seq_of(call("GET", "/open/v1/numbers?cursor=&size=1")), start + 4);
  auto none = feed(start + 4, 100);
  EXPECT_TRUE(states(none).empty());
  EXPECT_EQ(seq_of(none), start + 4);
  // Small pages follow the change log.
  auto p1 = feed(start, 2);
  EXPECT_EQ(states(p1), (Changes{{numbers[0], "idle"}, {numbers[1], "locked"}}));
  EXPECT_TRUE(p1.at("data").at("hasMore").as_bool());
  auto p2 = feed(seq_of(p1), 2);
  EXPECT_EQ(states(p2), (Changes{{numbers[0], "idle"}, {numbers[2], "sold"}}));
  EXPECT_FALSE(p2.at("data").at("hasMore").as_bool());
  EXPECT_EQ(seq_of(p2), start + 4);
  // A number sold elsewhere cannot be locked.
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock",
                      json::serialize(json::object{{"number", numbers[2]}, {"holdMinutes", 0}}))),
            "3002");
  // Strict positions: digits only, not ahead of the log, not with a cursor.
  for (const std::string& q : std::vector<std::string>{
           "changedSince=", "changedSince=-1", "changedSince=1x", "changedSince=%2B1",
           "changedSince=" + std::to_string(start + 5), "changedSince=99999999999999999999999",
           "changedSince=0&cursor=" + numbers[0], "changedSince=0&size=5001"})
    EXPECT_EQ(code(call("GET", "/open/v1/numbers?" + q)), "2001") << q;
}

TEST_F(MobileHttp, AdminSellRefusesWhatIsNotIdle) {
  const auto numbers = idle_numbers(2);
  auto post = [&](const std::string& target, const std::string& method = "POST") {
    return raw(method, target, "", {}).status;
  };
  EXPECT_EQ(post("/admin/numbers/" + numbers[0] + "/sell"), 200);
  EXPECT_EQ(post("/admin/numbers/" + numbers[0] + "/sell"), 409) << "sold already";
  lock(numbers[1]);
  EXPECT_EQ(post("/admin/numbers/" + numbers[1] + "/sell"), 409) << "locked";
  EXPECT_EQ(post("/admin/numbers/13000000000/sell"), 404);
  EXPECT_EQ(post("/admin/numbers/1300000000x/sell"), 400);
  EXPECT_EQ(post("/admin/numbers/sell"), 400);
  EXPECT_EQ(post("/admin/numbers/" + numbers[0] + "/sell", "GET"), 405);
  auto page = call("GET", "/open/v1/numbers?cursor=&size=200");
  for (const auto& n : page.at("data").at("numbers").as_array())
    if (n.at("number").as_string() == numbers[0]) {
      EXPECT_EQ(n.at("state").as_string(), "sold");
    }
}

TEST_F(MobileHttp, LockTwiceUnlockAndStates) {
  auto numbers = idle_numbers(2);
  const auto lock_id = lock(numbers[0]);
  auto again = call("POST", "/open/v1/numbers/lock",
                    json::serialize(json::object{{"number", numbers[0]}, {"holdMinutes", 0}}));
  EXPECT_EQ(code(again), "3002");
  EXPECT_EQ(
      code(call("POST", "/open/v1/numbers/lock", R"({"number":"13000000000","holdMinutes":0})")),
      "3001");
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock", R"({"number":"12","holdMinutes":0})")),
            "2001");
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock", "not json")), "2001");

  auto page = call("GET", "/open/v1/numbers?cursor=&size=1000");
  for (const auto& n : page.at("data").at("numbers").as_array())
    if (n.at("number").as_string() == numbers[0]) {
      EXPECT_EQ(n.at("state").as_string(), "locked");
    }

  auto unlock = [&](const std::string& number, const std::string& id) {
    return code(call("POST", "/open/v1/numbers/unlock",
                     json::serialize(json::object{{"number", number}, {"lockId", id}})));
  };
  EXPECT_EQ(unlock(numbers[1], lock_id), "5002");
  EXPECT_EQ(unlock(numbers[0], "LKNOPE"), "3003");
  EXPECT_EQ(unlock(numbers[0], lock_id), "0");
  EXPECT_EQ(unlock(numbers[0], lock_id), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty());
}

TEST_F(MobileHttp, LockExpiresWhenTheClockAdvances) {
  auto numbers = idle_numbers(1);
  const int64_t before = cgw::system_now_ms();
  auto r = call("POST", "/open/v1/numbers/lock",
                json::serialize(json::object{{"number", numbers[0]}, {"holdMinutes", 0}}));
  ASSERT_EQ(code(r), "0");
  const int64_t expire = r.at("data").at("expireTime").to_number<int64_t>();
  EXPECT_NEAR(static_cast<double>(expire - before), 1800e3, 5e3) << "default hold is 30 minutes";
  const std::string lock_id(r.at("data").at("lockId").as_string());

  advance(30 * 60 * 1000 + 1000);
  auto state = admin("GET", "/admin/state");
  EXPECT_EQ(state.at("reservations").at(0).at("state").as_string(), "EXPIRED");
  // Requests signed with the real clock still pass after the advance.
  auto o = call("POST", "/open/v1/orders",
                order_body("P-exp", numbers[0], lock_id, make_id("19900101", "001")));
  EXPECT_EQ(code(o), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty()) << "an expired lock frees the number";
}
