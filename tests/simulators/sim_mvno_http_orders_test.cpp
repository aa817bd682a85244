// More of sim_mvno_http_test: MvnoHttp (shared fixtures:
// sim_mvno_http_fixture.hpp).
#include "sim_mvno_http_fixture.hpp"

using namespace mvno_http;

TEST_F(MvnoHttp, OccupyTwiceReleaseAndWrongNumber) {
  auto numbers = free_numbers(2);
  const std::string occ = occupy(numbers[0]);
  EXPECT_EQ(code(call("/openapi/v1/number/occupy", {{"msisdn", numbers[0]}})), "2002");
  EXPECT_EQ(code(call("/openapi/v1/number/occupy", {{"msisdn", "17000000000"}})), "2001");
  EXPECT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[1]}, {"occupyNo", occ}})),
            "2004");
  EXPECT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[0]}, {"occupyNo", occ}})),
            "0000");
  EXPECT_EQ(code(call("/openapi/v1/number/release", {{"msisdn", numbers[0]}, {"occupyNo", occ}})),
            "2003");
}

TEST_F(MvnoHttp, EncryptedIdNumberIsDecryptedForTheMagicOutcomes) {
  struct Case {
    std::string seq, result, reject_code;
  };
  for (const auto& c : std::vector<Case>{{"901", "PASS", ""},
                                         {"123", "PASS", ""},
                                         {"911", "REJECT", "3002"},
                                         {"921", "REJECT", "3003"},
                                         {"931", "REJECT", "3009"},
                                         {"941", "REJECT", "3006"},
                                         {"951", "REJECT", "3007"},
                                         {"961", "REJECT", "3005"},
                                         {"971", "REJECT", "3008"},
                                         {"981", "REVIEW", ""}}) {
    auto r = check(make_id("19900101", c.seq));
    ASSERT_EQ(code(r), "0000") << c.seq;
    EXPECT_EQ(r.at("data").at("checkResult").as_string(), c.result) << c.seq;
    EXPECT_EQ(r.at("data").at("rejectCode").as_string(), c.reject_code) << c.seq;
  }
  EXPECT_EQ(code(check(make_id("19900101", "991"))), "3101");
  auto young = check(make_id("20150101", "901"));
  EXPECT_EQ(young.at("data").at("rejectCode").as_string(), "3004");
  // The same ciphertext layout under another key does not open: 1102.
  EXPECT_EQ(code(check(make_id("19900101", "901"), std::string(32, 'k'))), "1102");
  EXPECT_EQ(code(call("/openapi/v1/realname/check",
                      {{"certName", "测试用户"}, {"certNoEnc", "not base64!"}})),
            "1102");
  // The plain field is not part of the protocol.
  EXPECT_EQ(code(call("/openapi/v1/realname/check",
                      {{"certName", "测试用户"}, {"certNo", make_id("19900101", "901")}})),
            "1101");
}

TEST_F(MvnoHttp, OrderDedupeActivationAndSignedCallback) {
  auto numbers = free_numbers(2);
  const std::string occ = occupy(numbers[0]);
  const std::string id = make_id("19900101", "905");
  auto first = order("act_1", numbers[0], occ, id);
  ASSERT_EQ(code(first), "0000") << json::serialize(first);
  EXPECT_EQ(first.at("data").at("orderStatus").as_string(), "ACCEPTED");
  const std::string order_no(first.at("data").at("orderNo").as_string());
  auto again = order("act_1", numbers[0], occ, id);
  ASSERT_EQ(code(again), "0000");
  EXPECT_EQ(again.at("data").at("orderNo").as_string(), order_no);
  EXPECT_EQ(order_state("act_1").at("submitCount").to_number<int>(), 2);
  // The same partner order no. for another number is refused.
  EXPECT_EQ(code(order("act_1", numbers[1], occupy(numbers[1]), id)), "4002");
  EXPECT_EQ(admin("GET", "/admin/state").at("orders").as_array().size(), 1u);

  advance(60'000);
  // SHIPPED and DELIVERED come first (sim_mvno_http_after_sales_test.cpp).
  auto cbs = wait_callbacks(3);
  ASSERT_EQ(cbs.size(), 3u);
  std::vector<Received> opened;
  for (const auto& cb : cbs)
    if (json::parse(cb.body).at("orderStatus").as_string() == "OPENED") opened.push_back(cb);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_TRUE(opened[0].signature_ok);
  EXPECT_EQ(opened[0].target, "/notify/mvno?src=sim");
  auto body = json::parse(opened[0].body).as_object();
  EXPECT_EQ(body.at("orderNo").as_string(), order_no);
  EXPECT_EQ(body.at("partnerOrderNo").as_string(), "act_1");
  EXPECT_EQ(opened[0].body.find(id), std::string::npos);
  auto q = call("/openapi/v1/order/query", {{"partnerOrderNo", "act_1"}});
  ASSERT_EQ(code(q), "0000");
  EXPECT_EQ(q.at("data").at("orderStatus").as_string(), "OPENED");
  EXPECT_EQ(code(call("/openapi/v1/order/query", {{"orderNo", "MV000"}})), "4001");
}

TEST_F(MvnoHttp, OrderChecksOccupationProductAndApplicant) {
  auto numbers = free_numbers(1);
  const std::string occ = occupy(numbers[0]);
  const std::string ok_id = make_id("19900101", "903");
  EXPECT_EQ(code(order("o1", numbers[0], "OC-nope", ok_id)), "2003");
  EXPECT_EQ(code(order("o2", numbers[0], occ, ok_id, "MV-NOPE")), "2101");
  EXPECT_EQ(code(order("o3", numbers[0], occ, make_id("19900101", "971"))), "3008");
  EXPECT_EQ(code(order("o4", numbers[0], occ, make_id("19900101", "991"))), "3101");
  // A refused order changes nothing: the occupation still works.
  EXPECT_EQ(code(order("o5", numbers[0], occ, ok_id)), "0000");
}

TEST_F(MvnoHttp, MagicProducts) {
  auto numbers = free_numbers(3);
  const std::string id = make_id("19800101", "907");
  ASSERT_EQ(code(order("rej", numbers[0], occupy(numbers[0]), id, "SIM-REJECT")), "0000");
  ASSERT_EQ(code(order("stuck", numbers[1], occupy(numbers[1]), id, "SIM-STUCK")), "0000");
  ASSERT_EQ(code(order("quiet", numbers[2], occupy(numbers[2]), id, "SIM-NOCALLBACK")), "0000");
  advance(120'000);
  auto cbs = wait_callbacks(1);
  std::this_thread::sleep_for(200ms);
  cbs = partner_->received();
  ASSERT_EQ(cbs.size(), 1u) << "only SIM-REJECT calls back";
  auto body = json::parse(cbs[0].body).as_object();
  EXPECT_EQ(body.at("orderStatus").as_string(), "FAILED");
  EXPECT_EQ(body.at("failCode").as_string(), "3008");
  EXPECT_EQ(order_state("stuck").at("state").as_string(), "PROCESSING");
  EXPECT_EQ(order_state("quiet").at("state").as_string(), "SUCCESS");
}

TEST_F(MvnoHttp, CallbackIsRetriedUntilAcknowledged) {
  partner_->fail_first = 2;
  auto numbers = free_numbers(1);
  // SIM-REJECT: one callback (FAILED), so every delivery is of that one.
  ASSERT_EQ(code(order("retry", numbers[0], occupy(numbers[0]), make_id("19900101", "005"),
                       "SIM-REJECT")),
            "0000");
  advance(60'000);
  ASSERT_EQ(wait_callbacks(1).size(), 1u);
  for (int i = 0; i < 20 && partner_->received().size() < 3; ++i) {
    advance(60'000);  // past any backoff
    std::this_thread::sleep_for(50ms);
  }
  auto cbs = wait_callbacks(3);
  ASSERT_EQ(cbs.size(), 3u);
  EXPECT_EQ(cbs[0].body, cbs[2].body) << "the same event, the same notifyId";
  EXPECT_TRUE(cbs[2].signature_ok);
  for (int i = 0; i < 100; ++i) {
    auto cb = admin("GET", "/admin/state").at("callbacks").at(0);
    if (cb.at("acknowledged").as_bool()) {
      EXPECT_EQ(cb.at("attempts").to_number<int>(), 3);
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "callback never acknowledged";
}

TEST_F(MvnoHttp, AtMostFiveLinesPerIdNumber) {
  auto numbers = free_numbers(6);
  const std::string id = make_id("19880808", "004");
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(code(order("line" + std::to_string(i), numbers[i], occupy(numbers[i]), id)), "0000");
  EXPECT_EQ(code(order("line5", numbers[5], occupy(numbers[5]), id)), "3005");
  advance(60'000);
  EXPECT_EQ(check(id).at("data").at("rejectCode").as_string(), "3005");
}

TEST_F(MvnoHttp, RoutingAndFaultInjectorHooks) {
  EXPECT_EQ(code(call("/openapi/v1/nothing")), "1101");
  EXPECT_EQ(code(call("/openapi/v1/product/list", {}, {}, "PUT")), "1101");
  net::Request req{net::http::verb::post, "/openapi/v1/order/create", 11};
  EXPECT_EQ(sim_->operation_of(req), "order.create");
  auto res = sim_->business_error(req, "9002");
  EXPECT_EQ(res.result_int(), 200u);
  auto body = json::parse(res.body()).as_object();
  EXPECT_EQ(body.at("code").as_string(), "9002");
  EXPECT_TRUE(body.contains("msg"));
}
