// End to end: the simulator's magic plan SIM-EVENTS-OOO (docs/simulators-reference.md)
// through the real gateway. The mobile simulator reports the order
// reviewing, delivered (before any shipment), shipped (late), activated and
// shipped again (stale, after activation). The gateway must end the order
// activated, never move it backwards, and send no webhook for the late or
// stale report (docs/after-sales.md, "Forward only").
#include "harness.hpp"
#include "webhook_receiver.hpp"

#include "cgw/common/crypto.hpp"

#include <gtest/gtest.h>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "sim-events-e2e-key";
const std::string kSecret = "sim-events-webhook-secret";

// The gateway's statuses in lifecycle order (docs/after-sales.md).
int rank(const std::string& status) {
  static const std::vector<std::string> kOrder = {"pending",   "unknown",    "submitted",
                                                  "reviewing", "shipped",    "delivered",
                                                  "activated", "first_topup"};
  for (size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == status) return static_cast<int>(i);
  return -1;
}

class SimEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    hooks = std::make_unique<cgw::reliability::WebhookReceiver>(kSecret, 0);
    ASSERT_EQ(hooks->start(), "");
    // delivered at 0.6 s, shipped (late) at 1.2 s, activated at 1.8 s,
    // shipped (stale) at 2.4 s.
    SimSpec sim("mobile", 23, 400);
    sim.activation_delay_ms = 2400;
    ASSERT_EQ(stack.start_sim(sim_config({sim})), "");
    GatewaySpec spec;
    spec.extra =
        "webhooks: {initial_backoff_ms: 200, max_backoff_ms: 2000, scan_interval_ms: 100}\n";
    spec.tenants = {
        TenantSpec("t1", {kKey},
                   "    webhook: {url: 'http://127.0.0.1:" + std::to_string(hooks->port()) +
                       "/hooks', secret: whsec_" + cgw::crypto::base64_encode(kSecret) + "}\n")};
    CarrierSpec mobile("mobile", stack.sim_url("mobile"));
    mobile.activation_poll_interval_s = 1;
    spec.carriers = {mobile};
    ASSERT_EQ(stack.start_gateway(gateway_config(spec)), "");
    ASSERT_TRUE(wait_first_sync(stack.gw_port, kKey)) << read_file(stack.dir / "gateway.log");
  }
  void TearDown() override { stack.finish(HasFailure()); }

  HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
                 const Headers& extra = {}) {
    return api_call(stack.gw_port, kKey, method, target, body, extra);
  }
  std::string place_order(const std::string& plan) {
    std::set<std::string> used;
    const auto msisdn = fresh_number(stack.gw_port, kKey, "mobile", used);
    auto res = api("POST", "/v1/reservations",
                   json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                   {{"Idempotency-Key", "res-1"}});
    EXPECT_EQ(res.status, 201) << res.body;
    auto ver = api("POST", "/v1/kyc/verifications",
                   json::serialize(json::object{{"carrier", "mobile"},
                                                {"name", "测试用户"},
                                                {"id_number", make_id("19900101", "901")}}));
    EXPECT_EQ(ver.status, 200) << ver.body;
    json::object body{
        {"reservation_id", res.json().at("reservation_id")},
        {"plan_id", plan},
        {"verification_id", ver.json().at("verification_id")},
        {"delivery", {{"name", "测试用户"}, {"phone", "13900000000"}, {"address", "北京市1号"}}}};
    auto a =
        api("POST", "/v1/activations", json::serialize(body), {{"Idempotency-Key", "order-1"}});
    EXPECT_EQ(a.status, 202) << a.body;
    return a.status == 202 ? std::string(a.json().at("activation_id").as_string()) : "";
  }
  // The carrier's callbacks of its order for activation `id`.
  json::array carrier_callbacks(const std::string& id) {
    const json::value state = http("GET", stack.sim_port(), "/admin/state").json();
    std::string order_id;
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == id) order_id = o.at("orderId").as_string();
    const json::value callbacks = http("GET", stack.sim_port(), "/admin/callbacks").json();
    json::array out;
    for (const auto& c : callbacks.at("callbacks").as_array())
      if (c.at("orderId").as_string() == order_id) out.push_back(c);
    return out;
  }

  std::unique_ptr<cgw::reliability::WebhookReceiver> hooks;
  Stack stack{"cgw_e2e_sim_events"};
};

TEST_F(SimEvents, OutOfOrderEventsEndActivatedWithoutMovingBack) {
  const std::string id = place_order("SIM-EVENTS-OOO");
  ASSERT_FALSE(id.empty());
  auto done = wait_activation(stack.gw_port, kKey, id, {"activated", "failed"}, 30s);
  ASSERT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  // Every report, the stale one after activation included, reached the
  // gateway and was acknowledged.
  ASSERT_TRUE(wait_until(
      [&] {
        auto cbs = carrier_callbacks(id);
        if (cbs.size() != 5) return false;
        for (const auto& c : cbs)
          if (!c.at("acknowledged").as_bool()) return false;
        return true;
      },
      20s))
      << json::serialize(carrier_callbacks(id));

  const auto now = api("GET", "/v1/activations/" + id).json();
  EXPECT_EQ(now.at("status").as_string(), "activated") << json::serialize(now);
  std::vector<std::string> history;
  for (const auto& h : now.at("history").as_array())
    history.emplace_back(h.at("status").as_string());
  for (size_t i = 1; i < history.size(); ++i)
    EXPECT_LT(rank(history[i - 1]), rank(history[i])) << json::serialize(now);
  EXPECT_EQ(history.back(), "activated");
  // The late and stale "shipped" reports moved nothing.
  EXPECT_EQ(std::count(history.begin(), history.end(), "shipped"), 0) << json::serialize(now);
  EXPECT_EQ(std::count(history.begin(), history.end(), "delivered"), 1) << json::serialize(now);

  // One webhook event per move, none for the late or stale report.
  auto events = api("GET", "/v1/activations/" + id + "/webhooks").json().at("events").as_array();
  std::vector<std::string> sent;
  for (const auto& e : events)
    sent.emplace_back(e.at("payload").at("data").at("status").as_string());
  EXPECT_EQ(sent, history) << json::serialize(events);
  ASSERT_TRUE(wait_until([&] { return hooks->statuses(id).count("activated") > 0; }, 15s));
  EXPECT_EQ(hooks->statuses(id).count("shipped"), 0u);
  EXPECT_EQ(hooks->bad_signatures(), 0);
}

}  // namespace
