#include "e2e_suite.hpp"

#include "cgw/common/time_format.hpp"

#include <signal.h>

#include <atomic>

namespace cgw::test::e2e_suite {

Env* env = nullptr;

void E2E::SetUpTestSuite() {
  env = new Env;
  auto& s = env->stack;
  ASSERT_EQ(s.start_sim(sim_config({SimSpec("mobile", 7, 3000)})), "");
  env->sim_port = s.sim_port("mobile");
  GatewaySpec gw;
  gw.limits = "{max_header_bytes: 4096, max_body_bytes: 65536, shutdown_grace_ms: 5000}";
  gw.tenants = {
      TenantSpec("demo", {kKey}),
      TenantSpec("other", {KeySpec(kOtherKey, "", "[inventory:read]")}),
      TenantSpec("rival", {KeySpec(kRivalKey, "rival-key")}),
      TenantSpec("limited", {kLimitedKey},
                 "    quotas: {requests_per_s: 0.2, request_burst: 4, kyc_per_minute: 1, "
                 "kyc_burst: 1}\n"),
  };
  CarrierSpec mobile("mobile", s.sim_url("mobile"));
  mobile.activation_poll_interval_s = 2;
  mobile.extra = "    display_name: China Mobile (simulated)\n";
  gw.carriers = {mobile};
  env->gateway_started_ms = system_now_ms();
  ASSERT_EQ(s.start_gateway(gateway_config(gw), 'c'), "");
  env->gw_port = s.gw_port;
  ASSERT_TRUE(wait_first_sync(env->gw_port, kKey)) << read_file(s.dir / "gateway.log");
}

void E2E::TearDownTestSuite() {
  env->stack.finish();
  delete env;
  env = nullptr;
}

std::string E2E::fresh_number() {
  static std::set<std::string> used;
  return cgw::test::fresh_number(env->gw_port, kKey, "mobile", used);
}

HttpResult E2E::reserve(const std::string& msisdn) {
  static std::atomic<int> n{0};  // reserve() runs on several threads at once
  return api("POST", "/v1/reservations",
             json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
             {{"Idempotency-Key", "reserve-" + std::to_string(++n)}});
}

HttpResult E2E::verify(const std::string& name, const std::string& id) {
  env->identities_used.push_back(id);
  return api(
      "POST", "/v1/kyc/verifications",
      json::serialize(json::object{{"carrier", "mobile"}, {"name", name}, {"id_number", id}}));
}

json::object E2E::activation_body(const std::string& res, const std::string& ver,
                                  const std::string& plan) {
  return json::object{{"reservation_id", res},
                      {"plan_id", plan},
                      {"verification_id", ver},
                      {"delivery", json::object{{"name", "测试收件人"},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
}

std::string E2E::first_plan() {
  auto r = api("GET", "/v1/plans?carrier=mobile");
  EXPECT_EQ(r.status, 200) << r.body;
  return std::string(r.json().at("plans").at(0).at("plan_id").as_string());
}

}  // namespace cgw::test::e2e_suite
