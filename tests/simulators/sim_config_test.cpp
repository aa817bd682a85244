// Unit tests of the simulator's config (errors name file and line) and the
// pure parts of the simulator kit: schedules, fault rules, callback chaos.
#include "cgw/sim/callback_chaos.hpp"
#include "cgw/sim/callback_sender.hpp"
#include "cgw/sim/clock.hpp"
#include "cgw/sim/config.hpp"
#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/ledger.hpp"
#include "cgw/sim/mobile/catalog.hpp"
#include "cgw/sim/mobile/kyc.hpp"
#include "cgw/sim/nonce_store.hpp"
#include "cgw/sim/number_pool.hpp"
#include "cgw/sim/request_journal.hpp"
#include "cgw/sim/rng.hpp"
#include "cgw/sim/schedule.hpp"
#include "cgw/sim/vanity.hpp"
#include "sim_core_support.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <set>
#include <thread>

using namespace cgw::sim;
using namespace cgw::sim::test;

// ---- config ------------------------------------------------------------

class SimConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sim_cfg_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(dir_ / "secrets");
    std::ofstream(dir_ / "secrets" / "m.secret") << "s3cret\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  ConfigResult parse(const std::string& yaml) {
    return parse_config(yaml, dir_, "sim.yaml", {"mobile"});
  }
  std::filesystem::path dir_;
};

TEST_F(SimConfigTest, StateDirIsRelativeToTheConfigFile) {
  const std::string sims =
      "simulators:\n"
      "  - carrier: mobile\n"
      "    listen: \"127.0.0.1:0\"\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n";
  auto r = parse(sims);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.config.state_dir.empty()) << "no saved namespaces unless asked";
  r = parse("state_dir: state\n" + sims);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.config.state_dir, dir_ / "state");
  r = parse("state_dir: /var/lib/cgw-sim\n" + sims);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.config.state_dir, std::filesystem::path("/var/lib/cgw-sim"));
  r = parse("state_dir: \"\"\n" + sims);
  EXPECT_EQ(r.error, "sim.yaml:1: state_dir must be a non-empty string");
  r = parse("state_dir: [a]\n" + sims);
  EXPECT_EQ(r.error, "sim.yaml:1: state_dir must be a non-empty string");
}

TEST_F(SimConfigTest, ParsesAValidConfigWithDefaults) {
  auto r = parse(
      "threads: 3\n"
      "simulators:\n"
      "  - carrier: mobile\n"
      "    listen: \"127.0.0.1:0\"\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.config.threads, 3);
  ASSERT_EQ(r.config.simulators.size(), 1u);
  const auto& s = r.config.simulators[0];
  EXPECT_EQ(s.secret, "s3cret");
  EXPECT_EQ(s.port, 0);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.pool_size, 20000u);
  EXPECT_EQ(s.activation_delay_ms, 2000);
  EXPECT_EQ(s.reservation_ttl_s, 1800);
}

TEST_F(SimConfigTest, ErrorsNameFileAndLine) {
  const std::string head =
      "simulators:\n"
      "  - carrier: mobile\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n";
  auto r = parse(head + "    listen: \"127.0.0.1:99999\"\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:5: listen port", 0), 0u) << r.error;
  r = parse(head + "    listen: \"127.0.0.1:1\"\n    pool_size: -5\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:6: pool_size", 0), 0u) << r.error;
  r = parse(head + "    listen: \"127.0.0.1:1\"\n    colour: red\n");
  EXPECT_EQ(r.error, "sim.yaml:6: unknown key 'colour'");
  r = parse(
      "simulators:\n  - carrier: unicom\n    listen: \"127.0.0.1:1\"\n    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:2: unknown carrier 'unicom'", 0), 0u) << r.error;
  r = parse(
      "simulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:1\"\n    app_id: a\n"
      "    secret: plain-text\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:5: secret must be a reference", 0), 0u) << r.error;
  r = parse(
      "simulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:1\"\n    app_id: a\n"
      "    secret: {file: secrets/missing}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:5: cannot read secret file", 0), 0u) << r.error;
  r = parse("simulators: [\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:", 0), 0u) << r.error;
  r = parse("threads: 2\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:1: 'simulators' must be a non-empty list", 0), 0u) << r.error;
  r = parse("simulators:\n  - carrier: mobile\n    app_id: a\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:2: simulator lacks required key 'listen'", 0), 0u) << r.error;
  EXPECT_FALSE(load_config(dir_ / "nope.yaml", {"mobile"}).ok());
}

TEST_F(SimConfigTest, FaultsAndCallbackChaosPerSimulator) {
  const std::string head =
      "simulators:\n"
      "  - carrier: mobile\n"
      "    listen: \"127.0.0.1:0\"\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n";
  auto r =
      parse(head +
            "    faults:\n"
            "      - {operation: /open/v1/numbers/lock, kind: http_status, status: 503, first: 2}\n"
            "      - {operation: \"*\", kind: business_error, code: \"9999\", probability: 0.25}\n"
            "    callback_chaos: {seed: 3, duplicate: {first: 1}, delay: {ms: 2000}}\n");
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& s = r.config.simulators.at(0);
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].operation, "/open/v1/numbers/lock");
  EXPECT_EQ(s.faults[0].http_status, 503);
  EXPECT_EQ(s.faults[0].schedule.first, 2u);
  EXPECT_EQ(s.faults[1].kind, FaultKind::kBusinessError);
  EXPECT_EQ(s.faults[1].code, "9999");  // quoted: a string, not a number
  EXPECT_DOUBLE_EQ(*s.faults[1].schedule.probability, 0.25);
  ASSERT_TRUE(s.callback_chaos.has_value());
  EXPECT_EQ(s.callback_chaos->seed, 3u);
  EXPECT_TRUE(s.callback_chaos->duplicate.has_value());
  EXPECT_EQ(s.callback_chaos->delay_ms, 2000);

  r = parse(head + "    faults:\n      - {kind: explode}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:7: faults[0]: kind must be one of", 0), 0u) << r.error;
  r = parse(head + "    faults:\n      - {kind: latency}\n");
  EXPECT_EQ(r.error, "sim.yaml:7: faults[0]: a latency fault needs latency_ms");
  r = parse(head + "    callback_chaos: {drop: {first: 0}}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:6: callback_chaos: drop: first must be", 0), 0u) << r.error;
}

TEST(Schedule, FirstEveryWindowAndSeededProbability) {
  DrawStream d(1);
  auto fires = [&](const Schedule& s, uint64_t n, int64_t now = 0) {
    return schedule_fires(s, n, now, d);
  };
  Schedule first;
  first.first = 2;
  EXPECT_TRUE(fires(first, 1));
  EXPECT_TRUE(fires(first, 2));
  EXPECT_FALSE(fires(first, 3));
  Schedule every;
  every.every = 3;
  EXPECT_FALSE(fires(every, 2));
  EXPECT_TRUE(fires(every, 3));
  EXPECT_TRUE(fires(every, 6));
  Schedule window;
  window.from_ms = 100;
  window.to_ms = 200;
  EXPECT_FALSE(fires(window, 1, 99));
  EXPECT_TRUE(fires(window, 1, 100));
  EXPECT_FALSE(fires(window, 1, 200));
  EXPECT_TRUE(fires(Schedule{}, 1)) << "no condition: always";

  Schedule half;
  half.probability = 0.5;
  auto pattern = [&](uint64_t seed) {
    DrawStream draws(mix_seed(seed, 1));
    std::string out;
    for (uint64_t n = 1; n <= 64; ++n) out += schedule_fires(half, n, 0, draws) ? '1' : '0';
    return out;
  };
  EXPECT_EQ(pattern(7), pattern(7));
  EXPECT_NE(pattern(7), pattern(8));
  const std::string seven = pattern(7);
  const auto ones = std::count(seven.begin(), seven.end(), '1');
  EXPECT_GT(ones, 16);
  EXPECT_LT(ones, 48);
}

TEST(FaultInjector, ParsesRulesAndDecidesByOperation) {
  auto parsed = fault_rules_from_json(boost::json::parse(
      R"([{"operation":"op.a","kind":"http_status","status":502,"first":1},
          {"operation":"*","kind":"latency_ms","latency_ms":5,"every":2}])"));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  FaultInjector faults(7);
  ASSERT_EQ(faults.add(parsed.rules), "");
  EXPECT_EQ(parsed.rules[0].id, "f1");
  auto d1 = faults.decide("op.a", 0);  // f1 fires (its 1st), f2 counts (its 1st)
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->id, "f1");
  auto d2 = faults.decide("op.b", 0);  // f2's 2nd call
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->kind, FaultKind::kLatency);
  EXPECT_FALSE(faults.decide("op.a", 0)) << "f1 is spent, f2's 3rd call is odd";
  auto rules = faults.rules();
  EXPECT_EQ(rules[0].seen, 2u);
  EXPECT_EQ(rules[0].fired, 1u);
  EXPECT_EQ(rules[1].seen, 3u);
  EXPECT_TRUE(faults.remove("f1"));
  EXPECT_FALSE(faults.remove("f1"));
  faults.clear();
  EXPECT_TRUE(faults.rules().empty());

  for (const char* bad :
       {R"({"kind":"reset","status":1})", R"({"kind":"http_status","status":99})",
        R"({"kind":"timeout","hold_ms":600000})", R"({"kind":"reset","probability":2})",
        R"({"kind":"reset","from_ms":5,"to_ms":5})",
        R"({"kind":"latency","latency_ms":1,"after_serve":true})"})
    EXPECT_FALSE(fault_rules_from_json(boost::json::parse(bad)).ok()) << bad;
}

TEST(CallbackChaos, ParsesAndRoundTrips) {
  auto p = callback_chaos_from_json(boost::json::parse(
      R"({"seed":9,"duplicate":{"first":1},"reorder":{"probability":0.5},"delay":{"ms":250},
          "drop":{"every":4},"bad_signature":{}})"));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_TRUE(p.chaos.any());
  auto back = callback_chaos_from_json(to_json(p.chaos));
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(boost::json::serialize(to_json(back.chaos)), boost::json::serialize(to_json(p.chaos)));
  EXPECT_FALSE(callback_chaos_from_json(boost::json::parse(R"({"delay":{}})")).ok());
  EXPECT_FALSE(callback_chaos_from_json(boost::json::parse(R"({"explode":{}})")).ok());

  cgw::net::HeaderList headers = {{"X-Sign-Type", "HMAC"}, {"X-Signature", "abc0"}};
  std::string body = "{}";
  corrupt_signature(headers, body);
  EXPECT_EQ(headers[0].second, "HMAC");
  EXPECT_EQ(headers[1].second, "abc1");
  cgw::net::HeaderList none;
  body = R"({"a":1,"sign":"ff"})";
  corrupt_signature(none, body);
  EXPECT_EQ(body, R"({"a":1,"sign":"f0"})");
}
