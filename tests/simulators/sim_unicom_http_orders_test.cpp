// More of sim_unicom_http_test: UnicomHttp (shared fixtures:
// sim_unicom_http_fixture.hpp).
#include "sim_unicom_http_fixture.hpp"

using namespace unicom_http;

TEST_F(UnicomHttp, LockExpiresWhenTheClockAdvances) {
  auto numbers = free_numbers(1);
  const auto lock_id = lock(numbers[0], "10");
  advance(10 * 60 * 1000 + 1000);
  EXPECT_EQ(admin("GET", "/admin/state").at("reservations").at(0).at("state").as_string(),
            "EXPIRED");
  // Requests signed with the real clock still pass after the advance.
  EXPECT_EQ(code(order("P-exp", numbers[0], lock_id, make_id("19900101", "001"))), "3003");
  EXPECT_FALSE(lock(numbers[0]).empty()) << "an expired lock frees the number";
}

TEST_F(UnicomHttp, OrderDedupeAndActivationFoundByPolling) {
  auto numbers = free_numbers(1);
  const auto lock_id = lock(numbers[0]);
  const auto id = make_id("19900101", "901");
  auto first = order("P-1", numbers[0], lock_id, id);
  ASSERT_EQ(code(first), "0000") << json::serialize(first);
  EXPECT_EQ(str(first, "order_state"), "IN_PROCESS");
  EXPECT_EQ(str(first, "out_order_id"), "P-1");
  const std::string order_id = str(first, "order_id");
  EXPECT_TRUE(order_id.starts_with("UO"));
  auto second = order("P-1", numbers[0], lock_id, id);
  ASSERT_EQ(code(second), "0000");
  EXPECT_EQ(str(second, "order_id"), order_id);
  EXPECT_EQ(sim_order("P-1").at("submitCount").to_number<int>(), 2);
  EXPECT_EQ(admin("GET", "/admin/state").at("orders").as_array().size(), 1u);

  EXPECT_EQ(str(call("order.query", {{"out_order_id", "P-1"}}), "order_state"), "IN_PROCESS");
  advance(60'000);
  auto q = call("order.query", {{"order_id", order_id}});
  ASSERT_EQ(code(q), "0000");
  EXPECT_EQ(str(q, "order_state"), "ACTIVATED");
  EXPECT_EQ(str(q, "fail_code"), "");
  EXPECT_EQ(str(q, "out_order_id"), "P-1");
  // No callbacks in this protocol, ever.
  auto state = admin("GET", "/admin/state");
  EXPECT_TRUE(state.at("callbacks").as_array().empty());
  // Sold: cannot be locked again; admin output carries no PII.
  EXPECT_EQ(code(call("number.lock", {{"number", numbers[0]}})), "3002");
  const std::string text = json::serialize(state);
  EXPECT_EQ(text.find(id), std::string::npos);
  EXPECT_EQ(text.find("测试用户"), std::string::npos);
  EXPECT_EQ(json::serialize(admin("GET", "/admin/requests?limit=100")).find(id), std::string::npos);
  EXPECT_EQ(code(call("order.query", {{"order_id", "UO404"}})), "5001");
  EXPECT_EQ(code(call("order.query", {{"order_id", order_id}, {"out_order_id", "P-2"}})), "5001");
  EXPECT_EQ(code(call("order.query")), "2001");
}

TEST_F(UnicomHttp, OrderChecksLockProductAndApplicant) {
  auto numbers = free_numbers(2);
  const auto lock_a = lock(numbers[0]);
  const auto adult = make_id("19900101", "002");
  auto submit = [&](const std::string& pid, const std::string& number, const std::string& lock_id,
                    const std::string& id, const std::string& product = "UC-5G-BJL-39") {
    return code(order(pid, number, lock_id, id, product));
  };
  EXPECT_EQ(submit("P-a", numbers[0], "UL404", adult), "3003");
  EXPECT_EQ(submit("P-b", numbers[1], lock_a, adult), "3004");
  EXPECT_EQ(submit("P-c", numbers[0], lock_a, adult, "NO-SUCH-PRODUCT"), "3005");
  EXPECT_EQ(submit("P-d", numbers[0], lock_a, make_id("19900101", "971")), "4009");
  EXPECT_EQ(submit("P-e", numbers[0], lock_a, make_id("19900101", "991")), "4010");
  auto bad = adult;
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(submit("P-f", numbers[0], lock_a, bad), "4001");
  EXPECT_EQ(code(call("order.create", {{"out_order_id", "P-g"}})), "2001");
  EXPECT_TRUE(admin("GET", "/admin/state").at("orders").as_array().empty());
  EXPECT_EQ(submit("P-h", numbers[0], lock_a, adult), "0000") << "the lock survived the refusals";
}

TEST_F(UnicomHttp, KycMagicOutcomes) {
  struct Case {
    const char *seq, *result, *reason;
  };
  const Case cases[] = {{"901", "PASS", ""},          {"911", "NOT_PASS", "4002"},
                        {"921", "NOT_PASS", "4003"},  {"931", "NOT_PASS", "4004"},
                        {"941", "NOT_PASS", "4006"},  {"951", "NOT_PASS", "4007"},
                        {"962", "NOT_PASS", "4008"},  {"972", "NOT_PASS", "4009"},
                        {"982", "MANUAL_REVIEW", ""}, {"123", "PASS", ""}};
  for (const auto& c : cases) {
    auto r = check(make_id("19900101", c.seq));
    ASSERT_EQ(code(r), "0000") << c.seq;
    EXPECT_EQ(str(r, "result"), c.result) << c.seq;
    EXPECT_EQ(str(r, "reason_code"), c.reason) << c.seq;
    EXPECT_TRUE(str(r, "check_id").starts_with("RC"));
  }
  EXPECT_EQ(code(check(make_id("19900101", "991"))), "4010");
  EXPECT_EQ(str(check(make_id("19900101", "002"), "任意名字"), "result"), "PASS");
  auto bad = make_id("19900101", "002");
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(str(check(bad), "reason_code"), "4001");
  EXPECT_EQ(code(check("")), "2001");
  // A base64 portrait keeps its '+' through the form; a broken one is refused.
  EXPECT_EQ(code(call("cert.check", {{"cert_name", "测试用户"},
                                     {"cert_no", make_id("19900101", "002")},
                                     {"portrait", "+/+/"}})),
            "0000");
  EXPECT_EQ(code(call("cert.check", {{"cert_name", "测试用户"},
                                     {"cert_no", make_id("19900101", "002")},
                                     {"portrait", "not base64!"}})),
            "2002");
}

TEST_F(UnicomHttp, AgeIsCheckedAgainstTheSimulatedClock) {
  const auto today = cgw::id::beijing_date(cgw::system_now_ms());
  const auto id = make_id(std::to_string(today.year - 15) + "0101", "003");  // 15 years old
  EXPECT_EQ(str(check(id), "reason_code"), "4005");
  advance(366LL * 86'400'000);
  EXPECT_EQ(str(check(id), "result"), "PASS");
}

TEST_F(UnicomHttp, MagicProducts) {
  auto numbers = free_numbers(2);
  const auto id = make_id("19850505", "004");
  ASSERT_EQ(code(order("P-rej", numbers[0], lock(numbers[0]), id, "SIM-REJECT")), "0000");
  ASSERT_EQ(code(order("P-stuck", numbers[1], lock(numbers[1]), id, "SIM-STUCK")), "0000");
  advance(24LL * 3'600'000);
  auto rej = call("order.query", {{"out_order_id", "P-rej"}});
  EXPECT_EQ(str(rej, "order_state"), "FAILED");
  EXPECT_EQ(str(rej, "fail_code"), "4009");
  EXPECT_EQ(str(call("order.query", {{"out_order_id", "P-stuck"}}), "order_state"), "IN_PROCESS");
  EXPECT_FALSE(lock(numbers[0]).empty()) << "the failed order gave its number back";
}

TEST_F(UnicomHttp, AtMostFiveLinesPerIdNumber) {
  auto numbers = free_numbers(6);
  const auto id = make_id("19880808", "006");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(code(order(numbered("P-q", i), numbers[i], lock(numbers[i]), id)), "0000");
  // In-flight orders count: a sixth is refused before any activation.
  EXPECT_EQ(code(order("P-q5", numbers[5], lock(numbers[5]), id)), "4008");
  advance(60'000);
  auto r = check(id);
  EXPECT_EQ(str(r, "result"), "NOT_PASS");
  EXPECT_EQ(str(r, "reason_code"), "4008");
  EXPECT_EQ(str(check(make_id("19880808", "008")), "result"), "PASS");
}

TEST_F(UnicomHttp, OperationOfAndBusinessErrorForTheFaultInjector) {
  net::Request req{net::http::verb::post, "/router/rest", 11};
  req.set(net::http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  req.body() = "app_key=a&method=number.lock&v=1.0";
  EXPECT_EQ(sim_->operation_of(req), "number.lock");
  req.body() = "app_key=a&method=nonsense";
  EXPECT_EQ(sim_->operation_of(req), "/router/rest");
  req.target("/admin/state");
  EXPECT_EQ(sim_->operation_of(req), "/admin/state");
  auto res = sim_->business_error(req, "9999");
  EXPECT_EQ(res.result_int(), 200);
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("code").as_string(), "9999");
  EXPECT_TRUE(body.contains("msg"));
  EXPECT_FALSE(body.contains("data"));
}
