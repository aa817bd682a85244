// SIGTERM with activations in flight inside slow carrier calls: the
// gateway cancels its background tasks (each activation's drive among
// them), waits for them within limits.shutdown_grace_ms, exits 0 without a
// crash or sanitizer report, and a gateway restarted on the same store
// completes every activation it had acknowledged (docs/architecture.md,
// "Stopping").
//
// The carrier allows two calls at a time and its order submits take 20 s at
// the simulator (a latency fault): of three activations, two wait in a
// carrier call and one waits for a free call slot when the signal comes.
// A waiter left in the call limiter's queue after its coroutine frame was
// destroyed was written to by the slot released next.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <set>
#include <string>
#include <vector>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "shutdown-inflight-key";
constexpr int kActivations = 3;
constexpr int kMaxConcurrency = 2;
constexpr int kSubmitLatencyMs = 20'000;
constexpr auto kGrace = 5000ms;
// The documented bound: the grace, then the teardown (a slow sanitized
// build closing the store).
constexpr auto kStopWithin = kGrace + 5s;
const char* const kCrashSigns[] = {"AddressSanitizer", "LeakSanitizer",    "runtime error:",
                                   "free():",          "malloc():",        "double free",
                                   "corrupted size",   "terminate called", "stack smashing"};

class ShutdownInFlight : public ::testing::Test {
 protected:
  void SetUp() override {
    // A glibc heap check that fails writes to stderr, and freed memory is
    // filled so that a use of it does not pass unnoticed without ASan.
    ::setenv("LIBC_FATAL_STDERR_", "1", 1);
    ::setenv("MALLOC_PERTURB_", "165", 1);
    ASSERT_EQ(stack_.start_sim(sim_config({SimSpec("mobile", 11, 2000)})), "");
    GatewaySpec gw;
    gw.limits = "{shutdown_grace_ms: " + std::to_string(kGrace.count()) + "}";
    gw.tenants = {TenantSpec("demo", {kKey})};
    CarrierSpec mobile("mobile", stack_.sim_url("mobile"));
    mobile.activation_poll_interval_s = 1;
    mobile.extra = "    max_concurrency: " + std::to_string(kMaxConcurrency) +
                   "\n    request_timeout_ms: 60000\n";
    gw.carriers = {mobile};
    yaml_ = gateway_config(gw);
    ASSERT_EQ(stack_.start_gateway(yaml_), "");
    ASSERT_TRUE(wait_first_sync(stack_.gw_port, kKey)) << log("gateway");
  }

  void TearDown() override {
    if (restarted_.running()) restarted_.stop(SIGKILL, 10s);
    stack_.finish();
  }

  std::string log(const std::string& name) const { return read_file(stack_.dir / (name + ".log")); }

  HttpResult api(uint16_t port, const std::string& method, const std::string& target,
                 const json::value& body = nullptr, const std::string& idempotency_key = {}) {
    Headers h;
    if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
    return api_call(port, kKey, method, target, body.is_null() ? "" : json::serialize(body), h);
  }

  // Reserves a number and verifies an applicant: the body of an
  // activation order, kept in orders_.
  void prepare_order(int n, const std::string& plan) {
    const uint16_t port = stack_.gw_port;
    const std::string msisdn = fresh_number(port, kKey, "mobile", used_);
    auto res = api(port, "POST", "/v1/reservations",
                   json::object{{"carrier", "mobile"}, {"msisdn", msisdn}},
                   "inflight-res-" + std::to_string(n));
    EXPECT_EQ(res.status, 201) << res.body;
    auto kyc = api(port, "POST", "/v1/kyc/verifications",
                   json::object{{"carrier", "mobile"},
                                {"name", "张三"},
                                {"id_number", make_id("19900101", std::to_string(300 + n))}});
    EXPECT_TRUE(kyc.status == 200 || kyc.status == 201) << kyc.body;
    if (res.status != 201 || kyc.status / 100 != 2) return;
    orders_.push_back(
        json::object{{"reservation_id", res.json().at("reservation_id")},
                     {"plan_id", plan},
                     {"verification_id", kyc.json().at("verification_id")},
                     {"delivery", json::object{{"name", "测试收件人"},
                                               {"phone", "13900000000"},
                                               {"address", "北京市东城区测试路1号"}}}});
  }

  // Until GET /v1/carriers shows mobile with `n` calls in flight.
  bool mobile_calls_in_flight(int n) {
    return wait_until(
        [&] {
          auto r = api(stack_.gw_port, "GET", "/v1/carriers");
          if (r.status != 200) return false;
          const auto body = r.json();  // alive while iterated
          for (const auto& c : body.at("carriers").as_array())
            if (c.at("id").as_string() == "mobile" &&
                c.at("circuit").at("calls_in_flight").to_number<int>() >= n)
              return true;
          return false;
        },
        10s, 10ms);
  }

  void expect_no_crash_sign(const std::string& name) {
    const std::string out = log(name);
    for (const char* sign : kCrashSigns)
      EXPECT_EQ(out.find(sign), std::string::npos) << sign << " in " << name << ".log\n" << out;
  }

  Stack stack_{"cgw_shutdown_inflight"};
  std::string yaml_;
  std::set<std::string> used_;
  std::vector<json::object> orders_;
  Process restarted_;
};

TEST_F(ShutdownInFlight, ActivationsInSlowCarrierCallsSurviveSigtermAndComplete) {
  auto plans = api(stack_.gw_port, "GET", "/v1/plans?carrier=mobile");
  ASSERT_EQ(plans.status, 200) << plans.body;
  const std::string plan(plans.json().at("plans").at(0).at("plan_id").as_string());
  for (int n = 0; n < kActivations; ++n) prepare_order(n, plan);
  ASSERT_EQ(orders_.size(), static_cast<size_t>(kActivations));

  // Every order submit from now on waits kSubmitLatencyMs at the carrier.
  const uint16_t sim = stack_.sim_port("mobile");
  auto fault = http("POST", sim, "/admin/faults",
                    json::serialize(json::object{{"operation", "/open/v1/orders"},
                                                 {"kind", "latency"},
                                                 {"latency_ms", kSubmitLatencyMs}}));
  ASSERT_EQ(fault.status / 100, 2) << fault.body;
  std::vector<std::string> ids;
  for (int n = 0; n < kActivations; ++n) {
    auto act = api(stack_.gw_port, "POST", "/v1/activations", orders_[n],
                   "inflight-act-" + std::to_string(n));
    ASSERT_EQ(act.status, 202) << act.body;
    ids.emplace_back(act.json().at("activation_id").as_string());
  }
  ASSERT_TRUE(mobile_calls_in_flight(kMaxConcurrency)) << log("gateway");

  const auto sent = std::chrono::steady_clock::now();
  const auto code = stack_.gateway.stop(SIGTERM, kStopWithin);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - sent);
  ASSERT_TRUE(code) << "no exit within " << kStopWithin.count() << " ms of SIGTERM\n"
                    << log("gateway");
  EXPECT_EQ(*code, 0) << "exit " << *code << " after " << took.count() << " ms\n" << log("gateway");
  expect_no_crash_sign("gateway");
  // The tasks were cancelled and awaited, not cut off by the deadline.
  EXPECT_NE(log("gateway").find("background tasks ended"), std::string::npos) << log("gateway");
  EXPECT_NE(log("gateway").find("shutdown complete"), std::string::npos) << log("gateway");

  // The carrier is fast again; the same store under a new process.
  ASSERT_EQ(http("DELETE", sim, "/admin/faults").status / 100, 2);
  uint16_t port = 0;
  ASSERT_EQ(stack_.start_gateway_into(restarted_, port, "restarted", yaml_, 30s), "");
  for (const auto& id : ids) {
    auto a = wait_activation(port, kKey, id, {"activated", "failed"}, 60s);
    ASSERT_TRUE(a.is_object()) << id << "\n" << log("restarted");
    EXPECT_EQ(a.at("status").as_string(), "activated") << json::serialize(a);
  }
  const auto stopped = restarted_.stop(SIGTERM, kStopWithin);
  ASSERT_TRUE(stopped) << log("restarted");
  EXPECT_EQ(*stopped, 0) << log("restarted");
  expect_no_crash_sign("restarted");
}

}  // namespace
