// SIGTERM at any point of the gateway's life is a clean stop: exit code 0
// within the shutdown grace, and no crash, abort or sanitizer report in its
// output. (A SIGTERM during the first sync used to crash it: coroutine
// frames destroyed after the carriers they used.) The real cgw-sim plays all four carriers with
// every request slowed down a little, so that the first inventory sync takes a while; the real
// cgw-gateway loads all four plugins, with a fresh store in each case. Under the sanitizer stage
// (scripts/test_sanitized.sh) both run with ASan.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "shutdown-test-tenant-key";
const std::vector<std::string> kCarriers = {"mobile", "unicom", "mvno", "telecom"};
// Numbers per carrier and the page size of the sync: 40 pages per carrier,
// each waiting kPageLatencyMs at the simulator.
constexpr int kPoolSize = 4000;
constexpr int kPageSize = 100;
constexpr int kPageLatencyMs = 25;
constexpr auto kGrace = 3000ms;
// The bound on a stop: the grace, then the teardown (a slow sanitized build
// writing its last batch).
constexpr auto kStopWithin = kGrace + 7s;
// What a crash or a sanitizer finding leaves in the output (glibc's malloc
// checks write to stderr: LIBC_FATAL_STDERR_ below).
const char* const kCrashSigns[] = {"AddressSanitizer", "LeakSanitizer",    "runtime error:",
                                   "free():",          "malloc():",        "double free",
                                   "corrupted size",   "terminate called", "stack smashing"};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Sim {
  Stack stack{"cgw_shutdown"};
  std::filesystem::path dir = stack.dir;
  std::map<std::string, uint16_t> ports;
};
Sim* sim = nullptr;

class Shutdown : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A glibc heap check that fails writes to the terminal unless told so.
    ::setenv("LIBC_FATAL_STDERR_", "1", 1);
    // glibc fills freed memory with this byte: a use of freed memory at
    // teardown (a coroutine frame destroyed after the carrier it used)
    // then aborts instead of passing unnoticed. (ASan ignores it and
    // reports such a use itself.)
    ::setenv("MALLOC_PERTURB_", "165", 1);
    sim = new Sim;
    std::vector<SimSpec> sims;
    for (const auto& c : kCarriers) sims.emplace_back(c, 5, kPoolSize);
    ASSERT_EQ(sim->stack.start_sim(sim_config(sims)), "");
    sim->ports = sim->stack.sim_ports;
  }

  static void TearDownTestSuite() {
    sim->stack.finish(true);
    delete sim;
    sim = nullptr;
  }

  // Each case: its own store and log; every carrier call slowed down by
  // kPageLatencyMs (the sync pages above all).
  void SetUp() override {
    ASSERT_TRUE(sim && !sim->ports.empty());
    dir_ = sim->dir / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    for (const auto& c : kCarriers) set_latency(c, kPageLatencyMs);
  }

  void TearDown() override {
    for (const auto& c : kCarriers) http("DELETE", sim->ports[c], "/admin/faults");
  }

  // Replaces the carrier's faults by a latency on `operations` (simulator
  // operation names; "*": all).
  static void set_latency(const std::string& carrier, int ms,
                          const std::vector<std::string>& operations = {"*"}) {
    const uint16_t port = sim->ports[carrier];
    ASSERT_EQ(http("DELETE", port, "/admin/faults").status / 100, 2);
    for (const auto& op : operations) {
      auto r = http("POST", port, "/admin/faults",
                    json::serialize(
                        json::object{{"operation", op}, {"kind", "latency"}, {"latency_ms", ms}}));
      ASSERT_EQ(r.status / 100, 2) << r.body;
    }
  }

  void start_gateway() {
    std::ofstream(dir_ / "pii.key") << std::string(64, 'a');
    GatewaySpec gw;
    gw.limits = "{shutdown_grace_ms: " + std::to_string(kGrace.count()) + "}";
    gw.tenants = {TenantSpec("demo", {kKey})};
    for (const auto& c : kCarriers) {
      CarrierSpec carrier(c, "http://127.0.0.1:" + std::to_string(sim->ports[c]));
      carrier.sync_page_size = kPageSize;
      carrier.activation_poll_interval_s = 30;
      carrier.extra =
          "    sync_interval_s: 3600\n    incremental_sync_interval_s: 3600\n"
          "    request_timeout_ms: 30000\n";
      gw.carriers.push_back(carrier);
    }
    std::ofstream(dir_ / "gateway.yaml") << gateway_config(gw);
    // Started without waiting for it: the cases stop it at every stage.
    ASSERT_TRUE(gateway_.start({gateway_bin(), "--config", (dir_ / "gateway.yaml").string(),
                                "--port-file", (dir_ / "gw.port").string()},
                               dir_ / "gateway.log"));
  }

  std::string log() const { return read_file(dir_ / "gateway.log"); }

  // Polls the gateway's log until `seen` holds (true), the gateway exits
  // or 30 s pass (false).
  bool wait_for(const std::function<bool(const std::string&)>& seen) {
    bool held = false;
    wait_until(
        [&] {
          held = seen(log());
          return held || !gateway_.running();
        },
        30s, 5ms);
    return held;
  }
  bool wait_for_line(const std::string& text, size_t times = 1) {
    return wait_for([&](const std::string& l) { return count(l, text) >= times; });
  }

  uint16_t gateway_port() {
    auto port = wait_for_file(dir_ / "gw.port", 30s);
    EXPECT_TRUE(port) << log();
    return port ? static_cast<uint16_t>(json::parse(*port).at("port").to_number<int>()) : 0;
  }

  // SIGTERM: the gateway must exit 0 within the bound, without a trace of a
  // crash.
  void expect_clean_stop() {
    const auto sent = std::chrono::steady_clock::now();
    const auto code = gateway_.stop(SIGTERM, kStopWithin);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - sent);
    const std::string out = log();
    ASSERT_TRUE(code) << "no exit within " << kStopWithin.count() << " ms of SIGTERM\n" << out;
    EXPECT_EQ(*code, 0) << "exit " << *code << " after " << took.count() << " ms\n" << out;
    for (const char* sign : kCrashSigns)
      EXPECT_EQ(out.find(sign), std::string::npos) << sign << "\n" << out;
  }

  std::filesystem::path dir_;
  Process gateway_;
};

TEST_F(Shutdown, RightAfterStart) {
  start_gateway();
  // Its first log line: the signal handler is in place.
  ASSERT_TRUE(wait_for([](const std::string& l) { return !l.empty(); }));
  expect_clean_stop();
}

TEST_F(Shutdown, WhileLoadingPlugins) {
  start_gateway();
  ASSERT_TRUE(wait_for_line("plugin loaded carrier=")) << log();
  expect_clean_stop();
}

TEST_F(Shutdown, AsSoonAsItListens) {
  // The first sync pages are being fetched and the loops have just begun.
  start_gateway();
  ASSERT_NE(gateway_port(), 0);
  expect_clean_stop();
}

TEST_F(Shutdown, DuringTheFirstSyncPages) {
  start_gateway();
  ASSERT_TRUE(wait_for_line("op=inventory.sync call", 12)) << log();
  const std::string before = log();
  for (const auto& c : kCarriers)
    ASSERT_EQ(before.find("sync carrier=" + c + " done"), std::string::npos) << "too late\n"
                                                                             << before;
  expect_clean_stop();
  // The syncs cut short are not reported as store failures.
  EXPECT_EQ(log().find("stopped by a store error"), std::string::npos) << log();
  EXPECT_NE(log().find("shutdown complete"), std::string::npos) << log();
}

TEST_F(Shutdown, AfterTheFirstSyncs) {
  start_gateway();
  for (const auto& c : kCarriers)
    ASSERT_TRUE(wait_for_line("sync carrier=" + c + " done")) << log();
  expect_clean_stop();
  EXPECT_NE(log().find("shutdown complete"), std::string::npos) << log();
}

// An activation whose submit is in a slow carrier call when SIGTERM comes.
class ShutdownWithActivation : public Shutdown {
 protected:
  HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::string& idempotency_key = {}) {
    std::vector<std::pair<std::string, std::string>> h = {{"Authorization", "Bearer " + kKey}};
    if (!idempotency_key.empty()) h.emplace_back("Idempotency-Key", idempotency_key);
    return http(method, port_, target, body, h);
  }

  // Starts the gateway, reserves a mobile number and verifies an applicant
  // at normal speed, then slows mobile's order submits and number locks
  // down by `latency_ms` and orders the activation. Returns once its submit
  // is in flight.
  void activation_in_flight(int latency_ms) {
    start_gateway();
    port_ = gateway_port();
    ASSERT_NE(port_, 0);
    ASSERT_TRUE(wait_for_line("sync carrier=mobile done")) << log();
    auto numbers = api("GET", "/v1/numbers?carrier=mobile&limit=2");
    ASSERT_EQ(numbers.status, 200) << numbers.body;
    const auto page = numbers.json();
    ASSERT_EQ(page.at("numbers").as_array().size(), 2u) << numbers.body;
    spare_number_ = std::string(page.at("numbers").at(1).at("msisdn").as_string());
    auto res = api("POST", "/v1/reservations",
                   json::serialize(json::object{{"carrier", "mobile"},
                                                {"msisdn", page.at("numbers").at(0).at("msisdn")}}),
                   "shutdown-res-1");
    ASSERT_EQ(res.status, 201) << res.body;
    auto kyc = api(
        "POST", "/v1/kyc/verifications",
        json::serialize(json::object{
            {"carrier", "mobile"}, {"name", "张三"}, {"id_number", make_id("19900101", "123")}}));
    ASSERT_TRUE(kyc.status == 200 || kyc.status == 201) << kyc.body;
    auto plans = api("GET", "/v1/plans?carrier=mobile");
    ASSERT_EQ(plans.status, 200) << plans.body;
    set_latency("mobile", latency_ms, {"/open/v1/orders", "/open/v1/numbers/lock"});
    auto act = api("POST", "/v1/activations",
                   json::serialize(json::object{
                       {"reservation_id", res.json().at("reservation_id")},
                       {"plan_id", plans.json().at("plans").at(0).at("plan_id")},
                       {"verification_id", kyc.json().at("verification_id")},
                       {"delivery", json::object{{"name", "测试收件人"},
                                                 {"phone", "13900000000"},
                                                 {"address", "北京市东城区测试路1号"}}}}),
                   "shutdown-act-1");
    ASSERT_EQ(act.status, 202) << act.body;
    activation_id_ = std::string(act.json().at("activation_id").as_string());
    ASSERT_TRUE(mobile_calls_in_flight(1)) << log();
  }

  // Polls GET /v1/carriers until mobile has at least `n` calls in flight.
  bool mobile_calls_in_flight(int n) {
    return wait_until(
        [&] {
          auto r = api("GET", "/v1/carriers");
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

  uint16_t port_ = 0;
  std::string activation_id_, spare_number_;
};

TEST_F(ShutdownWithActivation, CarrierCallsLongerThanTheGraceAreAbandoned) {
  activation_in_flight(10'000);
  // A client's reservation waits on the same slow carrier too.
  HttpResult client;
  std::thread reserving([&] {
    client = api("POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", spare_number_}}),
                 "shutdown-res-2");
  });
  const bool both = mobile_calls_in_flight(2);
  expect_clean_stop();
  reserving.join();
  ASSERT_TRUE(both) << log();
  // The connection closed without an answer when the gateway exited.
  EXPECT_EQ(client.status, 0) << client.body;
  const std::string out = log();
  EXPECT_NE(out.find("stopped (1 connections left)"), std::string::npos) << out;
  EXPECT_NE(out.find("shutdown complete"), std::string::npos) << out;
}

}  // namespace
