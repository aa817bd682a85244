// SIGTERM at any point of the gateway's life is a clean stop: exit code 0
// within the shutdown grace, and no crash, abort or sanitizer report in its
// output. (A SIGTERM during the first sync used to crash it: coroutine
// frames destroyed after the carriers they used.) The real cgw-sim plays all four carriers with
// every request slowed down a little, so that the first inventory sync takes a while; the real
// cgw-gateway loads all four plugins, with a fresh store in each case. Under the sanitizer stage
// (scripts/test_sanitized.sh) both run with ASan.
#include "cgw/common/crypto.hpp"
#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

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

std::string secret(const std::string& name) {
  return std::string(CGW_SOURCE_DIR) + "/config/secrets/" + name;
}

// A checksum-valid synthetic ID number (GB 11643) of an adult.
std::string make_id(const std::string& body17) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body17[i] - '0') * kW[i];
  return body17 + "10X98765432"[sum % 11];
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Sim {
  std::filesystem::path dir;
  Process process;
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
    sim->dir = fresh_test_dir("cgw_shutdown");
    std::ofstream f(sim->dir / "simulators.yaml");
    f << "threads: 2\nsimulators:\n";
    auto entry = [&](const std::string& carrier, const std::string& app_id,
                     const std::string& secret_file) {
      f << "  - carrier: " << carrier << "\n    listen: \"127.0.0.1:0\"\n    seed: 5\n"
        << "    pool_size: " << kPoolSize << "\n    app_id: " << app_id << "\n"
        << "    secret: {file: " << secret(secret_file) << "}\n"
        << "    activation_delay_ms: 300\n    reservation_ttl_s: 1800\n";
    };
    entry("mobile", "demo-mobile-app", "mobile-demo.secret");
    entry("unicom", "demo-unicom-app", "unicom-demo.secret");
    entry("mvno", "demo-mvno-partner", "mvno-demo-id-aes.key");
    f << "    settings:\n"
      << "      gateway_public_key: {file: " << secret("mvno-demo-gateway-public.pem") << "}\n"
      << "      carrier_private_key: {file: " << secret("mvno-demo-carrier-private.pem") << "}\n";
    entry("telecom", "demo-telecom-app", "telecom-demo.secret");
    f << "    settings:\n"
      << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
    f.close();
    std::string why;
    auto ports = start_and_wait(sim->process,
                                {CGW_SIM_BIN, "--config", (sim->dir / "simulators.yaml").string(),
                                 "--ports-file", (sim->dir / "sim.ports").string()},
                                sim->dir / "sim.log", sim->dir / "sim.ports", 15s, &why);
    ASSERT_TRUE(ports) << why;
    for (const auto& c : kCarriers)
      sim->ports[c] = static_cast<uint16_t>(json::parse(*ports).at(c).to_number<int>());
  }

  static void TearDownTestSuite() {
    sim->process.stop(SIGTERM, 10s);
    finish_test_dir(sim->dir);
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
    {
      std::ofstream k(dir_ / "pii.key");
      k << std::string(64, 'a');
      std::ofstream f(dir_ / "gateway.yaml");
      f << "listen: {address: 127.0.0.1, port: 0}\nthreads: 2\n"
        << "store: {path: cgw.db}\nlog: {level: debug}\n"
        << "limits: {shutdown_grace_ms: " << kGrace.count() << "}\n"
        << "security: {pii_key: {file: pii.key}}\n"
        << "tenants:\n  - id: demo\n    api_keys:\n      - sha256: "
        << cgw::crypto::sha256_hex(kKey) << "\ncarriers:\n";
      auto common = [&](const std::string& carrier) {
        f << "    required: true\n    base_url: http://127.0.0.1:" << sim->ports[carrier] << "\n"
          << "    sync_page_size: " << kPageSize << "\n    sync_interval_s: 3600\n"
          << "    incremental_sync_interval_s: 3600\n    activation_poll_interval_s: 30\n"
          << "    request_timeout_ms: 30000\n";
      };
      f << "  - id: mobile\n    plugin: " << CGW_MOBILE_PLUGIN << "\n";
      common("mobile");
      f << "    settings:\n      app_id: demo-mobile-app\n"
        << "      secret: {file: " << secret("mobile-demo.secret") << "}\n";
      f << "  - id: unicom\n    plugin: " << CGW_UNICOM_PLUGIN << "\n";
      common("unicom");
      f << "    settings:\n      app_id: demo-unicom-app\n"
        << "      secret: {file: " << secret("unicom-demo.secret") << "}\n";
      f << "  - id: mvno\n    kind: mvno\n    host_network: mixed\n    plugin: " << CGW_MVNO_PLUGIN
        << "\n";
      common("mvno");
      f << "    settings:\n      partner_id: demo-mvno-partner\n"
        << "      gateway_private_key: {file: " << secret("mvno-demo-gateway-private.pem") << "}\n"
        << "      carrier_public_key: {file: " << secret("mvno-demo-carrier-public.pem") << "}\n"
        << "      id_field_key: {file: " << secret("mvno-demo-id-aes.key") << "}\n";
      f << "  - id: telecom\n    plugin: " << CGW_TELECOM_PLUGIN << "\n";
      common("telecom");
      f << "    settings:\n      client_id: demo-telecom-app\n"
        << "      client_secret: {file: " << secret("telecom-demo.secret") << "}\n"
        << "      callback_secret: {file: " << secret("telecom-callback-demo.secret") << "}\n";
    }
    ASSERT_TRUE(gateway_.start({CGW_GATEWAY_BIN, "--config", (dir_ / "gateway.yaml").string(),
                                "--port-file", (dir_ / "gw.port").string()},
                               dir_ / "gateway.log"));
  }

  std::string log() const { return read_file(dir_ / "gateway.log"); }

  // Polls the gateway's log until `seen` holds (true), the gateway exits
  // or 30 s pass (false).
  bool wait_for(const std::function<bool(const std::string&)>& seen) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (seen(log())) return true;
      if (!gateway_.running()) return false;
      std::this_thread::sleep_for(5ms);
    }
    return false;
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
            {"carrier", "mobile"}, {"name", "张三"}, {"id_number", make_id("11010119900101123")}}));
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
    for (int i = 0; i < 1000; ++i) {
      auto r = api("GET", "/v1/carriers");
      if (r.status == 200) {
        const auto body = r.json();  // alive while iterated
        for (const auto& c : body.at("carriers").as_array())
          if (c.at("id").as_string() == "mobile" &&
              c.at("circuit").at("calls_in_flight").to_number<int>() >= n)
            return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
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
