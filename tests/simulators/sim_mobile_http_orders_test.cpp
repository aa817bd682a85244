// More of sim_mobile_http_test: MobileHttp (shared fixtures:
// sim_mobile_http_fixture.hpp).
#include "sim_mobile_http_fixture.hpp"

using namespace mobile_http;

TEST_F(MobileHttp, OrderDedupeActivationAndSignedCallback) {
  auto numbers = idle_numbers(1);
  const auto lock_id = lock(numbers[0]);
  const auto id = make_id("19900101", "901");
  const auto body = order_body("P-1", numbers[0], lock_id, id);
  auto first = call("POST", "/open/v1/orders", body);
  ASSERT_EQ(code(first), "0") << json::serialize(first);
  EXPECT_EQ(first.at("data").at("orderState").as_string(), "PROCESSING");
  const std::string order_id(first.at("data").at("orderId").as_string());
  auto second = call("POST", "/open/v1/orders", body);
  ASSERT_EQ(code(second), "0");
  EXPECT_EQ(second.at("data").at("orderId").as_string(), order_id);
  EXPECT_EQ(order_state("P-1").at("submitCount").to_number<int>(), 2);
  EXPECT_EQ(admin("GET", "/admin/state").at("orders").as_array().size(), 1u);

  auto q = call("GET", "/open/v1/orders/query?partnerOrderId=P-1");
  EXPECT_EQ(q.at("data").at("orderState").as_string(), "PROCESSING");
  EXPECT_TRUE(partner_->received().empty());

  advance(60'000);
  q = call("GET", "/open/v1/orders/query?orderId=" + order_id);
  ASSERT_EQ(code(q), "0");
  EXPECT_EQ(q.at("data").at("orderState").as_string(), "SUCCESS");
  EXPECT_EQ(q.at("data").at("failReason").as_string(), "");
  EXPECT_EQ(q.at("data").at("partnerOrderId").as_string(), "P-1");

  auto cbs = wait_callbacks(1);
  ASSERT_EQ(cbs.size(), 1u);
  EXPECT_TRUE(cbs[0].signature_ok);
  EXPECT_EQ(cbs[0].target, "/cb/mobile?src=sim");
  auto ev = json::parse(cbs[0].body).as_object();
  EXPECT_TRUE(std::string(ev.at("eventId").as_string()).starts_with("E"));
  EXPECT_EQ(ev.at("orderId").as_string(), order_id);
  EXPECT_EQ(ev.at("partnerOrderId").as_string(), "P-1");
  EXPECT_EQ(ev.at("orderState").as_string(), "SUCCESS");
  EXPECT_TRUE(ev.at("eventTime").is_int64());

  // Sold: cannot be locked again; admin output carries no PII.
  EXPECT_EQ(code(call("POST", "/open/v1/numbers/lock",
                      json::serialize(json::object{{"number", numbers[0]}, {"holdMinutes", 0}}))),
            "3002");
  for (int i = 0; i < 50 && !order_state("P-1").empty(); ++i) {
    auto cb = admin("GET", "/admin/state").at("callbacks").as_array();
    if (!cb.empty() && cb[0].at("acknowledged").as_bool()) break;
    std::this_thread::sleep_for(20ms);
  }
  auto state = json::serialize(admin("GET", "/admin/state"));
  EXPECT_NE(state.find("\"acknowledged\":true"), std::string::npos) << state;
  EXPECT_EQ(state.find(id), std::string::npos);
  EXPECT_EQ(state.find("测试用户"), std::string::npos);
  EXPECT_EQ(json::serialize(admin("GET", "/admin/requests?limit=100")).find(id), std::string::npos);
  EXPECT_EQ(code(call("GET", "/open/v1/orders/query?orderId=MO404")), "5001");
  EXPECT_EQ(code(call("GET", "/open/v1/orders/query")), "2001");
}

TEST_F(MobileHttp, OrderChecksLockPlanAndApplicant) {
  auto numbers = idle_numbers(2);
  const auto lock_a = lock(numbers[0]);
  const auto adult = make_id("19900101", "002");
  auto submit = [&](const std::string& pid, const std::string& number, const std::string& lock_id,
                    const std::string& id, const std::string& plan = "MB-5G-ZX-59") {
    return code(call("POST", "/open/v1/orders", order_body(pid, number, lock_id, id, plan)));
  };
  EXPECT_EQ(submit("P-a", numbers[0], "LKNOPE", adult), "3003");
  EXPECT_EQ(submit("P-b", numbers[1], lock_a, adult), "5002");
  EXPECT_EQ(submit("P-c", numbers[0], lock_a, adult, "NO-SUCH-PLAN"), "3004");
  EXPECT_EQ(submit("P-d", numbers[0], lock_a, make_id("19900101", "971")), "4008");
  EXPECT_EQ(submit("P-e", numbers[0], lock_a, make_id("19900101", "991")), "9999");
  auto bad = adult;
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(submit("P-f", numbers[0], lock_a, bad), "4001");
  EXPECT_EQ(code(call("POST", "/open/v1/orders", R"({"partnerOrderId":"P-g"})")), "2001");
  EXPECT_TRUE(admin("GET", "/admin/state").at("orders").as_array().empty());
  // The lock survived the refusals.
  EXPECT_EQ(submit("P-h", numbers[0], lock_a, adult), "0");
}

TEST_F(MobileHttp, KycMagicOutcomes) {
  struct Case {
    const char* seq;
    const char* result;
    const char* reason;
  };
  const Case cases[] = {{"901", "PASS", ""},       {"911", "REJECT", "4002"},
                        {"921", "REJECT", "4003"}, {"931", "REJECT", "4009"},
                        {"941", "REJECT", "4006"}, {"951", "REJECT", "4007"},
                        {"962", "REJECT", "4005"}, {"972", "REJECT", "4008"},
                        {"982", "REVIEW", ""},     {"123", "PASS", ""}};
  for (const auto& c : cases) {
    auto r = verify(make_id("19900101", c.seq));
    ASSERT_EQ(code(r), "0") << c.seq;
    EXPECT_EQ(r.at("data").at("verifyResult").as_string(), c.result) << c.seq;
    EXPECT_EQ(r.at("data").at("reasonCode").as_string(), c.reason) << c.seq;
    EXPECT_TRUE(std::string(r.at("data").at("verifyId").as_string()).starts_with("VF"));
  }
  EXPECT_EQ(code(verify(make_id("19900101", "991"))), "9999");
  EXPECT_EQ(
      verify(make_id("19900101", "002"), "任意名字").at("data").at("verifyResult").as_string(),
      "PASS");
  auto bad = make_id("19900101", "002");
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(verify(bad).at("data").at("reasonCode").as_string(), "4001");
  EXPECT_EQ(code(verify("")), "2001");
}

TEST_F(MobileHttp, AgeIsCheckedAgainstTheSimulatedClock) {
  const auto today = cgw::id::beijing_date(cgw::system_now_ms());
  const auto id = make_id(std::to_string(today.year - 15) + "0101", "003");  // 15 years old
  auto r = verify(id);
  EXPECT_EQ(r.at("data").at("reasonCode").as_string(), "4004");
  advance(366LL * 86'400'000);
  r = verify(id);
  EXPECT_EQ(r.at("data").at("verifyResult").as_string(), "PASS");
}

TEST_F(MobileHttp, MagicPlans) {
  auto numbers = idle_numbers(3);
  const auto id = make_id("19850505", "004");
  const std::pair<const char*, const char*> plans[] = {
      {"P-rej", "SIM-REJECT"}, {"P-stuck", "SIM-STUCK"}, {"P-nocb", "SIM-NOCALLBACK"}};
  for (size_t i = 0; i < 3; ++i)
    ASSERT_EQ(
        code(call("POST", "/open/v1/orders",
                  order_body(plans[i].first, numbers[i], lock(numbers[i]), id, plans[i].second))),
        "0");
  advance(24LL * 3'600'000);
  EXPECT_EQ(order_state("P-rej").at("state").as_string(), "FAILED");
  EXPECT_EQ(order_state("P-rej").at("failReason").as_string(), "4008");
  EXPECT_EQ(order_state("P-stuck").at("state").as_string(), "PROCESSING");
  EXPECT_EQ(order_state("P-nocb").at("state").as_string(), "SUCCESS");
  auto cbs = wait_callbacks(1);
  std::this_thread::sleep_for(200ms);  // a wrong second callback would show by now
  cbs = partner_->received();
  ASSERT_EQ(cbs.size(), 1u);
  auto ev = json::parse(cbs[0].body);
  EXPECT_EQ(ev.at("partnerOrderId").as_string(), "P-rej");
  EXPECT_EQ(ev.at("orderState").as_string(), "FAILED");
  EXPECT_EQ(ev.at("failReason").as_string(), "4008");
  // The failed order gave its number back.
  EXPECT_FALSE(lock(numbers[0]).empty());
}

TEST_F(MobileHttp, CallbackIsRetriedWithBackoffUntilAcknowledged) {
  partner_->fail_first = 2;
  auto numbers = idle_numbers(1);
  ASSERT_EQ(
      code(call("POST", "/open/v1/orders",
                order_body("P-retry", numbers[0], lock(numbers[0]), make_id("19900101", "005")))),
      "0");
  advance(60'000);
  ASSERT_EQ(wait_callbacks(1).size(), 1u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(partner_->received().size(), 1u) << "the next attempt waits 1 s";
  advance(1'000);
  ASSERT_EQ(wait_callbacks(2).size(), 2u);
  advance(2'000);
  auto cbs = wait_callbacks(3);
  ASSERT_EQ(cbs.size(), 3u);
  EXPECT_EQ(cbs[0].body, cbs[2].body) << "the same event, the same eventId";
  for (int i = 0; i < 50; ++i) {
    auto cb = admin("GET", "/admin/state").at("callbacks").at(0);
    if (cb.at("acknowledged").as_bool()) {
      EXPECT_EQ(cb.at("attempts").to_number<int>(), 3);
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "callback never acknowledged";
}

TEST_F(MobileHttp, AtMostFiveLinesPerIdNumber) {
  auto numbers = idle_numbers(6);
  const auto id = make_id("19880808", "006");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(code(call("POST", "/open/v1/orders",
                        order_body(numbered("P-q", i), numbers[i], lock(numbers[i]), id))),
              "0");
  // In-flight orders count: a sixth is refused before any activation.
  EXPECT_EQ(
      code(call("POST", "/open/v1/orders", order_body("P-q5", numbers[5], lock(numbers[5]), id))),
      "4005");
  advance(60'000);
  auto r = verify(id);
  EXPECT_EQ(r.at("data").at("verifyResult").as_string(), "REJECT");
  EXPECT_EQ(r.at("data").at("reasonCode").as_string(), "4005");
  EXPECT_EQ(verify(make_id("19880808", "008")).at("data").at("verifyResult").as_string(), "PASS");
}

TEST_F(MobileHttp, UnknownEndpointsAndAdminErrors) {
  auto r = raw("GET", "/open/v1/nothing", "", {});
  EXPECT_EQ(r.status, 200) << "auth comes first";
  const std::string ts = std::to_string(cgw::system_now_ms() / 1000), nonce = "unknownEndpoint0001";
  r = raw("GET", "/open/v1/nothing", "",
          {{"X-App-Id", kAppId},
           {"X-Timestamp", ts},
           {"X-Nonce", nonce},
           {"X-Signature", sign(kSecret, "GET", "/open/v1/nothing", ts, nonce, "")}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(raw("POST", "/admin/clock", R"({"advance_ms":-1})", {}).status, 400);
  EXPECT_EQ(raw("DELETE", "/admin/clock", "", {}).status, 405);
  EXPECT_EQ(raw("GET", "/admin/requests?limit=0", "", {}).status, 400);
  EXPECT_EQ(raw("GET", "/nowhere", "", {}).status, 404);
  EXPECT_EQ(raw("GET", "/healthz", "", {}).status, 200);
}
