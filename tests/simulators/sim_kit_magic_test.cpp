// The mobile simulator's magic msisdns (reserve outcomes) and magic event
// plans over real HTTP, on the default instance and in a namespace, with
// the callbacks a partner receives.
#include "sim_kit_fixture.hpp"

using namespace sim_kit;

namespace {

std::vector<std::string> states_of(const std::vector<Received>& got, const std::string& order) {
  std::vector<std::string> out;
  for (const auto& r : got)
    if (r.order_id == order) out.push_back(r.order_state);
  return out;
}

}  // namespace

TEST_F(SimKit, MagicNumbersAnswerTheirReserveOutcomeAlways) {
  make_ns("m1");
  for (const std::string prefix : {"", "/ns/m1"}) {
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(code(lock(prefix, "13800000001")), "3002");  // locked by someone else
      EXPECT_EQ(code(lock(prefix, "13800000002")), "3002");  // sold
      EXPECT_EQ(code(lock(prefix, "13800000003")), "3001");  // not in the pool
    }
    // Not listed: the pool never holds them.
    auto r = signed_call("GET", "/open/v1/numbers?cursor=13800000000&size=1", "", prefix);
    const json::value page = json::parse(r.body);
    const auto& numbers = page.at("data").at("numbers").as_array();
    if (!numbers.empty()) {
      EXPECT_GT(std::string(numbers.at(0).at("number").as_string()), "13800000003");
    }
  }
}

TEST_F(SimKit, MagicPlansAreListedAndScriptTheirEvents) {
  auto plans = signed_call("GET", "/open/v1/plans");
  EXPECT_NE(plans.body.find("\"SIM-EVENTS\""), std::string::npos) << plans.body;
  EXPECT_NE(plans.body.find("\"SIM-EVENTS-OOO\""), std::string::npos) << plans.body;

  make_ns("ev", {{"activation_delay_ms", 4'000}});
  clock("/ns/ev", {{"freeze", true}});
  const std::string in_order = place_order("/ns/ev", "P-ev-1", "SIM-EVENTS");
  const std::string shuffled = place_order("/ns/ev", "P-ev-2", "SIM-EVENTS-OOO");
  // Both REVIEWING callbacks answered before the clock moves, so none of
  // them races a later event of its order.
  const auto t0 = std::chrono::steady_clock::now();
  while (partner_->received().size() < 2 && ms_since(t0) < 5'000) std::this_thread::sleep_for(5ms);
  clock("/ns/ev", {{"advance_ms", 5'000}});
  // Each callback is acknowledged before the clock moves on (the advance
  // awaits them), so they arrive in the order they were sent.
  const auto got = partner_->received();
  EXPECT_EQ(states_of(got, in_order),
            (std::vector<std::string>{"REVIEWING", "SHIPPED", "DELIVERED", "SUCCESS"}));
  EXPECT_EQ(states_of(got, shuffled),
            (std::vector<std::string>{"REVIEWING", "DELIVERED", "SHIPPED", "SUCCESS", "SHIPPED"}));
  // The carrier's own record never went back: activated, the line open.
  const json::object state = admin("GET", "/ns/ev/admin/state");
  for (const auto& o : state.at("orders").as_array())
    EXPECT_EQ(o.at("stage").as_string(), "activated") << json::serialize(o);
  EXPECT_EQ(admin("GET", "/ns/ev/admin/lines").at("lines").as_array().size(), 2u);
}
