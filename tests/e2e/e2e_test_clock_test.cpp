// The gateway's test clock end to end (docs/test-clock.md): the real cgw-sim
// (unicom, no callbacks) and cgw-gateway in a test deployment with the test
// clock on, on 127.0.0.1 with ephemeral ports. Each case moves BOTH clocks,
// the simulator's first, then the gateway's, and sees what was due far in
// the future happen at once: a reservation expires on both sides, an
// activation is learnt by a poll 10 minutes away, a refused webhook is
// retried 10 minutes later. No case waits for real time to pass: every wait
// is bounded to seconds, far below the intervals configured.
#include "harness.hpp"
#include "webhook_receiver.hpp"

#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <set>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "clock-demo-key";
const std::string kClockKey = "clock-mover-key";  // lists test:clock only
const std::string kOpsKey = "clock-ops-key";      // lists metrics:read only
const std::string kHooksKey = "clock-hooks-key";  // tenant "hooks", with a webhook
const std::string kApplicant = "时钟测试";
// Far beyond any bounded wait below: only a clock move brings them.
constexpr int64_t kPollIntervalS = 600;
constexpr int64_t kBackoffMs = 600'000;
constexpr int64_t kHoldS = 1800;
constexpr int kActivationDelayMs = 120'000;  // simulated time
constexpr auto kPrompt = 10s;                // what "at once" may take on a loaded CI machine

struct Env {
  Stack stack{"cgw_e2e_test_clock"};
  uint16_t sim_port = 0, gw_port = 0;
  std::unique_ptr<cgw::reliability::WebhookReceiver> hooks;
};
Env* env = nullptr;

HttpResult api(const std::string& key, const std::string& method, const std::string& target,
               const std::string& body = {}, const Headers& extra = {}) {
  return api_call(env->gw_port, key, method, target, body, extra);
}

class E2ETestClock : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    const std::string secret = "test-clock-webhook-secret-0123456";
    env->hooks = std::make_unique<cgw::reliability::WebhookReceiver>(secret, 1);  // refuses all
    ASSERT_EQ(env->hooks->start(), "");
    SimSpec sim("unicom", 17, 2000);
    sim.activation_delay_ms = kActivationDelayMs;
    sim.reservation_ttl_s = kHoldS;
    ASSERT_EQ(s.start_sim(sim_config({sim})), "");
    env->sim_port = s.sim_port("unicom");
    GatewaySpec gw;
    gw.extra = "environment: test\ntest_clock: {enabled: true}\nwebhooks: {initial_backoff_ms: " +
               std::to_string(kBackoffMs) + ", max_backoff_ms: " + std::to_string(kBackoffMs) +
               "}\n";
    gw.tenants = {
        TenantSpec("demo", {KeySpec(kKey), KeySpec(kClockKey, "qa-clock", "[test:clock]"),
                            KeySpec(kOpsKey, "ops", "[metrics:read]")}),
        TenantSpec("hooks", {kHooksKey},
                   "    webhook: {url: 'http://127.0.0.1:" + std::to_string(env->hooks->port()) +
                       "/hooks', secret: whsec_" + cgw::crypto::base64_encode(secret) + "}\n")};
    CarrierSpec unicom("unicom", s.sim_url("unicom"));
    unicom.activation_poll_interval_s = kPollIntervalS;
    unicom.extra = "    reservation_hold_s: " + std::to_string(kHoldS) + "\n";
    gw.carriers = {unicom};
    ASSERT_EQ(s.start_gateway(gateway_config(gw)), "");
    env->gw_port = s.gw_port;
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey)) << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish();
    env->hooks.reset();
    delete env;
    env = nullptr;
  }

  // The order a suite moves the clocks in (docs/test-clock.md): the
  // carrier first, so that whatever the gateway does when its own clock
  // moves (a poll, a release) finds the carrier already there.
  static void move_both(int64_t ms) {
    auto sim = set_sim_clock(env->sim_port, {{"advance_ms", ms}});
    ASSERT_EQ(sim.status, 200) << sim.body;
    auto gw =
        api(kClockKey, "POST", "/v1/test/clock", json::serialize(json::object{{"advance_ms", ms}}));
    ASSERT_EQ(gw.status, 200) << gw.body;
  }

  static std::string id_of(const HttpResult& r, const char* key) {
    return r.status / 100 == 2 ? std::string(r.json().at(key).as_string()) : std::string();
  }
  static std::string reserve(const std::string& key, const std::string& msisdn) {
    static std::atomic<int> n{0};
    return id_of(api(key, "POST", "/v1/reservations",
                     json::serialize(json::object{{"carrier", "unicom"}, {"msisdn", msisdn}}),
                     {{"Idempotency-Key", "clock-reserve-" + std::to_string(++n)}}),
                 "reservation_id");
  }
  static std::string fresh(const std::string& key) {
    static std::set<std::string> used;
    return fresh_number(env->gw_port, key, "unicom", used);
  }
  // A submitted activation of `key`'s tenant: reserved, verified, submitted.
  static std::string submitted_activation(const std::string& key, const std::string& seq) {
    const std::string plan(api(key, "GET", "/v1/plans?carrier=unicom")
                               .json()
                               .at("plans")
                               .at(0)
                               .at("plan_id")
                               .as_string());
    const auto res = reserve(key, fresh(key));
    const auto ver =
        id_of(api(key, "POST", "/v1/kyc/verifications",
                  json::serialize(json::object{{"carrier", "unicom"},
                                               {"name", kApplicant},
                                               {"id_number", make_id("19910303", seq)}})),
              "verification_id");
    EXPECT_FALSE(res.empty());
    EXPECT_FALSE(ver.empty());
    json::object body{{"reservation_id", res},
                      {"plan_id", plan},
                      {"verification_id", ver},
                      {"delivery", json::object{{"name", kApplicant},
                                                {"phone", "13900000000"},
                                                {"address", "北京市西城区测试路3号"}}}};
    auto a = api(key, "POST", "/v1/activations", json::serialize(body),
                 {{"Idempotency-Key", "clock-activate-" + seq}});
    EXPECT_EQ(a.status, 202) << a.body;
    const auto id = id_of(a, "activation_id");
    auto v = wait_activation(env->gw_port, key, id, {"submitted"});
    EXPECT_EQ(v.at("status").as_string(), "submitted") << json::serialize(v);
    return id;
  }
  static bool sim_lock_state_is(const std::string& msisdn, const std::string& state) {
    return wait_sim_state(env->sim_port, [&](const json::value& s) {
      for (const auto& l : s.at("reservations").as_array())
        if (l.at("number").as_string() == msisdn && l.at("state").as_string() == state) return true;
      return false;
    });
  }
};

}  // namespace

TEST_F(E2ETestClock, RouteNeedsItsListedScopeAndMovesOnlyForward) {
  EXPECT_EQ(api(kKey, "GET", "/v1/test/clock").status, 403) << "never implied by a key";
  auto r = api(kClockKey, "GET", "/v1/test/clock");
  ASSERT_EQ(r.status, 200) << r.body;
  const int64_t offset = r.json().at("offset_ms").as_int64();
  const int64_t now = r.json().at("now_ms").as_int64();
  EXPECT_EQ(api(kClockKey, "POST", "/v1/test/clock", R"({"advance_ms":-1})").error_code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(api(kClockKey, "POST", "/v1/test/clock",
                json::serialize(json::object{{"set_ms", now - 60'000}}))
                .error_code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(api(kClockKey, "POST", "/v1/test/clock", R"({"advance_ms":1,"set_ms":1})").status, 400);
  auto after = api(kClockKey, "GET", "/v1/test/clock").json();
  EXPECT_EQ(after.at("offset_ms").as_int64(), offset) << "a refused move moves nothing";
  ASSERT_NO_FATAL_FAILURE(move_both(1000));
  const auto metrics = api(kOpsKey, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("cgw_test_clock_offset_ms " + std::to_string(offset + 1000)),
            std::string::npos)
      << metrics;
  const auto log = read_file(env->stack.dir / "gateway.log");
  EXPECT_NE(log.find("TEST CLOCK ON"), std::string::npos);
  EXPECT_NE(log.find("TEST CLOCK moved: offset " + std::to_string(offset) + " ms -> " +
                     std::to_string(offset + 1000) + " ms"),
            std::string::npos);
}

TEST_F(E2ETestClock, ReservationExpiresInBothAfterBothClocksMovePastItsHold) {
  const auto msisdn = fresh(kKey);
  const auto id = reserve(kKey, msisdn);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(api(kKey, "GET", "/v1/reservations/" + id).json().at("status").as_string(), "held");
  ASSERT_TRUE(sim_lock_state_is(msisdn, "ACTIVE"));

  ASSERT_NO_FATAL_FAILURE(move_both((kHoldS + 1) * 1000));

  EXPECT_TRUE(sim_lock_state_is(msisdn, "EXPIRED"));
  auto r = api(kKey, "GET", "/v1/reservations/" + id);
  EXPECT_EQ(r.json().at("status").as_string(), "expired") << r.body;
  // Housekeeping (woken by the move) gives the number back to search.
  EXPECT_TRUE(wait_until(
      [&] {
        return !api(kKey, "GET", "/v1/numbers?carrier=unicom&prefix=" + msisdn)
                    .json()
                    .at("numbers")
                    .as_array()
                    .empty();
      },
      kPrompt))
      << "the expired number is not offered again";
}

TEST_F(E2ETestClock, PollLearnsActivationWithoutWaitingItsInterval) {
  const auto id = submitted_activation(kKey, "311");
  ASSERT_FALSE(id.empty());

  // Past the simulator's activation delay and the gateway's poll interval.
  ASSERT_NO_FATAL_FAILURE(move_both(kPollIntervalS * 1000 + 1000));

  // The line is active: `activated`, or already its first top-up when the
  // simulator's move carried the order that far.
  auto done =
      wait_activation(env->gw_port, kKey, id, {"activated", "first_topup", "failed"}, kPrompt);
  ASSERT_TRUE(done.at("status") == "activated" || done.at("status") == "first_topup")
      << json::serialize(done);
  EXPECT_EQ(done.at("history").as_array().back().at("cause").as_string(), "status query");
}

TEST_F(E2ETestClock, RefusedWebhookIsRetriedAfterTheClockPassesItsBackoff) {
  const auto id = submitted_activation(kHooksKey, "312");
  ASSERT_FALSE(id.empty());
  auto attempts = [&] {
    auto r = api(kHooksKey, "GET", "/v1/activations/" + id + "/webhooks");
    int64_t n = 0;
    if (r.status != 200) return n;
    const auto body = r.json();  // alive while iterated
    for (const auto& e : body.at("events").as_array())
      n = std::max<int64_t>(n, static_cast<int64_t>(e.at("attempts").as_array().size()));
    return n;
  };
  ASSERT_TRUE(wait_until([&] { return attempts() >= 1; }, kPrompt)) << "first delivery refused";
  ASSERT_EQ(attempts(), 1) << "the retry is " << kBackoffMs / 2 << "-" << kBackoffMs << " ms away";

  ASSERT_NO_FATAL_FAILURE(move_both(kBackoffMs + 1000));

  EXPECT_TRUE(wait_until([&] { return attempts() >= 2; }, kPrompt)) << "not retried";
  // webhook-timestamp stays the real time: the receiver checks it against
  // its own clock and would answer 401 to a moved one.
  EXPECT_EQ(env->hooks->bad_signatures(), 0);
  EXPECT_GE(env->hooks->refused(), 2);
}

// The loops that wait on the clock (polls, webhook retries, housekeeping)
// end at SIGTERM like any timer wait.
TEST_F(E2ETestClock, GracefulShutdownExitsZero) {
  auto code = env->stack.gateway.stop(SIGTERM, 10s);
  ASSERT_TRUE(code.has_value()) << "gateway did not stop within 10 s";
  EXPECT_EQ(*code, 0);
}
