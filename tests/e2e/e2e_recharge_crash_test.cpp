// Top-ups are exactly once at the carrier (docs/after-sales.md "Exactly-once
// top-ups", docs/reliability.md "Top-ups"), end to end with the real cgw-sim
// (mobile) and cgw-gateway: the gateway is killed with SIGKILL between the
// carrier's answer and the store write (the crash point recharge.answered,
// armed by CGW_TEST_CRASH_AT), restarted on the same store, and a retry of
// the same Idempotency-Key, or the recovery at start alone, settles the
// top-up with ONE top-up at the carrier. A top-up the carrier never
// received is sent again under the same id, once.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <set>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "crash-tenant-key";
const std::string kIdNumber = "11010519491231002X";  // a published example; passes
constexpr const char* kCrashEnv = "CGW_TEST_CRASH_AT";

struct Env {
  Stack stack{"cgw_e2e_recharge_crash"};
  std::unique_ptr<Process> gateway;  // one Process per start
  uint16_t sim_port = 0, gw_port = 0;
  int starts = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}
HttpResult sim(const std::string& method, const std::string& target, const std::string& body = {}) {
  return http(method, env->sim_port, target, body);
}
Headers keyed(const std::string& key) {
  return {{"Idempotency-Key", key}, {"Content-Type", "application/json"}};
}

class RechargeCrash : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    SimSpec mobile("mobile", 23, 1000);
    mobile.activation_delay_ms = 100;
    // No simulated first top-up: the balances the test checks are its own.
    mobile.extra = "    first_topup_delay_ms: -1\n";
    ASSERT_EQ(env->stack.start_sim(sim_config({mobile})), "");
    env->sim_port = env->stack.sim_port("mobile");
    std::ofstream(env->stack.dir / "pii.key") << std::string(64, 'd');
  }
  static void TearDownTestSuite() {
    if (env->gateway) env->gateway->stop(SIGKILL, 5s);
    env->stack.finish();
    delete env;
    env = nullptr;
  }
  void TearDown() override {
    if (env->gateway) env->gateway->stop(SIGTERM, 10s);
    sim("DELETE", "/admin/faults");
  }

  // (Re)starts the gateway on the suite's store; `crash_at` arms the crash
  // point (the child inherits the environment at its start only).
  static void start_gateway(const char* crash_at = nullptr) {
    GatewaySpec gw;
    gw.limits = "{shutdown_grace_ms: 2000}";
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec mobile("mobile", env->stack.sim_url("mobile"));
    mobile.activation_poll_interval_s = 1;
    mobile.extra = "    request_timeout_ms: 2000\n    max_retries: 0\n";
    gw.carriers = {mobile};
    if (crash_at) ::setenv(kCrashEnv, crash_at, 1);
    env->gateway = std::make_unique<Process>();
    const auto started = env->stack.start_gateway_into(*env->gateway, env->gw_port,
                                                       "gateway" + std::to_string(++env->starts),
                                                       gateway_config(gw), 15s);
    ::unsetenv(kCrashEnv);
    ASSERT_EQ(started, "");
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, 1, 15s));
  }

  // A number sold to the tenant (activated through the gateway).
  static std::string sold_number() {
    static std::set<std::string> used;
    const auto msisdn = fresh_number(env->gw_port, kKey, "mobile", used);
    auto r = api("POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                 keyed("res-" + msisdn));
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = api("POST", "/v1/kyc/verifications",
                 json::serialize(json::object{
                     {"carrier", "mobile"}, {"name", "测试"}, {"id_number", kIdNumber}}));
    EXPECT_EQ(v.status, 200) << v.body;
    auto plans = api("GET", "/v1/plans?carrier=mobile").json();
    json::object body{{"reservation_id", r.json().at("reservation_id")},
                      {"plan_id", plans.at("plans").at(0).at("plan_id")},
                      {"verification_id", v.json().at("verification_id")},
                      {"delivery", json::object{{"name", "测试"},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
    auto a = api("POST", "/v1/activations", json::serialize(body), keyed("act-" + msisdn));
    EXPECT_EQ(a.status, 202) << a.body;
    auto done =
        wait_activation(env->gw_port, kKey, std::string(a.json().at("activation_id").as_string()),
                        {"activated", "first_topup"});
    EXPECT_FALSE(done.is_null());
    return msisdn;
  }
  static HttpResult recharge(const std::string& msisdn, int64_t fen, const std::string& key) {
    return api("POST", "/v1/subscribers/" + msisdn + "/recharges",
               json::serialize(json::object{{"amount_fen", fen}}), keyed(key));
  }
  // The partner's top-ups of `msisdn` at the carrier (its admin view; the
  // simulated first top-up has no partner id and is left out).
  static std::vector<json::value> carrier_topups(const std::string& msisdn) {
    std::vector<json::value> out;
    auto res = sim("GET", "/admin/lines");
    EXPECT_EQ(res.status, 200) << res.body;
    // Kept in a variable: a range-for does not extend the life of a
    // temporary behind .at().
    const json::value lines = res.json();
    for (const auto& r : lines.at("recharges").as_array())
      if (r.at("msisdn").as_string() == msisdn && !r.at("partnerRechargeId").as_string().empty())
        out.push_back(r);
    return out;
  }
  static int64_t carrier_balance(const std::string& msisdn) {
    const json::value lines = sim("GET", "/admin/lines").json();
    for (const auto& l : lines.at("lines").as_array())
      if (l.at("msisdn").as_string() == msisdn) return l.at("balanceFen").as_int64();
    ADD_FAILURE() << "no line " << msisdn << " at the carrier";
    return 0;
  }
};

}  // namespace

// SIGKILL after the carrier topped up and answered, before the store heard
// of it; then the same key again: the carrier's one top-up, found by its
// recharge query, never a second.
TEST_F(RechargeCrash, ARetryAfterACrashBetweenAnswerAndStoreTopsUpOnce) {
  start_gateway();
  const auto msisdn = sold_number();
  env->gateway->stop(SIGTERM, 10s);
  const int64_t balance = carrier_balance(msisdn);

  start_gateway("recharge.answered");
  auto first = recharge(msisdn, 3000, "crash-top-1");
  EXPECT_EQ(first.status, 0) << "the gateway answered: " << first.body;
  // Killed at the crash point (the connection closes as it dies).
  EXPECT_TRUE(wait_until([&] { return !env->gateway->running(); }, 5s));
  auto at_carrier = carrier_topups(msisdn);
  ASSERT_EQ(at_carrier.size(), 1u);  // the carrier did top up
  const std::string id(at_carrier[0].at("partnerRechargeId").as_string());

  start_gateway();
  auto retry = recharge(msisdn, 3000, "crash-top-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.json().at("recharge_id").as_string(), id);
  EXPECT_EQ(retry.json().at("status").as_string(), "succeeded");
  at_carrier = carrier_topups(msisdn);
  ASSERT_EQ(at_carrier.size(), 1u) << "a second top-up at the carrier";
  EXPECT_EQ(at_carrier[0].at("requestCount").as_int64(), 1) << "the top-up was sent again";
  EXPECT_EQ(carrier_balance(msisdn), balance + 3000);
}

// The same crash, and no retry at all: the recovery at start settles the
// top-up by the carrier's recharge query.
TEST_F(RechargeCrash, TheRecoveryAtStartSettlesItWithoutARetry) {
  start_gateway();
  const auto msisdn = sold_number();
  env->gateway->stop(SIGTERM, 10s);

  start_gateway("recharge.answered");
  EXPECT_EQ(recharge(msisdn, 1500, "crash-top-2").status, 0);
  auto at_carrier = carrier_topups(msisdn);
  ASSERT_EQ(at_carrier.size(), 1u);
  const std::string id(at_carrier[0].at("partnerRechargeId").as_string());

  start_gateway();
  std::string status;
  EXPECT_TRUE(wait_until(
      [&] {
        auto r = api("GET", "/v1/recharges/" + id);
        status = r.status == 200 ? std::string(r.json().at("status").as_string()) : "";
        return status == "succeeded";
      },
      15s))
      << "still " << status;
  EXPECT_EQ(carrier_topups(msisdn).size(), 1u);
  EXPECT_EQ(carrier_topups(msisdn)[0].at("requestCount").as_int64(), 1);
}

// A top-up lost before the carrier saw it (the request dropped): the answer
// is 202 submitting; the retry asks, hears not_found, and sends it again
// under the same id: one top-up.
TEST_F(RechargeCrash, ATopUpTheCarrierNeverReceivedIsSentAgainOnce) {
  start_gateway();
  const auto msisdn = sold_number();
  const int64_t balance = carrier_balance(msisdn);
  ASSERT_EQ(sim("POST", "/admin/faults",
                R"({"operation":"/open/v1/recharges","kind":"timeout","hold_ms":5000,"first":1})")
                .status,
            201);
  auto first = recharge(msisdn, 2000, "lost-top-1");
  ASSERT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(first.json().at("status").as_string(), "submitting");
  const std::string id(first.json().at("recharge_id").as_string());
  EXPECT_TRUE(carrier_topups(msisdn).empty());
  sim("DELETE", "/admin/faults");

  auto retry = recharge(msisdn, 2000, "lost-top-1");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.json().at("recharge_id").as_string(), id);
  EXPECT_EQ(retry.json().at("status").as_string(), "succeeded");
  auto at_carrier = carrier_topups(msisdn);
  ASSERT_EQ(at_carrier.size(), 1u);
  EXPECT_EQ(at_carrier[0].at("partnerRechargeId").as_string(), id);
  EXPECT_EQ(carrier_balance(msisdn), balance + 2000);
}
