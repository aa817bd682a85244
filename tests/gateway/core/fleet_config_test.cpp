// fleet: the heartbeat and lease ttl of instances sharing a PostgreSQL
// store, their defaults, and the precise errors of values that do not fit.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using cgw::gw::parse_config;

namespace {

std::string config(const std::string& store, const std::string& fleet) {
  return store + fleet +
         "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\n"
         "tenants:\n  - id: t1\n    api_keys:\n      - sha256: "
         "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123\n"
         "carriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
         "http://127.0.0.1:1\n";
}

const std::string kPostgres = "store: {kind: postgres, dsn: {env: CGW_TEST_PG_DSN}}\n";

class FleetConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("CGW_TEST_PII_KEY", std::string(64, 'a').c_str(), 1);
    setenv("CGW_TEST_PG_DSN", "host=/tmp/pg dbname=cgw user=cgw", 1);
  }
  std::string error_of(const std::string& store, const std::string& fleet) {
    auto r = parse_config(config(store, fleet), "/c/g.yaml");
    return r.ok() ? "" : r.error().message;
  }
};

TEST_F(FleetConfigTest, DefaultsAndValues) {
  auto d = parse_config(config(kPostgres, ""), "/c/g.yaml");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->fleet_heartbeat.count(), 1000);
  EXPECT_EQ(d->fleet_lease_ttl.count(), 5000);
  auto r = parse_config(config(kPostgres, "fleet: {heartbeat_ms: 500, lease_ttl_ms: 1500}\n"),
                        "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->fleet_heartbeat.count(), 500);
  EXPECT_EQ(r->fleet_lease_ttl.count(), 1500);
}

TEST_F(FleetConfigTest, MisfitValuesNameTheKey) {
  EXPECT_EQ(error_of("store: {path: x.db}\n", "fleet: {heartbeat_ms: 500}\n"),
            "/c/g.yaml:2: fleet is for store.kind postgres: a SQLite store has one instance");
  EXPECT_EQ(error_of(kPostgres, "fleet: {heartbeat_ms: 50}\n"),
            "/c/g.yaml:2: fleet.heartbeat_ms must be 100-60000");
  EXPECT_EQ(error_of(kPostgres, "fleet: {heartbeat_ms: 1000, lease_ttl_ms: 2999}\n"),
            "/c/g.yaml:2: fleet.lease_ttl_ms (2999) must be at least 3 x fleet.heartbeat_ms "
            "(1000)");
  EXPECT_EQ(error_of(kPostgres, "fleet: {heartbeat_ms: 10000}\n"),
            "/c/g.yaml:2: fleet.lease_ttl_ms (5000) must be at least 3 x fleet.heartbeat_ms "
            "(10000)");
  EXPECT_EQ(error_of(kPostgres, "fleet: {lease_ttl_ms: 700000}\n"),
            "/c/g.yaml:2: fleet.lease_ttl_ms must be at most 600000");
  EXPECT_EQ(error_of(kPostgres, "fleet: {lease_ttl_ms: 0}\n"),
            "/c/g.yaml:2: fleet.lease_ttl_ms must be positive");
  EXPECT_EQ(error_of(kPostgres, "fleet: {heartbeat: 1000}\n"),
            "/c/g.yaml:2: unknown key 'heartbeat' in fleet");
}

}  // namespace
