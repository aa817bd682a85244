// Fault rules with a match over real HTTP (mobile): by msisdn, order id,
// header and body field, counting only matching calls; through
// POST /admin/faults and a namespace's config; refused precisely.
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

namespace {

TEST_F(SimKit, FaultMatchingAnMsisdnFailsOnlyThatNumber) {
  const std::string a = idle_number(""), b = idle_number("", 1);
  auto added = admin("POST", "/admin/faults",
                     json::object{{"operation", "/open/v1/numbers/lock"},
                                  {"kind", "business_error"},
                                  {"code", "3002"},
                                  {"every", 1},
                                  {"match", {{"msisdn", a}}}},
                     201);
  EXPECT_EQ(added.at("faults").at(0).at("match").at("msisdn").as_string(), a);
  EXPECT_EQ(code(lock("", b)), "0");
  EXPECT_EQ(code(lock("", a)), "3002");
  const auto rule = admin("GET", "/admin/faults").at("faults").at(0).as_object();
  EXPECT_EQ(rule.at("seen").as_int64(), 1);  // b's lock did not count
  EXPECT_EQ(rule.at("fired").as_int64(), 1);
  // The journal names the faulted call by its number.
  auto faulted = admin("GET", "/admin/requests?msisdn=" + a).at("requests").as_array();
  ASSERT_EQ(faulted.size(), 1u);
  EXPECT_EQ(faulted[0].at("fault").as_string(), "business_error");
}

TEST_F(SimKit, FaultMatchingHeaderBodyFieldAndOrderIdCountsMatchingCallsOnly) {
  admin("POST", "/admin/faults",
        json::object{
            {"operation", "/open/v1/numbers/lock"},
            {"kind", "http_status"},
            {"status", 503},
            {"first", 1},
            {"match", {{"header", {{"x-app-id", kAppId}}}, {"body", {{"holdMinutes", "5"}}}}}},
        201);
  const std::string a = idle_number(""), b = idle_number("", 1);
  auto plain = lock("", a);  // holdMinutes 0: no match, not counted
  EXPECT_EQ(plain.status, 200);
  auto held = signed_call("POST", "/open/v1/numbers/lock",
                          json::serialize(json::object{{"number", b}, {"holdMinutes", 5}}));
  EXPECT_EQ(held.status, 503);  // the first matching call, though the second lock
  admin("DELETE", "/admin/faults");

  admin("POST", "/admin/faults",
        json::object{{"operation", "/open/v1/orders"},
                     {"kind", "business_error"},
                     {"code", "9999"},
                     {"match", {{"order_id", "PO-M2"}}}},
        201);
  place_order("", "PO-M1");  // succeeds (EXPECTs code 0 inside)
  const std::string number = idle_number("");
  auto l = lock("", number);
  const std::string lock_id(json::parse(l.body).at("data").at("lockId").as_string());
  auto body = json::object{{"partnerOrderId", "PO-M2"},
                           {"number", number},
                           {"lockId", lock_id},
                           {"planCode", "MB-5G-ZX-59"},
                           {"certName", "测试用户"},
                           {"certNo", make_id("077")},
                           {"contact", json::object{{"name", ""}, {"phone", ""}, {"address", ""}}},
                           {"notifyUrl", partner_->url()}};
  EXPECT_EQ(code(signed_call("POST", "/open/v1/orders", json::serialize(body))), "9999");
}

TEST_F(SimKit, FaultMatchInANamespaceAndItsErrors) {
  make_ns("m1", json::object{{"faults", json::array{json::object{
                                            {"kind", "reset"},
                                            {"match", {{"body", {{"number", "13000000000"}}}}}}}}});
  EXPECT_EQ(
      admin("GET", "/ns/m1/admin/faults").at("faults").at(0).at("match").at("body").at("number"),
      "13000000000");
  auto r =
      send("POST", "/admin/namespaces",
           json::serialize(json::object{
               {"name", "m2"},
               {"faults",
                json::array{json::object{{"kind", "reset"}, {"match", {{"msisdn", "12"}}}}}}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(),
            "faults: faults[0]: match.msisdn must be 11 digits");
  r = send("POST", "/admin/faults",
           json::serialize(json::object{{"kind", "reset"}, {"match", {{"tenant", "x"}}}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(),
            "match: unknown key 'tenant' (known: msisdn, order_id, header, body)");
}

}  // namespace
