// The request journal over real HTTP (mobile): masked headers and bodies
// with correlation fields, strict filters, count, verify and DELETE, per
// instance (default and namespaces).
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

namespace {

class SimKitJournal : public SimKit {
 protected:
  json::array requests(const std::string& query, const std::string& prefix = "") {
    return admin("GET", prefix + "/admin/requests" + query).at("requests").as_array();
  }
  int64_t count(const std::string& query, const std::string& prefix = "") {
    return admin("GET", prefix + "/admin/requests/count" + query).at("count").as_int64();
  }
};

TEST_F(SimKitJournal, EntriesHoldMaskedExchangesAndCorrelation) {
  const std::string id = make_id("042");
  const std::string order_id = place_order("", "PO-J1");
  auto entries = requests("?order_id=PO-J1");
  ASSERT_EQ(entries.size(), 1u);
  const auto& e = entries[0].as_object();
  EXPECT_EQ(e.at("operation").as_string(), "/open/v1/orders");
  EXPECT_EQ(e.at("partner_order_id").as_string(), "PO-J1");
  EXPECT_EQ(e.at("carrier_order_id").as_string(), order_id);  // from the reply
  EXPECT_EQ(e.at("msisdn").as_string().size(), 11u);
  EXPECT_FALSE(e.at("lock_id").as_string().empty());
  const auto& req = e.at("request").as_object();
  EXPECT_EQ(req.at("headers").at("X-Signature").as_string(), "***");
  EXPECT_EQ(req.at("headers").at("X-App-Id").as_string(), kAppId);
  const auto body = json::parse(req.at("body").as_string());
  EXPECT_EQ(body.at("certName").as_string(), "测***");
  const std::string cert(body.at("certNo").as_string());
  EXPECT_EQ(cert.find("**********"), 4u) << cert;
  EXPECT_FALSE(req.at("truncated").as_bool());
  const auto reply = json::parse(e.at("response").at("body").as_string());
  EXPECT_EQ(reply.at("data").at("orderId").as_string(), order_id);
  // No plaintext ID number anywhere in the journal.
  const std::string all = json::serialize(admin("GET", "/admin/requests?limit=5000"));
  EXPECT_EQ(all.find(id.substr(0, 10)), std::string::npos);
  EXPECT_EQ(all.find("测试用户"), std::string::npos);
}

TEST_F(SimKitJournal, UnknownFiltersAndBadValuesAreRefused) {
  auto r = send("GET", "/admin/requests?msisd=13800000000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("error").as_string(),
            "unknown filter 'msisd' (known: operation, msisdn, order_id, lock_id, since_ms, "
            "until_ms, limit)");
  r = send("GET", "/admin/requests?since_ms=yesterday");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("error").as_string().find("since_ms must be an integer"), 0u);
  r = send("GET", "/admin/requests?limit=0");
  EXPECT_EQ(r.status, 400) << r.body;
  r = send("GET", "/admin/requests/count?limit=5");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body).at("error").as_string().find("unknown filter 'limit'"), 0u);
  r = send("GET", "/admin/requests?msisdn=1&msisdn=2");
  EXPECT_EQ(r.status, 400);
  r = send("GET", "/admin/requests?since_ms=5&until_ms=4");
  EXPECT_EQ(r.status, 400);
}

TEST_F(SimKitJournal, FiltersCountVerifyAndDelete) {
  const std::string a = idle_number(""), b = idle_number("", 1);
  const auto lock_a = lock("", a);
  lock("", b);
  const std::string lock_id(json::parse(lock_a.body).at("data").at("lockId").as_string());
  EXPECT_EQ(count("?msisdn=" + a), 1);
  EXPECT_EQ(count("?lock_id=" + lock_id + "&msisdn=" + a), 1);
  EXPECT_EQ(count("?lock_id=" + lock_id + "&msisdn=" + b), 0);
  EXPECT_EQ(count("?operation=/open/v1/numbers/lock"), 2);
  const int64_t now = admin("GET", "/admin/clock").at("nowMs").as_int64();
  EXPECT_EQ(count("?until_ms=" + std::to_string(now)), 4);  // two listings, two locks
  EXPECT_EQ(count("?since_ms=" + std::to_string(now + 1)), 0);
  EXPECT_EQ(requests("?limit=1").size(), 1u);

  auto ok = admin("POST", "/admin/requests/verify",
                  json::object{{"filters", {{"msisdn", a}}}, {"count", 1}});
  EXPECT_TRUE(ok.at("ok").as_bool());
  auto no = admin(
      "POST", "/admin/requests/verify",
      json::object{{"filters", {{"operation", "/open/v1/numbers/lock"}}}, {"at_most", 1}}, 409);
  EXPECT_EQ(no.at("count").as_int64(), 2);
  admin("POST", "/admin/requests/verify", json::object{{"at_least", 3}});
  admin("POST", "/admin/requests/verify", json::object{{"count", 1}, {"at_least", 1}}, 400);
  admin("POST", "/admin/requests/verify",
        json::object{{"filters", {{"orderid", "x"}}}, {"count", 0}}, 400);

  // Per instance: clearing the default journal leaves a namespace's.
  make_ns("qa1");
  lock("/ns/qa1", idle_number("/ns/qa1"));
  EXPECT_EQ(admin("DELETE", "/admin/requests").at("removed").as_int64(), 4);
  EXPECT_EQ(count(""), 0);
  EXPECT_EQ(count("", "/ns/qa1"), 2);
  admin("DELETE", "/ns/qa1/admin/requests");
  EXPECT_EQ(count("", "/ns/qa1"), 0);
  lock("", idle_number("", 2));
  EXPECT_EQ(count(""), 2);
}

}  // namespace
