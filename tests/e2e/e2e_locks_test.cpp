// A client never loses a number to the gateway's own carrier lock, end to
// end with the real cgw-sim (mobile) and cgw-gateway processes: activation
// pre-checks, the release of locks the gateway gives up, recovery of a
// reservation interrupted by SIGKILL, and the carrier's reported expiry
// (docs/reliability.md "Carrier locks").
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "cgw-demo-key";
const std::string kIdNumber = "11010519491231002X";  // a published example; passes

struct Env {
  Stack stack{"cgw_e2e_locks"};
  // One Process per start: a Process is not restartable.
  std::unique_ptr<Process> gateway;
  uint16_t sim_port = 0, gw_port = 0;
  int restarts = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->gw_port, kKey, method, target, body, extra);
}
HttpResult sim(const std::string& method, const std::string& target, const std::string& body = {}) {
  return http(method, env->sim_port, target, body);
}

// Polls `check` every 50 ms for up to `limit`.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit = 10s) {
  return wait_until(check, limit);
}

struct GatewayOptions {
  int hold_s = 1800;
  int recovery_grace_ms = 60'000;
  std::string sim_prefix;  // "/ns/<name>": a simulator namespace
};

class Locks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    SimSpec mobile("mobile", 11, 2000);
    mobile.activation_delay_ms = 200;
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

  // (Re)starts the gateway on the suite's store with `o`, and waits for its
  // first inventory sync.
  static void start_gateway(const GatewayOptions& o) {
    GatewaySpec gw;
    gw.limits =
        "{shutdown_grace_ms: 2000, housekeeping_interval_ms: 200, "
        "reservation_recovery_grace_ms: " +
        std::to_string(o.recovery_grace_ms) + "}";
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec mobile("mobile", env->stack.sim_url("mobile") + o.sim_prefix);
    mobile.sync_page_size = std::nullopt;
    mobile.activation_poll_interval_s = 1;
    mobile.extra =
        "    request_timeout_ms: 30000\n    max_retries: 0\n"
        "    reservation_hold_s: " +
        std::to_string(o.hold_s) + "\n";
    gw.carriers = {mobile};
    env->gateway = std::make_unique<Process>();
    ASSERT_EQ(env->stack.start_gateway_into(*env->gateway, env->gw_port,
                                            "gateway" + std::to_string(++env->restarts),
                                            gateway_config(gw), 15s),
              "");
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, 1, 10s));
  }

  // An available number, different on every call.
  static std::string fresh_number() {
    static std::set<std::string> used;
    return cgw::test::fresh_number(env->gw_port, kKey, "mobile", used);
  }
  static HttpResult reserve(const std::string& msisdn, const std::string& key) {
    return api("POST", "/v1/reservations",
               json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
               {{"Idempotency-Key", key}, {"Content-Type", "application/json"}});
  }
  static std::string passed_verification() {
    auto r = api("POST", "/v1/kyc/verifications",
                 json::serialize(json::object{
                     {"carrier", "mobile"}, {"name", "测试"}, {"id_number", kIdNumber}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(r.json().at("verification_id").as_string());
  }
  static HttpResult activate(const std::string& res, const std::string& plan,
                             const std::string& key) {
    json::object body{{"reservation_id", res},
                      {"plan_id", plan},
                      {"verification_id", passed_verification()},
                      {"delivery", json::object{{"name", "测试收件人"},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
    return api("POST", "/v1/activations", json::serialize(body),
               {{"Idempotency-Key", key}, {"Content-Type", "application/json"}});
  }
  static std::string listed_plan() {
    auto r = api("GET", "/v1/plans?carrier=mobile");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(r.json().at("plans").at(0).at("plan_id").as_string());
  }
  static std::string reservation_status(const std::string& id) {
    auto r = api("GET", "/v1/reservations/" + id);
    return r.status == 200 ? std::string(r.json().at("status").as_string()) : "";
  }
  // The carrier's locks of `msisdn` (admin state of the simulator).
  static std::vector<std::string> lock_states(const std::string& msisdn,
                                              const std::string& prefix = "") {
    std::vector<std::string> states;
    auto st = sim("GET", prefix + "/admin/state").json();
    for (const auto& l : st.at("reservations").as_array())
      if (l.at("number").as_string() == msisdn) states.emplace_back(l.at("state").as_string());
    return states;
  }
  static int carrier_calls(const std::string& operation, const std::string& prefix = "") {
    auto j = sim("GET", prefix + "/admin/requests?limit=5000&operation=" + operation).json();
    return static_cast<int>(j.at("requests").as_array().size());
  }
};

}  // namespace

TEST_F(Locks, AnUnknownPlanIsRefusedBeforeTheCarrierIsCalled) {
  start_gateway({});
  const auto msisdn = fresh_number();
  auto r = reserve(msisdn, "plan-res-1");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string res(r.json().at("reservation_id").as_string());
  const int orders_before = carrier_calls("/open/v1/orders");

  auto a = activate(res, "NO-SUCH-PLAN", "plan-act-1");
  EXPECT_EQ(a.status, 422) << a.body;
  EXPECT_EQ(a.error_code(), "PLAN_NOT_FOUND");
  EXPECT_EQ(carrier_calls("/open/v1/orders"), orders_before);
  // The reservation and its carrier lock are untouched: usable with a plan
  // the carrier offers.
  EXPECT_EQ(reservation_status(res), "held");
  EXPECT_EQ(lock_states(msisdn), std::vector<std::string>{"ACTIVE"});
  auto ok = activate(res, listed_plan(), "plan-act-2");
  EXPECT_EQ(ok.status, 202) << ok.body;
}

TEST_F(Locks, AnActivationTheCarrierRefusesReleasesTheLock) {
  start_gateway({});
  const auto msisdn = fresh_number();
  auto r = reserve(msisdn, "refused-res-1");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string res(r.json().at("reservation_id").as_string());
  // The carrier refuses the order (its own plan check): the lock is not
  // consumed, so the gateway must give it back.
  ASSERT_EQ(sim("POST", "/admin/faults",
                R"({"operation":"/open/v1/orders","kind":"business_error","code":"3004"})")
                .status,
            201);
  auto a = activate(res, listed_plan(), "refused-act-1");
  ASSERT_EQ(a.status, 202) << a.body;
  const std::string act(a.json().at("activation_id").as_string());
  EXPECT_TRUE(eventually([&] {
    auto g = api("GET", "/v1/activations/" + act);
    return g.status == 200 && g.json().at("status").as_string() == "failed";
  }));
  EXPECT_TRUE(eventually([&] { return reservation_status(res) == "released"; }))
      << reservation_status(res);
  EXPECT_EQ(lock_states(msisdn), std::vector<std::string>{"RELEASED"});
  // The number can be reserved again at once.
  EXPECT_EQ(reserve(msisdn, "refused-res-2").status, 201);
}

// SIGKILL after the carrier took the lock and before the gateway stored it
// (the lock reply is held back by an after_serve timeout fault; the kill
// comes once the simulator shows the lock), then the same key again.
TEST_F(Locks, ARetryOfTheSameKeyAfterACrashAdoptsTheLock) {
  start_gateway({});
  const auto msisdn = fresh_number();
  ASSERT_EQ(sim("POST", "/admin/faults",
                R"({"operation":"/open/v1/numbers/lock","kind":"timeout","after_serve":true,)"
                R"("hold_ms":30000,"first":1})")
                .status,
            201);
  auto first = std::async(std::launch::async, [&] { return reserve(msisdn, "crash-res-1"); });
  ASSERT_TRUE(eventually([&] { return lock_states(msisdn).size() == 1; }));
  env->gateway->stop(SIGKILL, 5s);
  EXPECT_EQ(first.get().status, 0);  // no answer: the client retries
  sim("DELETE", "/admin/faults");

  start_gateway({});
  auto again = reserve(msisdn, "crash-res-1");
  ASSERT_EQ(again.status, 201) << again.body;
  const std::string res(again.json().at("reservation_id").as_string());
  EXPECT_EQ(reservation_status(res), "held");
  // One lock at the carrier, the first attempt's, adopted.
  EXPECT_EQ(lock_states(msisdn), std::vector<std::string>{"ACTIVE"});
  auto replay = reserve(msisdn, "crash-res-1");
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.json().at("reservation_id").as_string(), res);
  EXPECT_EQ(reserve(msisdn, "crash-res-other").error_code(), "NUMBER_UNAVAILABLE");
  auto a = activate(res, listed_plan(), "crash-act-1");
  EXPECT_EQ(a.status, 202) << a.body;
}

TEST_F(Locks, ARestartReleasesTheLockOfAnInterruptedReservationNobodyRetries) {
  start_gateway({});
  const auto msisdn = fresh_number();
  ASSERT_EQ(sim("POST", "/admin/faults",
                R"({"operation":"/open/v1/numbers/lock","kind":"timeout","after_serve":true,)"
                R"("hold_ms":30000,"first":1})")
                .status,
            201);
  auto first = std::async(std::launch::async, [&] { return reserve(msisdn, "orphan-res-1"); });
  ASSERT_TRUE(eventually([&] { return lock_states(msisdn).size() == 1; }));
  env->gateway->stop(SIGKILL, 5s);
  first.get();
  sim("DELETE", "/admin/faults");

  GatewayOptions short_grace;
  short_grace.recovery_grace_ms = 300;
  start_gateway(short_grace);
  EXPECT_TRUE(eventually([&] {
    return lock_states(msisdn) == std::vector<std::string>{"RELEASED"};
  })) << lock_states(msisdn).size();
  EXPECT_TRUE(eventually([&] { return reserve(msisdn, "orphan-res-2").status == 201; }));
}

TEST_F(Locks, AnExpiryNoClockExplainsIsABadReplyAndItsLockIsReleased) {
  // A namespace of its own (the same seed, so the same numbers as the
  // gateway's store knows): its clock moves by 2^61 - 1 ms (the most the
  // admin clock takes) and never back.
  ASSERT_EQ(sim("POST", "/admin/namespaces", R"({"name":"skew","seed":11})").status, 201);
  ASSERT_EQ(sim("POST", "/ns/skew/admin/clock", R"({"advance_ms":2305843009213693951})").status,
            200);
  GatewayOptions skewed;
  skewed.sim_prefix = "/ns/skew";
  start_gateway(skewed);
  const auto msisdn = fresh_number();
  auto r = reserve(msisdn, "skew-res-1");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(r.error_code(), "CARRIER_BAD_RESPONSE");
  // Never stored as held; the lock the carrier took is given back.
  EXPECT_TRUE(eventually([&] {
    return lock_states(msisdn, "/ns/skew") == std::vector<std::string>{"RELEASED"};
  })) << lock_states(msisdn, "/ns/skew").size();
}

TEST_F(Locks, AHoldPastItsExpiryShowsExpiredAndIsRefusedUpFront) {
  // The gateway asks for 2 s; the carrier counts minutes and holds 60 s.
  GatewayOptions short_hold;
  short_hold.hold_s = 2;
  start_gateway(short_hold);
  const auto msisdn = fresh_number();
  auto r = reserve(msisdn, "expiry-res-1");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string res(r.json().at("reservation_id").as_string());
  EXPECT_TRUE(eventually([&] { return reservation_status(res) == "expired"; }))
      << reservation_status(res);
  const int orders_before = carrier_calls("/open/v1/orders");
  auto a = activate(res, listed_plan(), "expiry-act-1");
  EXPECT_EQ(a.status, 422) << a.body;
  EXPECT_EQ(a.error_code(), "RESERVATION_EXPIRED");
  EXPECT_EQ(carrier_calls("/open/v1/orders"), orders_before);
  // The carrier's longer lock is released rather than left to run out.
  EXPECT_TRUE(
      eventually([&] { return lock_states(msisdn) == std::vector<std::string>{"RELEASED"}; }));
  EXPECT_EQ(reservation_status(res), "expired");
}

TEST_F(Locks, ADeleteTheCarrierCannotAnswerIsReleasingUntilTheCarrierConfirms) {
  start_gateway({});
  const auto msisdn = fresh_number();
  auto r = reserve(msisdn, "delete-res-1");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string res(r.json().at("reservation_id").as_string());
  // The carrier is busy for the DELETE's own release call only.
  ASSERT_EQ(sim("POST", "/admin/faults",
                R"({"operation":"/open/v1/numbers/unlock","kind":"http_status","status":503,)"
                R"("first":1})")
                .status,
            201);
  auto d = api("DELETE", "/v1/reservations/" + res);
  EXPECT_EQ(d.status, 202) << d.body;
  EXPECT_EQ(d.json().at("status").as_string(), "releasing") << d.body;
  // Queued, retried with backoff until the carrier confirms: then released
  // and the number free again, at the carrier too.
  EXPECT_TRUE(eventually([&] { return reservation_status(res) == "released"; }))
      << reservation_status(res);
  EXPECT_EQ(lock_states(msisdn), std::vector<std::string>{"RELEASED"});
  EXPECT_EQ(reserve(msisdn, "delete-res-2").status, 201);
}
