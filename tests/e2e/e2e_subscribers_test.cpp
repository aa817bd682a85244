// The subscriber services end to end (docs/after-sales.md "Subscriber
// services") with the real cgw-sim (mobile) and cgw-gateway: a number sold
// through the gateway is queried, topped up exactly once per key, suspended
// and resumed, and gets a new SIM after the holder's identity is checked; a
// carrier-initiated suspension reaches the tenant as a webhook; another
// tenant sees none of it; a key without the scopes is refused.
#include "harness.hpp"
#include "webhook_receiver.hpp"

#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <set>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "subs-tenant-key";
const std::string kOtherKey = "subs-other-key";
const std::string kReadOnlyKey = "subs-read-only-key";
const std::string kIdNumber = "11010519491231002X";  // a published example; passes
const std::string kName = "测试";

struct Env {
  Stack stack{"cgw_e2e_subscribers"};
  std::unique_ptr<cgw::reliability::WebhookReceiver> hooks;
  uint16_t sim_port = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}, const std::string& key = kKey) {
  return api_call(env->stack.gw_port, key, method, target, body, extra);
}
HttpResult sim(const std::string& method, const std::string& target, const std::string& body = {}) {
  return http(method, env->sim_port, target, body);
}
std::string header(const HttpResult& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}
Headers keyed(const std::string& key) {
  return {{"Idempotency-Key", key}, {"Content-Type", "application/json"}};
}

class Subscribers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    const std::string secret = "subscribers-test-webhook-secret";
    env->hooks = std::make_unique<cgw::reliability::WebhookReceiver>(secret, 0);
    ASSERT_EQ(env->hooks->start(), "");
    SimSpec mobile("mobile", 17, 2000);
    mobile.activation_delay_ms = 100;
    // No simulated first top-up: the balances the test checks are its own.
    mobile.extra = "    first_topup_delay_ms: -1\n";
    ASSERT_EQ(env->stack.start_sim(sim_config({mobile})), "");
    env->sim_port = env->stack.sim_port("mobile");
    GatewaySpec gw;
    gw.limits = "{shutdown_grace_ms: 2000}";
    gw.extra = "webhooks: {initial_backoff_ms: 200, max_backoff_ms: 2000, scan_interval_ms: 100}\n";
    gw.tenants = {
        TenantSpec("demo", {kKey},
                   "    webhook: {url: 'http://127.0.0.1:" + std::to_string(env->hooks->port()) +
                       "/hooks', secret: whsec_" + cgw::crypto::base64_encode(secret) + "}\n"),
        TenantSpec("other", {kOtherKey}),
        TenantSpec("reader", {KeySpec(kReadOnlyKey, "reader", "[subscribers:read]")})};
    CarrierSpec mobile_gw("mobile", env->stack.sim_url("mobile"));
    mobile_gw.activation_poll_interval_s = 1;
    gw.carriers = {mobile_gw};
    ASSERT_EQ(env->stack.start_gateway(gateway_config(gw)), "");
    ASSERT_TRUE(wait_first_sync(env->stack.gw_port, kKey, 1, 20s));
  }
  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }

  // A number sold to tenant demo: reserved, verified, activated.
  static std::pair<std::string, std::string> sold_number() {
    static std::set<std::string> used;
    const auto msisdn = fresh_number(env->stack.gw_port, kKey, "mobile", used);
    auto r = api("POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                 keyed("res-" + msisdn));
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = api("POST", "/v1/kyc/verifications",
                 json::serialize(json::object{
                     {"carrier", "mobile"}, {"name", kName}, {"id_number", kIdNumber}}));
    EXPECT_EQ(v.status, 200) << v.body;
    auto plans = api("GET", "/v1/plans?carrier=mobile").json();
    json::object body{{"reservation_id", r.json().at("reservation_id")},
                      {"plan_id", plans.at("plans").at(0).at("plan_id")},
                      {"verification_id", v.json().at("verification_id")},
                      {"delivery", json::object{{"name", kName},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
    auto a = api("POST", "/v1/activations", json::serialize(body), keyed("act-" + msisdn));
    EXPECT_EQ(a.status, 202) << a.body;
    const std::string id(a.json().at("activation_id").as_string());
    auto done = wait_activation(env->stack.gw_port, kKey, id, {"activated", "first_topup"});
    EXPECT_FALSE(done.is_null()) << "activation " << id << " did not reach activated";
    return {msisdn, id};
  }
  // The carrier's top-ups of the partner's recharge `id` (admin view).
  static std::vector<json::value> carrier_recharges(const std::string& id) {
    std::vector<json::value> out;
    auto lines = sim("GET", "/admin/lines").json();
    for (const auto& r : lines.at("recharges").as_array())
      if (r.at("partnerRechargeId").as_string() == id) out.push_back(r);
    return out;
  }
  static HttpResult recharge(const std::string& msisdn, int64_t fen, const std::string& key) {
    return api("POST", "/v1/subscribers/" + msisdn + "/recharges",
               json::serialize(json::object{{"amount_fen", fen}}), keyed(key));
  }
  static json::object replacement_body(const std::string& name, const std::string& id_number) {
    return json::object{{"name", name},
                        {"id_number", id_number},
                        {"reason", "lost"},
                        {"delivery", json::object{{"name", name},
                                                  {"phone", "13900000001"},
                                                  {"address", "北京市东城区测试路2号"}}}};
  }
};

}  // namespace

TEST_F(Subscribers, ASoldNumberIsQueriedAndToppedUpOncePerKey) {
  const auto [msisdn, activation] = sold_number();
  auto q = api("GET", "/v1/subscribers/" + msisdn);
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.json().at("status").as_string(), "active");
  EXPECT_EQ(q.json().at("carrier").as_string(), "mobile");
  const int64_t before = q.json().at("balance_fen").as_int64();

  auto r = recharge(msisdn, 5000, "top-1");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "succeeded");
  const std::string id(r.json().at("recharge_id").as_string());
  auto again = recharge(msisdn, 5000, "top-1");
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(header(again, "idempotent-replayed"), "true");
  EXPECT_EQ(again.json().at("recharge_id").as_string(), id);
  EXPECT_EQ(recharge(msisdn, 7000, "top-1").error_code(), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(carrier_recharges(id).size(), 1u);
  EXPECT_EQ(api("GET", "/v1/subscribers/" + msisdn).json().at("balance_fen").as_int64(),
            before + 5000);
  auto got = api("GET", "/v1/recharges/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json().at("amount_fen").as_int64(), 5000);
  EXPECT_EQ(recharge(msisdn, 0, "top-2").error_code(), "INVALID_ARGUMENT");
  EXPECT_EQ(
      api("POST", "/v1/subscribers/" + msisdn + "/recharges", R"({"amount_fen":100})").error_code(),
      "IDEMPOTENCY_KEY_REQUIRED");
}

// A tenant sees only numbers it sold: another tenant's is 404
// SUBSCRIBER_NOT_FOUND on every route, as is a number never sold, and
// another tenant's top-up is 404; a key without subscribers:write is 403.
TEST_F(Subscribers, OnlyTheSellingTenantReachesTheLine) {
  const auto [msisdn, activation] = sold_number();
  auto r = recharge(msisdn, 100, "iso-1");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id(r.json().at("recharge_id").as_string());
  const std::string base = "/v1/subscribers/" + msisdn;
  for (const auto& [method, path, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", base, ""},
           {"POST", base + "/recharges", R"({"amount_fen":100})"},
           {"POST", base + "/suspend", ""},
           {"POST", base + "/resume", ""},
           {"POST", base + "/sim-replacements",
            json::serialize(replacement_body(kName, kIdNumber))}}) {
    auto o = api(method, path, body, keyed("other-" + path), kOtherKey);
    EXPECT_EQ(o.status, 404) << method << " " << path << " " << o.body;
    EXPECT_EQ(o.error_code(), "SUBSCRIBER_NOT_FOUND") << path;
  }
  EXPECT_EQ(api("GET", "/v1/recharges/" + id, "", {}, kOtherKey).status, 404);
  EXPECT_EQ(api("GET", "/v1/subscribers/13000000000").error_code(), "SUBSCRIBER_NOT_FOUND");
  EXPECT_EQ(api("GET", "/v1/subscribers/123").error_code(), "INVALID_ARGUMENT");
  auto ro = api("POST", base + "/recharges", R"({"amount_fen":100})", keyed("ro-1"), kReadOnlyKey);
  EXPECT_EQ(ro.status, 403) << ro.body;
  // The read-only key's tenant did not sell it either: 404 once allowed.
  EXPECT_EQ(api("GET", base, "", {}, kReadOnlyKey).status, 404);
}

TEST_F(Subscribers, SuspendAndResumeAtTheHoldersRequest) {
  const auto [msisdn, activation] = sold_number();
  const std::string base = "/v1/subscribers/" + msisdn;
  auto s = api("POST", base + "/suspend", R"({"reason":"lost_phone"})", keyed("sus-1"));
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_EQ(s.json().at("status").as_string(), "suspended");
  auto replay = api("POST", base + "/suspend", R"({"reason":"lost_phone"})", keyed("sus-1"));
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(header(replay, "idempotent-replayed"), "true");
  EXPECT_EQ(api("GET", base).json().at("status").as_string(), "suspended");
  auto r = api("POST", base + "/resume", "", keyed("res-1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "active");
  EXPECT_EQ(header(r, "idempotent-replayed"), "");
}

// The carrier suspends the line on its own (pending re-verification): the
// selling tenant gets a subscriber.suspended webhook, and cannot lift the
// suspension through the API (409 CARRIER_REJECTED).
TEST_F(Subscribers, ACarrierSuspensionIsPushedAndCannotBeResumedByThePartner) {
  // A copy, not the structured binding: C++20 lambdas may not capture one.
  const auto sold = sold_number();
  const std::string msisdn = sold.first;
  const std::string activation = sold.second;
  auto s = sim("POST", "/admin/lines/" + msisdn + "/suspend", R"({"reason":"reverification"})");
  ASSERT_EQ(s.status, 200) << s.body;
  ASSERT_TRUE(
      wait_until([&] { return env->hooks->statuses(activation).count("suspended") > 0; }, 15s))
      << "no subscriber.suspended webhook for " << activation;
  auto r = api("POST", "/v1/subscribers/" + msisdn + "/resume", "", keyed("cres-1"));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "CARRIER_REJECTED");
  ASSERT_EQ(sim("POST", "/admin/lines/" + msisdn + "/resume").status, 200);
  EXPECT_TRUE(
      wait_until([&] { return env->hooks->statuses(activation).count("active") > 0; }, 15s));
  EXPECT_EQ(env->hooks->bad_signatures(), 0);
}

// The holder's identity is checked by the gateway against the sale's
// verification before the carrier is asked; the owner gets a new SIM,
// tracked to its end like an order.
TEST_F(Subscribers, ASimReplacementNeedsTheOwnerAndIsTrackedLikeAnOrder) {
  const auto [msisdn, activation] = sold_number();
  const std::string path = "/v1/subscribers/" + msisdn + "/sim-replacements";
  auto wrong = api("POST", path, json::serialize(replacement_body(kName, "110105194912310037")),
                   keyed("rpl-wrong"));
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  EXPECT_EQ(wrong.error_code(), "IDENTITY_MISMATCH");
  EXPECT_EQ(wrong.body.find("110105194912310037"), std::string::npos);

  auto ok = api("POST", path, json::serialize(replacement_body(kName, kIdNumber)), keyed("rpl-1"));
  ASSERT_EQ(ok.status, 202) << ok.body;
  EXPECT_EQ(ok.body.find(kIdNumber), std::string::npos);
  const std::string id(ok.json().at("replacement_id").as_string());
  std::string status;
  ASSERT_TRUE(wait_until(
      [&] {
        auto g = api("GET", "/v1/sim-replacements/" + id);
        status = g.status == 200 ? std::string(g.json().at("status").as_string()) : "";
        return status == "activated";
      },
      30s))
      << "replacement " << id << " stuck at " << status;
  auto replay =
      api("POST", path, json::serialize(replacement_body(kName, kIdNumber)), keyed("rpl-1"));
  EXPECT_EQ(header(replay, "idempotent-replayed"), "true");
  EXPECT_EQ(replay.json().at("replacement_id").as_string(), id);
  EXPECT_EQ(api("GET", "/v1/sim-replacements/" + id, "", {}, kOtherKey).status, 404);
}
