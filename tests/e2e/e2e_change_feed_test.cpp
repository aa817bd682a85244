// Two gateway instances on one PostgreSQL (started by the test,
// scripts/pg_local.sh): a number reserved through instance A leaves
// instance B's search within a bounded wait, and shows there again once A
// has released it. Only the change feed (inventory/change_feed.hpp) can
// tell B: each instance syncs its inventory on its own, and the syncs here
// run an hour apart, so B's index hears of A's holds through nothing else.
// A follower that fell behind the pruned changes rebuilds and follows on.
#include "../gateway/store/postgres_server.hpp"
#include "harness.hpp"
#include "store/postgres/pg_connection.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "change-feed-key";
const std::string kMetricsKey = "change-feed-scraper";

class ChangeFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      cgw::gw::pg::PgConnection c(pg.dsn());
      c.exec_simple("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    ::setenv("CGW_PG_DSN", pg.dsn().c_str(), 1);  // the gateways inherit it
    ASSERT_EQ(stack.start_sim(sim_config({SimSpec("mobile")})), "");
    GatewaySpec spec;
    spec.tenants = {
        {"t1", {kKey}},
        TenantSpec("monitoring", {KeySpec(kMetricsKey, "prometheus", "[metrics:read]")})};
    spec.carriers = {CarrierSpec("mobile", stack.sim_url("mobile"))};
    // No sync between the first and the end of the test: only the feed
    // can tell one instance of the other's holds.
    spec.carriers[0].extra = "    sync_interval_s: 3600\n    incremental_sync_interval_s: 3600\n";
    auto yaml = gateway_config(spec);
    const std::string sqlite = "store: {path: cgw.db}";
    const auto at = yaml.find(sqlite);
    ASSERT_NE(at, std::string::npos);
    yaml.replace(at, sqlite.size(), "store: {kind: postgres, dsn: {env: CGW_PG_DSN}}");
    ASSERT_EQ(stack.start_gateway(yaml), "");
    ASSERT_TRUE(wait_first_sync(stack.gw_port, kKey));
    ASSERT_EQ(stack.start_gateway_into(gateway_b, port_b, "gateway_b", yaml, 15s), "");
    ASSERT_TRUE(wait_first_sync(port_b, kKey));
  }
  void TearDown() override {
    gateway_b.stop(SIGTERM, 10s);
    stack.finish(HasFailure());
  }

  // Whether `port`'s search offers `msisdn` (an 11-digit prefix matches it alone).
  bool offered(uint16_t port, const std::string& msisdn) {
    auto r = api_call(port, kKey, "GET", "/v1/numbers?carrier=mobile&prefix=" + msisdn);
    EXPECT_EQ(r.status, 200) << r.body;
    const json::value body = r.json();  // a local: the loop must not walk a temporary
    for (const auto& n : body.at("numbers").as_array())
      if (n.at("msisdn").as_string() == msisdn) return true;
    return false;
  }

  cgw::gw::in_process::PostgresServer& pg = cgw::gw::in_process::shared_postgres();
  Stack stack{"cgw_e2e_change_feed"};
  Process gateway_b;
  uint16_t port_b = 0;
  std::set<std::string> used;
};

TEST_F(ChangeFeed, AReservationThroughOneInstanceLeavesTheOthersSearchAndAReleaseBringsItBack) {
  const auto msisdn = fresh_number(port_b, kKey, "mobile", used);
  ASSERT_TRUE(offered(port_b, msisdn));
  auto res = api_call(stack.gw_port, kKey, "POST", "/v1/reservations",
                      json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                      {{"Idempotency-Key", "feed-reserve"}});
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_FALSE(offered(stack.gw_port, msisdn));  // A: at once, by its own commit
  EXPECT_TRUE(wait_until([&] { return !offered(port_b, msisdn); }, 3s))
      << "instance B still offers a number reserved through instance A";

  const std::string id(res.json().at("reservation_id").as_string());
  auto rel = api_call(stack.gw_port, kKey, "DELETE", "/v1/reservations/" + id);
  ASSERT_EQ(rel.status / 100, 2) << rel.body;
  // The carrier's lock is released by A's release queue, then the number
  // shows again: on A, and through the feed on B.
  EXPECT_TRUE(wait_until([&] { return offered(stack.gw_port, msisdn); }, 10s));
  EXPECT_TRUE(wait_until([&] { return offered(port_b, msisdn); }, 3s))
      << "instance B does not offer a number released through instance A";
}

// The follower's state is on /metrics: its position reached the head.
TEST_F(ChangeFeed, TheFollowersPositionIsOnMetrics) {
  const auto msisdn = fresh_number(port_b, kKey, "mobile", used);
  auto res = api_call(port_b, kKey, "POST", "/v1/reservations",
                      json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                      {{"Idempotency-Key", "feed-metrics"}});
  ASSERT_EQ(res.status, 201) << res.body;
  auto sample = [&](const std::string& name) -> int64_t {
    auto m = api_call(stack.gw_port, kMetricsKey, "GET", "/metrics");
    const auto at = m.body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::atoll(m.body.c_str() + at + name.size() + 2);
  };
  EXPECT_TRUE(wait_until(
      [&] {
        return sample("cgw_change_feed_position") >= 1 &&
               sample("cgw_change_feed_head") == sample("cgw_change_feed_position");
      },
      3s));
  EXPECT_GE(sample("cgw_change_feed_changes_total"), 1);
}

// A follower that finds changes it never read pruned (as after a long
// database outage) rebuilds its index from the store, positions itself at
// the head again and follows the feed from there.
TEST_F(ChangeFeed, AFollowerBehindThePrunedChangesRebuildsAndFollowsOn) {
  const auto rebuilds = [&](uint16_t port) {
    auto m = api_call(port, kMetricsKey, "GET", "/metrics");
    const std::string name = "\ncgw_change_feed_rebuilds_total ";
    const auto at = m.body.find(name);
    return at == std::string::npos ? -1 : std::atoll(m.body.c_str() + at + name.size());
  };
  ASSERT_EQ(rebuilds(port_b), 0);
  {
    // As if 1000 changes had been written and pruned since the followers
    // last read: their positions are below the pruned horizon.
    cgw::gw::pg::PgConnection c(pg.dsn());
    c.exec_simple(
        "UPDATE number_changes_pruned SET through = (SELECT setval(pg_get_serial_sequence("
        "'number_changes', 'seq'), nextval(pg_get_serial_sequence('number_changes', 'seq')) + "
        "1000))");
  }
  EXPECT_TRUE(wait_until([&] { return rebuilds(port_b) >= 1; }, 5s));
  const auto msisdn = fresh_number(port_b, kKey, "mobile", used);
  auto res = api_call(stack.gw_port, kKey, "POST", "/v1/reservations",
                      json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                      {{"Idempotency-Key", "feed-after-rebuild"}});
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_TRUE(wait_until([&] { return !offered(port_b, msisdn); }, 3s))
      << "instance B does not follow the feed after its rebuild";
  EXPECT_EQ(rebuilds(port_b), 1);  // positioned anew: no rebuild loop
}

}  // namespace
