// The e2e suite: reservations, KYC and activations against the real mobile
// simulator (the suite: e2e_suite.hpp).
#include "e2e_suite.hpp"

#include <atomic>
#include <thread>

using namespace cgw::test;
using namespace cgw::test::e2e_suite;

TEST_F(E2E, ReservationLifecycle) {
  auto msisdn = fresh_number();
  auto r = reserve(msisdn);
  ASSERT_EQ(r.status, 201) << r.body;
  auto res = r.json().as_object();
  EXPECT_EQ(res.at("status").as_string(), "held");
  EXPECT_EQ(res.at("msisdn").as_string(), msisdn);
  std::string id(res.at("reservation_id").as_string());
  // Held: a second reservation fails and search no longer offers it.
  auto again = reserve(msisdn);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "NUMBER_UNAVAILABLE");
  auto found = api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array();
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(api("GET", "/v1/reservations/" + id).json().at("status").as_string(), "held");
  // Another tenant cannot see it.
  EXPECT_EQ(http("GET", env->gw_port, "/v1/reservations/" + id, {}, auth(kOtherKey)).status, 403);
  auto del = api("DELETE", "/v1/reservations/" + id);
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.json().at("status").as_string(), "released");
  EXPECT_EQ(reserve(msisdn).status, 201);
  // Bad input.
  const std::vector<std::pair<std::string, std::string>> key{{"Idempotency-Key", "bad-input"}};
  EXPECT_EQ(api("POST", "/v1/reservations", "{\"carrier\":\"mobile\"}", key).error_code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(
      api("POST", "/v1/reservations", "not json", {{"Idempotency-Key", "bad-json"}}).error_code(),
      "INVALID_JSON");
  EXPECT_EQ(
      api("POST", "/v1/reservations", "{\"carrier\":\"mobile\",\"msisdn\":\"13800000000\",\"x\":1}",
          {{"Idempotency-Key", "bad-field"}})
          .error_code(),
      "UNKNOWN_FIELD");
  auto no_key = api("POST", "/v1/reservations", "{\"carrier\":\"mobile\"}");
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.error_code(), "IDEMPOTENCY_KEY_REQUIRED");
  EXPECT_EQ(api("GET", "/v1/reservations/res_missing").status, 404);
}

TEST_F(E2E, ReservationIdempotencyKey) {
  auto msisdn = fresh_number();
  auto body = json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}});
  auto first = api("POST", "/v1/reservations", body, {{"Idempotency-Key", "hold-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = api("POST", "/v1/reservations", body, {{"Idempotency-Key", "hold-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  auto other = json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", fresh_number()}});
  EXPECT_EQ(api("POST", "/v1/reservations", other, {{"Idempotency-Key", "hold-1"}}).error_code(),
            "IDEMPOTENCY_KEY_REUSED");
  // Another key is a new request: the number is taken.
  EXPECT_EQ(api("POST", "/v1/reservations", body, {{"Idempotency-Key", "hold-2"}}).error_code(),
            "NUMBER_UNAVAILABLE");
}

TEST_F(E2E, OneNumberIsNeverSoldTwice) {
  auto msisdn = fresh_number();
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = reserve(msisdn);
      if (r.status == 201)
        ++created;
      else if (r.status == 409)
        ++conflicts;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
}

TEST_F(E2E, KycOutcomes) {
  struct Case {
    std::string id, result, reason;
  };
  const std::vector<Case> cases = {
      {make_id("19900101", "901"), "passed", ""},
      {make_id("19850505", "123"), "passed", ""},  // not magic: passes
      {make_id("19900101", "911"), "rejected", "ID_NAME_MISMATCH"},
      {make_id("19900101", "941"), "rejected", "FACE_MISMATCH"},
      {make_id("19900101", "961"), "rejected", "QUOTA_EXCEEDED"},
      {make_id("20150101", "123"), "rejected", "UNDERAGE"},
  };
  for (const auto& c : cases) {
    auto r = verify("测试用户", c.id);
    ASSERT_EQ(r.status, 200) << c.id << " " << r.body;
    auto v = r.json().as_object();
    EXPECT_EQ(v.at("result").as_string(), c.result) << c.id;
    if (!c.reason.empty()) {
      ASSERT_FALSE(v.at("reasons").as_array().empty()) << c.id;
      EXPECT_EQ(v.at("reasons").at(0).as_string(), c.reason) << c.id;
    }
    // Never echoed in full.
    EXPECT_EQ(r.body.find(c.id), std::string::npos);
    EXPECT_EQ(v.at("id_number_masked").as_string().size(), 18u);
  }
}

TEST_F(E2E, InvalidIdNumberIsRejectedWithoutACarrierCall) {
  auto before = http("GET", env->sim_port, "/admin/requests?limit=1000").json();
  auto bad = make_id("19900101", "123");
  bad.back() = bad.back() == '0' ? '1' : '0';  // break the check character
  auto r = verify("测试用户", bad);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("result").as_string(), "rejected");
  EXPECT_EQ(r.json().at("reasons").at(0).as_string(), "ID_INVALID");
  auto after = http("GET", env->sim_port, "/admin/requests?limit=1000").json();
  EXPECT_EQ(json::serialize(before), json::serialize(after));
}

TEST_F(E2E, ActivationEndToEndWithIdempotency) {
  auto plan = first_plan();
  auto msisdn = fresh_number();
  auto res = reserve(msisdn);
  ASSERT_EQ(res.status, 201) << res.body;
  std::string res_id(res.json().at("reservation_id").as_string());
  auto ver = verify("测试用户", make_id("19920202", "902"));
  std::string ver_id(ver.json().at("verification_id").as_string());
  auto body = json::serialize(activation_body(res_id, ver_id, plan));

  EXPECT_EQ(api("POST", "/v1/activations", body).error_code(), "IDEMPOTENCY_KEY_REQUIRED");
  auto a = api("POST", "/v1/activations", body, {{"Idempotency-Key", "order-1"}});
  ASSERT_EQ(a.status, 202) << a.body;
  std::string act_id(a.json().at("activation_id").as_string());
  EXPECT_EQ(a.json().at("status").as_string(), "pending");

  auto replay = api("POST", "/v1/activations", body, {{"Idempotency-Key", "order-1"}});
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(replay.body, a.body);
  EXPECT_EQ(replay.headers["idempotent-replayed"], "true");
  auto other = activation_body(res_id, ver_id, plan);
  other["plan_id"] = "another-plan";
  EXPECT_EQ(api("POST", "/v1/activations", json::serialize(other), {{"Idempotency-Key", "order-1"}})
                .error_code(),
            "IDEMPOTENCY_KEY_REUSED");

  auto done = wait_activation(act_id, "activated");
  ASSERT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  EXPECT_TRUE(done.at("carrier_order_id").is_string());
  EXPECT_EQ(done.at("msisdn").as_string(), msisdn);
  auto history = done.at("history").as_array();
  ASSERT_GE(history.size(), 3u);
  EXPECT_EQ(history.front().at("status").as_string(), "pending");
  EXPECT_EQ(history.back().at("status").as_string(), "activated");

  // The carrier saw exactly one order for it.
  int orders = 0;
  const auto state = sim_state();
  for (const auto& o : state.at("orders").as_array())
    if (o.at("partnerOrderId").as_string() == act_id) {
      ++orders;
      EXPECT_EQ(o.at("submitCount").to_number<int>(), 1);
      EXPECT_EQ(o.at("state").as_string(), "SUCCESS");
    }
  EXPECT_EQ(orders, 1);
  // Sold: never offered again, the reservation cannot be used twice.
  EXPECT_TRUE(api("GET", "/v1/numbers?prefix=" + msisdn).json().at("numbers").as_array().empty());
  EXPECT_EQ(api("POST", "/v1/activations", body, {{"Idempotency-Key", "order-2"}}).error_code(),
            "RESERVATION_NOT_HELD");
  EXPECT_EQ(api("GET", "/v1/activations/act_nope").status, 404);
}

TEST_F(E2E, ActivationRejectedByCarrierEndsFailed) {
  auto msisdn = fresh_number();
  std::string res_id(reserve(msisdn).json().at("reservation_id").as_string());
  std::string ver_id(
      verify("测试用户", make_id("19930303", "903")).json().at("verification_id").as_string());
  auto a =
      api("POST", "/v1/activations", json::serialize(activation_body(res_id, ver_id, "SIM-REJECT")),
          {{"Idempotency-Key", "order-reject"}});
  ASSERT_EQ(a.status, 202) << a.body;
  auto done = wait_activation(std::string(a.json().at("activation_id").as_string()), "failed");
  ASSERT_EQ(done.at("status").as_string(), "failed") << json::serialize(done);
  // Failed by the carrier after it accepted the order (not refused up front).
  EXPECT_TRUE(done.at("carrier_order_id").is_string()) << json::serialize(done);
  EXPECT_EQ(done.at("failure").at("code").as_string(), "CARRIER_REJECTED");
  EXPECT_NE(std::string(done.at("failure").at("message").as_string()).find("4008"),
            std::string::npos);
}

TEST_F(E2E, ActivationNeedsPassedVerification) {
  auto msisdn = fresh_number();
  std::string res_id(reserve(msisdn).json().at("reservation_id").as_string());
  std::string ver_id(
      verify("测试用户", make_id("19900101", "912")).json().at("verification_id").as_string());
  auto a =
      api("POST", "/v1/activations", json::serialize(activation_body(res_id, ver_id, first_plan())),
          {{"Idempotency-Key", "order-unverified"}});
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.error_code(), "VERIFICATION_NOT_PASSED");
}

TEST_F(E2E, CallbackWithBadSignatureIsRefused) {
  auto r = http("POST", env->gw_port, "/v1/callbacks/mobile",
                "{\"eventId\":\"E1\",\"orderId\":\"O1\",\"partnerOrderId\":\"act_x\","
                "\"orderState\":\"SUCCESS\"}",
                {{"X-App-Id", "demo-mobile-app"},
                 {"X-Timestamp", std::to_string(time(nullptr))},
                 {"X-Nonce", "abcdefabcdefabcdef"},
                 {"X-Signature", std::string(64, '0')}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "CALLBACK_REJECTED");
  EXPECT_EQ(http("POST", env->gw_port, "/v1/callbacks/nope", "{}").status, 404);
}

TEST_F(E2E, LimitsOnHeadersAndBodies) {
  auto big_header = http("GET", env->gw_port, "/healthz", {}, {{"X-Big", std::string(8000, 'a')}});
  EXPECT_EQ(big_header.status, 431);
  auto big_body = api("POST", "/v1/reservations", std::string(70000, ' '));
  EXPECT_EQ(big_body.status, 413);
  // Nesting deeper than 8 levels is refused before any field is looked at.
  const std::string deep = R"({"carrier":)" + std::string(9, '[') + std::string(9, ']') + "}";
  auto nested = api("POST", "/v1/reservations", deep, {{"Idempotency-Key", "deep"}});
  EXPECT_EQ(nested.status, 400);
  EXPECT_EQ(nested.error_code(), "INVALID_JSON");
}
