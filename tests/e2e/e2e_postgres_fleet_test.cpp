// Two real cgw-gateway instances on one PostgreSQL (the test starts it,
// scripts/pg_local.sh) and one cgw-sim: background work runs under leases
// (one instance syncs the carrier, GET /metrics cgw_lease_held says which),
// and when an instance is SIGKILLed the survivor takes its leases over and
// adopts the activation it was driving: a submit cut by the kill is queried
// before it is sent again, so the carrier has exactly one order. A
// restarted instance leaves the activations of a live instance alone.
#include "../gateway/store/postgres_server.hpp"
#include "harness.hpp"
#include "store/postgres/pg_connection.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "fleet-e2e-key";
const std::string kMetricsKey = "fleet-e2e-scraper";  // scopes: [metrics:read]
constexpr const char* kSyncLease = "cgw_lease_held{lease=\"inventory_sync:mobile\"}";
constexpr int kTtlMs = 1500;

struct Instance {
  Process proc;
  uint16_t port = 0;
};

class PostgresFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      cgw::gw::pg::PgConnection c(pg.dsn());
      c.exec_simple("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    ::setenv("CGW_PG_DSN", pg.dsn().c_str(), 1);  // the gateways inherit it
    SimSpec sim("mobile");
    sim.activation_delay_ms = 500;
    ASSERT_EQ(stack.start_sim(sim_config({sim})), "");
    // Callbacks lost: each activation is finished by its driver's polling.
    auto chaos =
        http("POST", stack.sim_port(), "/admin/callback-chaos", R"({"drop":{"probability":1}})");
    ASSERT_EQ(chaos.status / 100, 2) << chaos.body;
    ASSERT_EQ(start(a, "a"), "");
    ASSERT_TRUE(wait_first_sync(a.port, kKey));
    ASSERT_EQ(start(b, "b"), "");
    ASSERT_TRUE(wait_first_sync(b.port, kKey));
  }
  void TearDown() override {
    for (Instance* i : {&a, &b, &c}) i->proc.stop(SIGKILL, 5s);
    stack.finish(HasFailure());
  }

  std::string start(Instance& i, const std::string& name) {
    GatewaySpec spec;
    spec.tenants = {
        {"t1", {kKey}},
        TenantSpec("monitoring", {KeySpec(kMetricsKey, "prometheus", "[metrics:read]")})};
    spec.carriers = {CarrierSpec("mobile", stack.sim_url("mobile"))};
    spec.carriers[0].activation_poll_interval_s = 1;
    spec.extra = "fleet: {heartbeat_ms: 250, lease_ttl_ms: " + std::to_string(kTtlMs) +
                 "}\naudit: {path: audit-" + name + ".log}\n";
    auto yaml = gateway_config(spec);
    const std::string sqlite = "store: {path: cgw.db}";
    const auto at = yaml.find(sqlite);
    if (at == std::string::npos) return "no store line in the generated config";
    yaml.replace(at, sqlite.size(), "store: {kind: postgres, dsn: {env: CGW_PG_DSN}}");
    std::ofstream(stack.dir / "pii.key") << std::string(64, 'd');  // one key for the fleet
    return stack.start_gateway_into(i.proc, i.port, "gateway-" + name, yaml, 20s);
  }

  // One sample of GET /metrics ("" when absent or unreachable).
  static std::string metric(uint16_t port, const std::string& series) {
    auto r = api_call(port, kMetricsKey, "GET", "/metrics");
    std::istringstream in(r.body);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
    return "";
  }

  // Reserves, verifies and activates a fresh number through `port`.
  std::string activate(uint16_t port, const std::string& tag);

  // The simulator's orders for the gateway's order id `act_id`: how many,
  // and the submit count of the first.
  std::pair<int, int64_t> carrier_orders(const std::string& act_id) {
    auto st = http("GET", stack.sim_port(), "/admin/state");
    int n = 0;
    int64_t submits = 0;
    const json::value state = st.json();  // a local: the loop must not walk a temporary
    for (const auto& o : state.at("orders").as_array())
      if (o.at("partnerOrderId").as_string() == act_id && n++ == 0)
        submits = o.at("submitCount").to_number<int64_t>();
    return {n, submits};
  }
  // The order submits the simulator was sent (its fault rule's `seen`).
  int64_t submits_seen() {
    auto f = http("GET", stack.sim_port(), "/admin/faults");
    const json::value rules = f.json();
    for (const auto& r : rules.at("faults").as_array())
      if (r.at("operation").as_string() == "/open/v1/orders")
        return r.at("seen").to_number<int64_t>();
    return -1;
  }
  // The first order submit meets `rule` (a fault of the simulator's kit).
  void first_submit(const std::string& rule) {
    http("DELETE", stack.sim_port(), "/admin/faults");
    auto f = http("POST", stack.sim_port(), "/admin/faults",
                  R"({"operation":"/open/v1/orders","first":1,)" + rule + "}");
    ASSERT_EQ(f.status, 201) << f.body;
  }
  static std::string history(uint16_t port, const std::string& id) {
    return json::serialize(api_call(port, kKey, "GET", "/v1/activations/" + id).json());
  }

  cgw::gw::in_process::PostgresServer& pg = cgw::gw::in_process::shared_postgres();
  Stack stack{"cgw_e2e_postgres_fleet"};
  Instance a, b, c;
  std::set<std::string> used;
};

std::string PostgresFleet::activate(uint16_t port, const std::string& tag) {
  const auto msisdn = fresh_number(port, kKey, "mobile", used);
  auto res = api_call(port, kKey, "POST", "/v1/reservations",
                      json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                      {{"Idempotency-Key", tag + "-reserve"}});
  EXPECT_EQ(res.status, 201) << res.body;
  if (res.status != 201) return "";
  auto ver = api_call(
      port, kKey, "POST", "/v1/kyc/verifications",
      json::serialize(json::object{
          {"carrier", "mobile"}, {"name", "测试用户"}, {"id_number", make_id("19920202", "902")}}));
  EXPECT_EQ(ver.status, 200) << ver.body;
  auto plans = api_call(port, kKey, "GET", "/v1/plans?carrier=mobile");
  EXPECT_EQ(plans.status, 200) << plans.body;
  if (ver.status != 200 || plans.status != 200) return "";
  const auto body = json::serialize(
      json::object{{"reservation_id", res.json().at("reservation_id")},
                   {"plan_id", plans.json().at("plans").at(0).at("plan_id")},
                   {"verification_id", ver.json().at("verification_id")},
                   {"delivery", json::object{{"name", "测试收件人"},
                                             {"phone", "13900000000"},
                                             {"address", "北京市东城区测试路1号"}}}});
  auto act =
      api_call(port, kKey, "POST", "/v1/activations", body, {{"Idempotency-Key", tag + "-order"}});
  EXPECT_EQ(act.status, 202) << act.body;
  if (act.status != 202) return "";
  return std::string(act.json().at("activation_id").as_string());
}

// One instance syncs the carrier; killed, the other takes the lease over
// within the ttl (plus heartbeats and scheduling margin), and the
// activation the dead one was submitting ends with one carrier order.
TEST_F(PostgresFleet, ASurvivorTakesTheLeasesAndAdoptsTheActivationOfAKilledInstance) {
  std::string held_a, held_b;
  ASSERT_TRUE(wait_until(
      [&] {
        held_a = metric(a.port, kSyncLease);
        held_b = metric(b.port, kSyncLease);
        return (held_a == "1") != (held_b == "1") && !held_a.empty() && !held_b.empty();
      },
      10s))
      << "a: " << held_a << " b: " << held_b;
  Instance& holder = held_a == "1" ? a : b;
  Instance& survivor = held_a == "1" ? b : a;
  // The holder takes an order whose submit the carrier serves but does not
  // answer (the connection held 20 s); it is killed while it waits.
  first_submit(R"("kind":"timeout","hold_ms":20000,"after_serve":true)");
  const auto act_id = activate(holder.port, "fleet-1");
  ASSERT_FALSE(act_id.empty());
  ASSERT_TRUE(wait_until([&] { return submits_seen() == 1; }, 10s));
  ASSERT_TRUE(holder.proc.stop(SIGKILL, 5s).has_value());
  // The sync lease comes over; bounded by the ttl and a margin, not timed.
  EXPECT_TRUE(wait_until([&] { return metric(survivor.port, kSyncLease) == "1"; },
                         std::chrono::milliseconds(kTtlMs) + 5s));
  // The survivor drives the order to its end from the stored state.
  auto done = wait_activation(survivor.port, kKey, act_id, {"activated", "failed"}, 40s);
  ASSERT_TRUE(done.is_object());
  EXPECT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  const auto hist = history(survivor.port, act_id);
  EXPECT_NE(hist.find("restarted while a submit was in flight"), std::string::npos) << hist;
  // One carrier order, submitted once: the survivor queried before any
  // resubmission, and the query found the order.
  auto [orders, submits] = carrier_orders(act_id);
  EXPECT_EQ(orders, 1);
  EXPECT_EQ(submits, 1);
  EXPECT_EQ(submits_seen(), 1);
  EXPECT_NE(metric(survivor.port, "cgw_fleet_recovered_total{kind=\"activations\"}"), "0");
}

// B is submitting an order (the carrier answers after 7 s) when A restarts: the new A
// leaves it to B, who ends it with one carrier order; nothing of the
// restart shows in its history.
TEST_F(PostgresFleet, ARestartedInstanceLeavesALiveInstancesActivationsAlone) {
  first_submit(R"("kind":"latency","latency_ms":7000)");
  const auto act_id = activate(b.port, "fleet-2");
  ASSERT_FALSE(act_id.empty());
  ASSERT_TRUE(wait_until([&] { return submits_seen() == 1; }, 10s));
  ASSERT_TRUE(a.proc.stop(SIGKILL, 5s).has_value());
  ASSERT_EQ(start(c, "a-again"), "");
  ASSERT_TRUE(wait_until([&] { return metric(c.port, "cgw_fleet_instances") != ""; }, 10s));
  auto done = wait_activation(b.port, kKey, act_id, {"activated", "failed"}, 40s);
  ASSERT_TRUE(done.is_object());
  EXPECT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  const auto hist = history(b.port, act_id);
  EXPECT_EQ(hist.find("restarted while a submit was in flight"), std::string::npos) << hist;
  auto [orders, submits] = carrier_orders(act_id);
  EXPECT_EQ(orders, 1);
  EXPECT_EQ(submits, 1);
  EXPECT_EQ(submits_seen(), 1);
  EXPECT_EQ(metric(c.port, "cgw_fleet_recovered_total{kind=\"activations\"}"), "0");
}

}  // namespace
