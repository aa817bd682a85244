// End to end: the order lifecycle after submit and cancelling
// (docs/after-sales.md), with the real mobile simulator, which ships,
// delivers, activates and reports a first top-up by callback, and the real
// gateway on 127.0.0.1.
#include "harness.hpp"

#include <gtest/gtest.h>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "lifecycle-e2e-key";
const std::set<std::string> kShippedOrLater = {"shipped",     "delivered", "activated",
                                               "first_topup", "cancelled", "returned"};

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    SimSpec sim("mobile", 11, 400);
    sim.activation_delay_ms = 900;  // shipped at 300 ms, delivered at 600 ms
    sim.extra = "    first_topup_delay_ms: 700\n";
    ASSERT_EQ(stack.start_sim(sim_config({sim})), "");
    GatewaySpec spec;
    spec.tenants = {{"t1", {kKey}}};
    CarrierSpec mobile("mobile", stack.sim_url("mobile"));
    mobile.activation_poll_interval_s = poll_interval_s();
    spec.carriers = {mobile};
    ASSERT_EQ(stack.start_gateway(gateway_config(spec)), "");
    ASSERT_TRUE(wait_first_sync(stack.gw_port, kKey)) << read_file(stack.dir / "gateway.log");
  }
  void TearDown() override { stack.finish(HasFailure()); }
  virtual int poll_interval_s() const { return 1; }

  HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
                 const Headers& extra = {}) {
    return api_call(stack.gw_port, kKey, method, target, body, extra);
  }
  // A new activation of a fresh number on `plan`; its id.
  std::string place_order(const std::string& plan) {
    const std::string n = std::to_string(++orders_);
    const auto msisdn = fresh_number(stack.gw_port, kKey, "mobile", used_);
    auto res = api("POST", "/v1/reservations",
                   json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                   {{"Idempotency-Key", "res-" + n}});
    EXPECT_EQ(res.status, 201) << res.body;
    auto ver = api("POST", "/v1/kyc/verifications",
                   json::serialize(json::object{{"carrier", "mobile"},
                                                {"name", "测试用户"},
                                                {"id_number", make_id("19900101", "90" + n)}}));
    EXPECT_EQ(ver.status, 200) << ver.body;
    json::object body{
        {"reservation_id", res.json().at("reservation_id")},
        {"plan_id", plan},
        {"verification_id", ver.json().at("verification_id")},
        {"delivery", {{"name", "测试用户"}, {"phone", "13900000000"}, {"address", "北京市1号"}}}};
    auto a =
        api("POST", "/v1/activations", json::serialize(body), {{"Idempotency-Key", "order-" + n}});
    EXPECT_EQ(a.status, 202) << a.body;
    return std::string(a.json().at("activation_id").as_string());
  }
  json::value wait(const std::string& id, const std::set<std::string>& until) {
    return wait_activation(stack.gw_port, kKey, id, until, 30s);
  }
  HttpResult cancel(const std::string& id, const std::string& key) {
    return api("POST", "/v1/activations/" + id + "/cancel", R"({"reason":"customer_request"})",
               {{"Idempotency-Key", key}});
  }
  // The simulated carrier's view of the order the gateway placed as `id`.
  json::object carrier_order(const std::string& id) {
    auto state = http("GET", stack.sim_port(), "/admin/state").json();
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == id) return o.as_object();
    return {};
  }

  Stack stack{"cgw_e2e_lifecycle"};
  std::set<std::string> used_;
  int orders_ = 0;
};

TEST_F(Lifecycle, AnOrderIsTrackedToItsFirstTopupInOrder) {
  const auto id = place_order("MB-DGDD-19");
  auto done = wait(id, {"first_topup", "failed"});
  ASSERT_EQ(done.at("status").as_string(), "first_topup") << json::serialize(done);
  // Each stage once, in the lifecycle's order, with what came with it.
  std::vector<std::string> seen;
  for (const auto& h : done.at("history").as_array()) seen.emplace_back(h.at("status").as_string());
  EXPECT_EQ(seen, (std::vector<std::string>{"pending", "submitted", "shipped", "delivered",
                                            "activated", "first_topup"}))
      << json::serialize(done);
  const auto& shipment = done.at("shipment");
  ASSERT_TRUE(shipment.is_object()) << json::serialize(done);
  EXPECT_FALSE(shipment.at("courier").as_string().empty());
  EXPECT_FALSE(shipment.at("waybill").as_string().empty());
  EXPECT_EQ(done.at("first_topup_fen").as_int64(), 5000);
  // The carrier's record agrees.
  const auto order = carrier_order(id);
  EXPECT_EQ(order.at("waybill"), shipment.at("waybill"));
}

TEST_F(Lifecycle, AnOrderIsCancelledBeforeShippingAndTheCancelIsReplayed) {
  const auto id = place_order("SIM-STUCK");  // accepted, never shipped
  ASSERT_EQ(wait(id, {"submitted"}).at("status").as_string(), "submitted");
  auto no_key = api("POST", "/v1/activations/" + id + "/cancel");
  EXPECT_EQ(no_key.error_code(), "IDEMPOTENCY_KEY_REQUIRED") << no_key.body;
  auto first = cancel(id, "cancel-1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json().at("cancel").as_string(), "cancelled");
  EXPECT_EQ(first.json().at("activation").at("status").as_string(), "cancelled");
  // The same key replays the answer; the carrier cancelled the order.
  auto again = cancel(id, "cancel-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(carrier_order(id).at("stage").as_string(), "cancelled");
  // Cancelling a cancelled order answers the same; another key's body differs.
  EXPECT_EQ(cancel(id, "cancel-2").status, 200);
  EXPECT_EQ(api("POST", "/v1/activations/" + id + "/cancel", R"({"reason":"other"})",
                {{"Idempotency-Key", "cancel-1"}})
                .error_code(),
            "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(cancel("act_missing", "cancel-3").status, 404);
}

TEST_F(Lifecycle, AShippedOrderCannotBeCancelled) {
  const auto id = place_order("MB-DGDD-19");
  const auto shipped = wait(id, kShippedOrLater);
  ASSERT_TRUE(kShippedOrLater.count(std::string(shipped.at("status").as_string())));
  auto refused = cancel(id, "cancel-shipped");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.error_code(), "CANCEL_REFUSED");
  // The order goes on to the end.
  EXPECT_EQ(wait(id, {"first_topup"}).at("status").as_string(), "first_topup");
}

TEST_F(Lifecycle, ACancelWhoseAnswerIsLostIsSettledByTheNextQuery) {
  const auto id = place_order("SIM-STUCK");
  ASSERT_EQ(wait(id, {"submitted"}).at("status").as_string(), "submitted");
  // The carrier cancels, then the connection drops before its answer.
  auto fault = http("POST", stack.sim_port(), "/admin/faults",
                    R"({"operation":"/open/v1/orders/cancel","kind":"reset","after_serve":true,)"
                    R"("first":1})");
  ASSERT_EQ(fault.status, 201) << fault.body;
  auto lost = cancel(id, "cancel-lost");
  ASSERT_EQ(lost.status, 202) << lost.body;
  EXPECT_EQ(lost.json().at("cancel").as_string(), "unknown");
  EXPECT_EQ(lost.json().at("activation").at("status").as_string(), "submitted");
  // Not assumed: the engine's status query finds the carrier cancelled it.
  EXPECT_EQ(wait(id, {"cancelled"}).at("status").as_string(), "cancelled");
}

TEST_F(Lifecycle, AReturnedCardEndsTheOrderAndFreesTheNumber) {
  const auto id = place_order("SIM-RETURN");
  auto done = wait(id, {"returned"});
  ASSERT_EQ(done.at("status").as_string(), "returned") << json::serialize(done);
  const auto& history = done.at("history").as_array();
  EXPECT_EQ(history.at(history.size() - 2).at("status").as_string(), "shipped");
  // A late report of an earlier stage changes nothing (forward only).
  EXPECT_EQ(api("GET", "/v1/activations/" + id).json().at("status").as_string(), "returned");
}

}  // namespace

// An order that a callback settles ends its engine task at once, instead
// of sleeping until its next status query (10 minutes here). On a record
// day every order's task would otherwise hold its memory until then
// (docs/benchmarks.md, "The record day at full scale").
class LifecycleSlowPolls : public Lifecycle {
 protected:
  int poll_interval_s() const override { return 600; }
};

TEST_F(LifecycleSlowPolls, ASettledOrderEndsItsTaskWithoutWaitingForItsQuery) {
  std::vector<std::string> settled;
  for (int i = 0; i < 3; ++i) settled.push_back(place_order("MB-DGDD-19"));
  const auto stuck = place_order("SIM-STUCK");  // never reported: its task waits
  // Settled at `activated`; the first top-up (0.7 s later) leaves the
  // task of each time to end.
  for (const auto& id : settled) ASSERT_FALSE(wait(id, {"first_topup"}).is_null()) << id;
  ASSERT_FALSE(wait(stuck, {"submitted"}).is_null());
  // The shutdown names the tasks it cancels: one activation's, the stuck one.
  const auto code = stack.gateway.stop(SIGTERM, 10s);
  ASSERT_TRUE(code.has_value());
  const auto log = read_file(stack.dir / "gateway.log");
  const auto at = log.find("background tasks (");
  ASSERT_NE(at, std::string::npos) << log;
  const auto line = log.substr(at, log.find('\n', at) - at);
  EXPECT_NE(line.find("activation"), std::string::npos) << line;
  EXPECT_EQ(line.find("activation x"), std::string::npos) << line;
}
