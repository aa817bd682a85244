// End to end on PostgreSQL: the real cgw-gateway with `store: {kind:
// postgres, dsn: {env: CGW_PG_DSN}}` against a PostgreSQL the test starts
// (scripts/pg_local.sh) serves a reservation and an activation; /readyz
// answers 503 while the database is down and the gateway serves again once
// it is back, without a restart.
#include "../gateway/store/postgres_server.hpp"
#include "harness.hpp"
#include "store/postgres/pg_connection.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "postgres-e2e-key";

class PostgresGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      // One server for the executable; every test starts on an empty database.
      cgw::gw::pg::PgConnection c(pg.dsn());
      c.exec_simple("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    ::setenv("CGW_PG_DSN", pg.dsn().c_str(), 1);  // the gateway inherits it
    ASSERT_EQ(stack.start_sim(sim_config({SimSpec("mobile")})), "");
    GatewaySpec spec;
    spec.tenants = {{"t1", {kKey}}};
    spec.carriers = {CarrierSpec("mobile", stack.sim_url("mobile"))};
    spec.carriers[0].activation_poll_interval_s = 1;  // polling drives when callbacks are lost
    auto yaml = gateway_config(spec);
    const std::string sqlite = "store: {path: cgw.db}";
    const auto at = yaml.find(sqlite);
    ASSERT_NE(at, std::string::npos);
    // A short wait for a connection: 503 within half a second when it is down.
    yaml.replace(at, sqlite.size(),
                 "store: {kind: postgres, dsn: {env: CGW_PG_DSN}, pool_wait_ms: 500}");
    ASSERT_EQ(stack.start_gateway(yaml), "");
    ASSERT_TRUE(wait_first_sync(stack.gw_port, kKey));
  }
  void TearDown() override { stack.finish(HasFailure()); }

  HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
                 const Headers& extra = {}) {
    return api_call(stack.gw_port, kKey, method, target, body, extra);
  }

  // Reserves a fresh number, verifies and activates it: the activation id
  // ("" and a test failure when a step failed).
  std::string activate(const std::string& tag);

  cgw::gw::in_process::PostgresServer& pg = cgw::gw::in_process::shared_postgres();
  Stack stack{"cgw_e2e_postgres"};
  std::set<std::string> used;
  std::string msisdn_;  // the number of the last activate()
};

TEST_F(PostgresGateway, ServesAReservationAndAnActivation) {
  const auto act_id = activate("pg-1");
  const auto msisdn = msisdn_;
  auto done = wait_activation(stack.gw_port, kKey, act_id, {"activated", "failed"});
  ASSERT_TRUE(done.is_object());
  EXPECT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
  // The number is sold: another reservation of it is refused by the database.
  auto again = api("POST", "/v1/reservations",
                   json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                   {{"Idempotency-Key", "pg-reserve-again"}});
  EXPECT_EQ(again.error_code(), "NUMBER_UNAVAILABLE") << again.body;
}

// The database goes down while an accepted activation is being driven
// (callbacks dropped: only the engine's polling can finish it). Once the
// database is back, the gateway drives it to the end without a restart.
TEST_F(PostgresGateway, AnActivationDrivenThroughADatabaseRestartEnds) {
  auto chaos =
      http("POST", stack.sim_port(), "/admin/callback-chaos", R"({"drop":{"probability":1}})");
  ASSERT_EQ(chaos.status / 100, 2) << chaos.body;
  const auto act_id = activate("pg-2");
  ASSERT_EQ(pg.stop(), "");  // the first poll (after 1 s) meets the database down
  auto refused = api("GET", "/v1/activations/" + act_id);
  EXPECT_EQ(refused.error_code(), "STORE_UNAVAILABLE") << refused.body;
  ASSERT_EQ(pg.start_again(), "");
  auto done = wait_activation(stack.gw_port, kKey, act_id, {"activated", "failed"});
  ASSERT_TRUE(done.is_object());
  EXPECT_EQ(done.at("status").as_string(), "activated") << json::serialize(done);
}

std::string PostgresGateway::activate(const std::string& tag) {
  const auto msisdn = msisdn_ = fresh_number(stack.gw_port, kKey, "mobile", used);
  auto res = api("POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
                 {{"Idempotency-Key", tag + "-reserve"}});
  EXPECT_EQ(res.status, 201) << res.body;
  if (res.status != 201) return "";
  const std::string res_id(res.json().at("reservation_id").as_string());
  auto ver = api(
      "POST", "/v1/kyc/verifications",
      json::serialize(json::object{
          {"carrier", "mobile"}, {"name", "测试用户"}, {"id_number", make_id("19920202", "902")}}));
  EXPECT_EQ(ver.status, 200) << ver.body;
  if (ver.status != 200) return "";
  const std::string ver_id(ver.json().at("verification_id").as_string());
  auto plans = api("GET", "/v1/plans?carrier=mobile");
  EXPECT_EQ(plans.status, 200) << plans.body;
  if (plans.status != 200) return "";
  const std::string plan(plans.json().at("plans").at(0).at("plan_id").as_string());
  const auto body = json::serialize(
      json::object{{"reservation_id", res_id},
                   {"plan_id", plan},
                   {"verification_id", ver_id},
                   {"delivery", json::object{{"name", "测试收件人"},
                                             {"phone", "13900000000"},
                                             {"address", "北京市东城区测试路1号"}}}});
  auto act = api("POST", "/v1/activations", body, {{"Idempotency-Key", tag + "-order"}});
  EXPECT_EQ(act.status, 202) << act.body;
  if (act.status != 202) return "";
  return std::string(act.json().at("activation_id").as_string());
}

TEST_F(PostgresGateway, NotReadyWhileTheDatabaseIsDownAndServesAgainAfter) {
  ASSERT_EQ(http("GET", stack.gw_port, "/readyz").status, 200);
  const auto msisdn = fresh_number(stack.gw_port, kKey, "mobile", used);
  ASSERT_EQ(pg.stop(), "");
  auto down = http("GET", stack.gw_port, "/readyz");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_NE(down.body.find("database"), std::string::npos) << down.body;
  const auto reserve_body =
      json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}});
  auto refused = api("POST", "/v1/reservations", reserve_body, {{"Idempotency-Key", "pg-down"}});
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.error_code(), "STORE_UNAVAILABLE") << refused.body;
  ASSERT_EQ(pg.start_again(), "");
  EXPECT_EQ(http("GET", stack.gw_port, "/readyz").status, 200);
  auto res = api("POST", "/v1/reservations", reserve_body, {{"Idempotency-Key", "pg-up"}});
  EXPECT_EQ(res.status, 201) << res.body;
}

}  // namespace
