// More of sim_telecom_http_test: TelecomHttp, TelecomSimConfig (shared
// fixtures: sim_telecom_http_fixture.hpp).
#include "sim_telecom_http_fixture.hpp"

using namespace telecom_http;

TEST_F(TelecomHttp, ActivationInThreeCallsEndsByASignedCallback) {
  const std::string number = free_numbers(1).at(0);
  const std::string rid = reserve(number);
  auto created =
      call("/api/v1/orders/create", create_body("act_1", number, rid, make_id("19900101", "901")));
  ASSERT_EQ(created.code(), "0") << created.body;
  EXPECT_EQ(created.get("Status"), "CREATED");
  EXPECT_EQ(created.get("PartnerOrderId"), "act_1");
  const std::string id = created.get("OrderId");
  // Confirm needs the photos first; a photo whose bytes are not its format
  // is refused.
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", id))).code(), "50003");
  EXPECT_EQ(call("/api/v1/orders/photos", photos(id, kJpeg, "PNG")).code(), "50005");
  EXPECT_EQ(call("/api/v1/orders/photos", photos("TO404")).code(), "50001");
  EXPECT_EQ(query(id).get("Status"), "CREATED");
  auto uploaded = call("/api/v1/orders/photos", photos(id, kJpeg, "JPEG"));
  ASSERT_EQ(uploaded.code(), "0") << uploaded.body;
  EXPECT_EQ(uploaded.get("Status"), "PHOTOS_UPLOADED");
  auto confirmed = call("/api/v1/orders/confirm", request(el("OrderId", id)));
  ASSERT_EQ(confirmed.get("Status"), "PROCESSING") << confirmed.body;
  // Confirming again answers the current status; photos are closed now.
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", id))).get("Status"), "PROCESSING");
  EXPECT_EQ(call("/api/v1/orders/photos", photos(id)).code(), "50002");
  EXPECT_EQ(call("/api/v1/orders/query", request(el("PartnerOrderId", "act_1"))).get("OrderId"),
            id);
  EXPECT_TRUE(partner_->received().empty());

  advance(60'000);
  // One callback per reported status: SHIPPED on the way, then ACTIVATED
  // (deliveries may overtake each other).
  auto got = wait_callbacks(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].signature_ok);
  EXPECT_TRUE(got[1].signature_ok);
  const bool activated_last = got[1].body.find("<Status>ACTIVATED</Status>") != std::string::npos;
  EXPECT_NE(got[activated_last ? 0 : 1].body.find("<Status>SHIPPED</Status>"), std::string::npos);
  pugi::xml_document notify;
  ASSERT_TRUE(notify.load_string(got[activated_last ? 1 : 0].body.c_str()));
  auto n = notify.document_element();
  EXPECT_STREQ(n.name(), "Notify");
  EXPECT_STREQ(n.child_value("OrderId"), id.c_str());
  EXPECT_STREQ(n.child_value("PartnerOrderId"), "act_1");
  EXPECT_STREQ(n.child_value("Status"), "ACTIVATED");
  EXPECT_STREQ(n.child_value("EventType"), "ORDER_STATUS");
  EXPECT_TRUE(std::string(n.child_value("EventId")).starts_with("EV"));
  token_ = fetch_token();  // the 60 s token expired with the clock
  EXPECT_EQ(query(id).get("Status"), "ACTIVATED");
  // Acknowledged once; the number is sold.
  auto acknowledged = [&] {
    const json::value state = admin("GET", "/admin/state");
    int n = 0;
    for (const auto& cb : state.at("callbacks").as_array()) n += cb.at("acknowledged").as_bool();
    return n;
  };
  for (int i = 0; i < 50 && acknowledged() < 2; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(acknowledged(), 2);
  EXPECT_EQ(call("/api/v1/numbers/reserve", request(el("Msisdn", number))).code(), "30002");
}

TEST_F(TelecomHttp, OrdersAreDeduplicatedOnThePartnerOrderId) {
  auto nums = free_numbers(2);
  const std::string rid = reserve(nums[0]);
  const std::string cert = make_id("19910101", "123");
  auto first = call("/api/v1/orders/create", create_body("act_dup", nums[0], rid, cert));
  auto again = call("/api/v1/orders/create", create_body("act_dup", nums[0], rid, cert));
  ASSERT_EQ(again.code(), "0");
  EXPECT_EQ(again.get("OrderId"), first.get("OrderId"));
  EXPECT_EQ(again.get("Status"), "CREATED");
  EXPECT_EQ(
      call("/api/v1/orders/create", create_body("act_dup", nums[1], reserve(nums[1]), cert)).code(),
      "50004");
  ASSERT_EQ(call("/api/v1/orders/photos", photos(first.get("OrderId"))).code(), "0");
  // A resubmission after the photos finds the order where it stands.
  EXPECT_EQ(call("/api/v1/orders/create", create_body("act_dup", nums[0], rid, cert)).get("Status"),
            "PHOTOS_UPLOADED");
  auto orders = admin("GET", "/admin/telecom/orders").at("orders").as_array();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].at("createCount"), 3);
  EXPECT_EQ(orders[0].at("photoUploads"), 1);
}

TEST_F(TelecomHttp, OrderRefusals) {
  auto nums = free_numbers(3);
  const std::string rid = reserve(nums[0]);
  const std::string good = make_id("19900101", "123");
  auto refused = [&](const std::string& body) {
    return call("/api/v1/orders/create", body).code();
  };
  EXPECT_EQ(refused(create_body("o1", nums[0], rid, make_id("19900101", "911"))), "40002");
  EXPECT_EQ(refused(create_body("o2", nums[0], rid, make_id("19900101", "991"))), "90002");
  EXPECT_EQ(refused(create_body("o3", nums[0], rid, good, "CT-NOPE")), "30005");
  EXPECT_EQ(refused(create_body("o4", nums[1], rid, good)), "30004");
  EXPECT_EQ(refused(create_body("o5", nums[0], "RS-unknown", good)), "30003");
  // A reservation that expires between create and confirm fails the confirm.
  const std::string short_rid =
      call("/api/v1/numbers/reserve", request(el("Msisdn", nums[2]) + el("HoldSeconds", "60")))
          .get("ReserveId");
  auto c = call("/api/v1/orders/create", create_body("o6", nums[2], short_rid, good));
  ASSERT_EQ(c.code(), "0");
  ASSERT_EQ(call("/api/v1/orders/photos", photos(c.get("OrderId"))).code(), "0");
  advance(61'000);
  token_ = fetch_token();
  EXPECT_EQ(call("/api/v1/orders/confirm", request(el("OrderId", c.get("OrderId")))).code(),
            "30003");
  EXPECT_EQ(query(c.get("OrderId")).get("Status"), "PHOTOS_UPLOADED");
  EXPECT_EQ(query("TO000").code(), "50001");
}

TEST_F(TelecomHttp, MagicPlansSteerTheOutcome) {
  const std::string rejected = activate("act_rej", "SIM-REJECT");
  const std::string silent = activate("act_silent", "SIM-NOCALLBACK");
  const std::string stuck = activate("act_stuck", "SIM-STUCK");
  advance(60'000);
  auto got = wait_callbacks(1);
  std::this_thread::sleep_for(200ms);  // no second callback may follow
  got = partner_->received();
  ASSERT_EQ(got.size(), 1u);
  pugi::xml_document n;
  ASSERT_TRUE(n.load_string(got[0].body.c_str()));
  EXPECT_STREQ(n.document_element().child_value("Status"), "FAILED");
  EXPECT_STREQ(n.document_element().child_value("FailCode"), "40008");
  token_ = fetch_token();
  EXPECT_EQ(query(rejected).get("FailCode"), "40008");
  EXPECT_EQ(query(silent).get("Status"), "ACTIVATED");
  EXPECT_EQ(query(stuck).get("Status"), "PROCESSING");
}

TEST_F(TelecomHttp, CallbackIsRetriedUntilAcknowledged) {
  partner_->fail_first = 2;
  activate("act_retry", "CT-XK-19");
  advance(20'001);  // SHIPPED: the first callback
  ASSERT_GE(wait_callbacks(1).size(), 1u);
  advance(1'000);  // backoff 1 s, then 2 s, on the simulated clock
  ASSERT_GE(wait_callbacks(2).size(), 2u);
  advance(2'000);
  auto got = wait_callbacks(3);
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_TRUE(r.signature_ok);
    EXPECT_EQ(r.body, got[0].body);  // the same event each time
  }
}

TEST_F(TelecomHttp, FaultInjectorHooksSpeakThisProtocol) {
  net::Request req{net::http::verb::post, "/api/v1/orders/confirm?x=1", 11};
  EXPECT_EQ(sim_->operation_of(req), "orders.confirm");
  auto res = sim_->business_error(req, "90001");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[net::http::field::content_type], "application/xml; charset=utf-8");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(res.body().c_str()));
  EXPECT_STREQ(doc.document_element().child_value("Code"), "90001");
  EXPECT_EQ(sim_->business_error(req, "10003").result_int(), 401);
  net::Request tok{net::http::verb::post, "/oauth/token", 11};
  EXPECT_EQ(sim_->operation_of(tok), "oauth.token");
  auto oauth = sim_->business_error(tok, "invalid_client");
  EXPECT_EQ(oauth.result_int(), 401);
  EXPECT_EQ(json::parse(oauth.body()).at("error"), "invalid_client");
}

TEST(TelecomSimConfig, SettingsFromTheConfigFile) {
  cgw::sim::SimulatorConfig c;
  c.carrier = "telecom";
  c.app_id = "app";
  c.secret = "secret";
  EXPECT_THROW(cgw::sim::telecom::settings_from(c), std::invalid_argument);  // no callback secret
  c.settings["callback_secret"] = "cb";
  EXPECT_EQ(cgw::sim::telecom::settings_from(c).token_ttl_s, 300);
  c.settings["token_ttl_s"] = "2";
  auto s = cgw::sim::telecom::settings_from(c);
  EXPECT_EQ(s.token_ttl_s, 2);
  EXPECT_EQ(s.client_id, "app");
  EXPECT_EQ(s.callback_secret, "cb");
  for (std::string bad : {"0", "86401", "2s", ""}) {
    c.settings["token_ttl_s"] = bad;
    EXPECT_THROW(cgw::sim::telecom::settings_from(c), std::invalid_argument) << bad;
  }
  c.settings["token_ttl_s"] = "60";
  c.settings["tokn_ttl_s"] = "60";
  EXPECT_THROW(cgw::sim::telecom::settings_from(c), std::invalid_argument);
}
