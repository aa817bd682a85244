// More of sim_kit_test: SimKit, SimKitConfigured (shared fixtures:
// sim_kit_fixture.hpp).
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

TEST_F(SimKit, FaultSchedulesAndSeededDeterminism) {
  const std::string plans = "/open/v1/plans";
  auto pattern = [&](const std::string& prefix, int calls) {
    std::string out;
    for (int i = 0; i < calls; ++i)
      out += signed_call("GET", plans, "", prefix).status == 503 ? 'F' : '.';
    return out;
  };
  auto rule = [&](json::object schedule) {
    schedule["operation"] = plans;
    schedule["kind"] = "http_status";
    schedule["status"] = 503;
    return schedule;
  };
  admin("POST", "/admin/faults", rule({{"every", 3}}), 201);
  EXPECT_EQ(pattern("", 7), "..F..F.");
  admin("DELETE", "/admin/faults/f1");
  admin("POST", "/admin/faults", rule({{"first", 2}}), 201);
  EXPECT_EQ(pattern("", 4), "FF..");
  admin("DELETE", "/admin/faults");

  // A window of simulated time [from, to).
  const int64_t t = clock("", {{"freeze", true}}).at("nowMs").as_int64();
  admin("POST", "/admin/faults", rule({{"from_ms", t + 1'000}, {"to_ms", t + 2'000}}), 201);
  EXPECT_EQ(pattern("", 1), ".");
  clock("", {{"advance_ms", 1'000}});
  EXPECT_EQ(pattern("", 1), "F");
  clock("", {{"advance_ms", 1'000}});
  EXPECT_EQ(pattern("", 1), ".");

  // A probability draws from the simulator's seed: same seed, same faults.
  const auto half = rule({{"probability", 0.5}});
  make_ns("s1", {{"seed", 11}, {"faults", json::array{half}}});
  make_ns("s2", {{"seed", 11}, {"faults", json::array{half}}});
  make_ns("s3", {{"seed", 12}, {"faults", json::array{half}}});
  const std::string p1 = pattern("/ns/s1", 24);
  EXPECT_EQ(p1, pattern("/ns/s2", 24));
  EXPECT_NE(p1, pattern("/ns/s3", 24));
  EXPECT_NE(p1.find('F'), std::string::npos);
  EXPECT_NE(p1.find('.'), std::string::npos);
  auto listed = admin("GET", "/ns/s1/admin/faults").at("faults").at(0);
  EXPECT_EQ(listed.at("seen").as_int64(), 24);
  EXPECT_EQ(listed.at("fired").as_int64(), std::count(p1.begin(), p1.end(), 'F'));
}

TEST_F(SimKit, CallbackChaosDuplicateDelayAndDrop) {
  // One callback per order: no shipping stages (fulfilment false).
  make_ns("c", {{"activation_delay_ms", 1'000},
                {"fulfilment", false},
                {"callback_chaos",
                 {{"duplicate", {{"first", 1}}},
                  {"drop", {{"every", 2}}},
                  {"delay", {{"ms", 5'000}, {"every", 3}}}}}});
  const int64_t t0 = clock("/ns/c", {{"freeze", true}}).at("nowMs").as_int64();
  // 100 ms apart, so that they end (and call back) in this order.
  const std::string o1 = place_order("/ns/c", "P-1");
  clock("/ns/c", {{"advance_ms", 100}});
  const std::string o2 = place_order("/ns/c", "P-2");
  clock("/ns/c", {{"advance_ms", 100}});
  const std::string o3 = place_order("/ns/c", "P-3");
  clock("/ns/c", {{"advance_ms", 2'000}});
  auto got = partner_->received();
  ASSERT_EQ(got.size(), 2u) << "#1 twice, #2 dropped, #3 delayed";
  EXPECT_EQ(got[0].order_id, o1);
  EXPECT_EQ(got[1].event_id, got[0].event_id) << "the same event twice";
  clock("/ns/c", {{"advance_ms", 120'000}});
  got = partner_->received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].order_id, o3);

  auto cbs = callbacks("/ns/c");
  ASSERT_EQ(cbs.size(), 3u);
  EXPECT_EQ(cbs[0].at("attempts").as_array().size(), 2u);
  EXPECT_EQ(cbs[0].at("attempts").at(1).at("chaos").as_string(), "duplicate");
  EXPECT_TRUE(cbs[1].at("dropped").as_bool());
  EXPECT_FALSE(cbs[1].at("acknowledged").as_bool());
  EXPECT_TRUE(cbs[1].at("attempts").as_array().empty()) << "no retries";
  EXPECT_EQ(cbs[1].at("orderId").as_string(), o2);
  EXPECT_EQ(cbs[2].at("attempts").at(0).at("at_ms").as_int64(), t0 + 1'200 + 5'000);
  EXPECT_TRUE(cbs[2].at("acknowledged").as_bool());
}

TEST_F(SimKit, CallbackChaosReorderAndDeterminism) {
  make_ns("r", {{"activation_delay_ms", 1'000},
                {"fulfilment", false},
                {"callback_chaos", {{"reorder", {{"first", 1}}}}}});
  clock("/ns/r", {{"freeze", true}});
  const std::string o1 = place_order("/ns/r", "P-1");  // ends first, held back
  clock("/ns/r", {{"advance_ms", 500}});
  const std::string o2 = place_order("/ns/r", "P-2");
  clock("/ns/r", {{"advance_ms", 5'000}});
  auto got = partner_->received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].order_id, o2);
  EXPECT_EQ(got[1].order_id, o1);

  // Seeded chaos: the same seed drops the same callbacks.
  auto dropped = [&](const std::string& name, int seed) {
    make_ns(name, {{"seed", seed},
                   {"activation_delay_ms", 1'000},
                   {"fulfilment", false},
                   {"callback_chaos", {{"drop", {{"probability", 0.5}}}}}});
    const std::string prefix = "/ns/" + name;
    clock(prefix, {{"freeze", true}});
    for (int i = 0; i < 8; ++i) place_order(prefix, numbered("P-d", i));
    clock(prefix, {{"advance_ms", 2'000}});
    std::string out;
    for (const auto& c : callbacks(prefix)) out += c.at("dropped").as_bool() ? 'D' : '.';
    return out;
  };
  admin("DELETE", "/admin/namespaces/r");
  const std::string d1 = dropped("d1", 5);
  EXPECT_EQ(d1.size(), 8u);
  EXPECT_EQ(d1, dropped("d2", 5));
  EXPECT_NE(d1.find('D'), std::string::npos);
  EXPECT_NE(d1.find('.'), std::string::npos);
}

class SimKitConfigured : public SimKit {
 protected:
  void SetUp() override {
    sim::FaultRule r;
    r.operation = "/open/v1/plans";
    r.kind = sim::FaultKind::kBusinessError;
    r.code = "9999";
    r.schedule.first = 1;
    config_faults_ = {r};
    SimKit::SetUp();
  }
};

TEST_F(SimKitConfigured, FaultsFromTheConfigApplyToTheDefaultNamespaceOnly) {
  make_ns("fresh");
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans", "", "/ns/fresh")), "0");
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans")), "9999");
  EXPECT_EQ(code(signed_call("GET", "/open/v1/plans")), "0");
  auto rules = admin("GET", "/admin/faults").at("faults").as_array();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].at("fired").as_int64(), 1);
}
