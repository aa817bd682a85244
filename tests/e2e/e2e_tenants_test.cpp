// The e2e suite's last cases: tenants see nothing of each other, quotas,
// the audit log, and then, looking back on every earlier case, no plaintext
// identity in the store or logs and a clean SIGTERM (the suite:
// e2e_suite.hpp; this file is linked last).
#include "e2e_suite.hpp"

#include <signal.h>

#include <map>
#include <sstream>

using namespace cgw::test;
using namespace cgw::test::e2e_suite;

// OWASP API1: another tenant's objects do not exist for it (404, never 403,
// so ids cannot be probed), on every route that names an object.
TEST_F(E2E, AnotherTenantSeesNothingOnEveryRoute) {
  auto msisdn = fresh_number();
  auto res = reserve(msisdn);
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string res_id(res.json().at("reservation_id").as_string());
  const std::string ver_id(
      verify("测试用户", make_id("19900505", "031")).json().at("verification_id").as_string());
  auto act =
      api("POST", "/v1/activations", json::serialize(activation_body(res_id, ver_id, first_plan())),
          {{"Idempotency-Key", "tenant-check"}});
  ASSERT_EQ(act.status, 202) << act.body;
  const std::string act_id(act.json().at("activation_id").as_string());

  auto rival = [](const std::string& method, const std::string& target,
                  const std::string& body = {}) {
    auto h = auth(kRivalKey);
    h.emplace_back("Idempotency-Key", "rival-" + target);
    return http(method, env->gw_port, target, body, h);
  };
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/reservations/" + res_id},
           {"DELETE", "/v1/reservations/" + res_id},
           {"GET", "/v1/kyc/verifications/" + ver_id},
           {"GET", "/v1/activations/" + act_id},
           {"GET", "/v1/activations/" + act_id + "/webhooks"}}) {
    auto r = rival(method, target);
    EXPECT_EQ(r.status, 404) << method << " " << target << ": " << r.body;
    EXPECT_EQ(r.error_code(), "NOT_FOUND") << method << " " << target;
  }
  // Nor can it activate with them: the same answers as for ids that do not
  // exist at all.
  auto other = rival("POST", "/v1/activations",
                     json::serialize(activation_body(res_id, ver_id, first_plan())));
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.error_code(), "VERIFICATION_NOT_FOUND");
  // The owner still sees its own objects, unchanged.
  EXPECT_EQ(api("GET", "/v1/reservations/" + res_id).json().at("status").as_string(), "consumed");
  EXPECT_EQ(api("GET", "/v1/activations/" + act_id + "/webhooks").status, 200);
}

// OWASP API4: per-tenant request rate and KYC budgets, with Retry-After.
TEST_F(E2E, TenantQuotasAnswer429WithRetryAfter) {
  auto limited = [](const std::string& method, const std::string& target,
                    const std::string& body = {}) {
    return http(method, env->gw_port, target, body, auth(kLimitedKey));
  };
  // KYC: a burst of one verification, then refused before any carrier call.
  auto id = make_id("19880808", "041");
  env->identities_used.push_back(id);
  const auto kyc_body =
      json::serialize(json::object{{"carrier", "mobile"}, {"name", "测试用户"}, {"id_number", id}});
  EXPECT_EQ(limited("POST", "/v1/kyc/verifications", kyc_body).status, 200);
  auto kyc = limited("POST", "/v1/kyc/verifications", kyc_body);
  EXPECT_EQ(kyc.status, 429) << kyc.body;
  EXPECT_EQ(kyc.error_code(), "KYC_QUOTA_EXCEEDED");
  EXPECT_GE(std::stoi(kyc.headers["retry-after"]), 1);
  // Requests: a burst of four in all (two used above), then 429.
  EXPECT_EQ(limited("GET", "/v1/carriers").status, 200);
  EXPECT_EQ(limited("GET", "/v1/carriers").status, 200);
  auto r = limited("GET", "/v1/carriers");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.error_code(), "RATE_LIMITED");
  EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
  EXPECT_TRUE(r.json().at("error").at("retryable").as_bool());
  // Other tenants are not affected.
  EXPECT_EQ(api("GET", "/v1/carriers").status, 200);
}

// Who did what to which object, and how it ended: reservations,
// verifications and activations, including refused probes.
TEST_F(E2E, AuditLogRecordsCallsWithoutPersonalData) {
  const auto lines = read_file(env->stack.dir / "audit.log");
  std::map<std::string, int> actions;
  bool rival_probe = false;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    auto e = json::parse(line).as_object();
    for (const char* k :
         {"at", "request_id", "tenant", "key", "action", "object_id", "http_status", "outcome"})
      EXPECT_TRUE(e.contains(k)) << line;
    ++actions[std::string(e.at("action").as_string())];
    if (e.at("tenant") == "rival" && e.at("key") == "rival-key" &&
        e.at("action") == "activation.read" && e.at("outcome") == "NOT_FOUND")
      rival_probe = true;
  }
  for (const char* a : {"reservation.create", "reservation.read", "reservation.release",
                        "verification.create", "activation.create", "activation.read"})
    EXPECT_GT(actions[a], 0) << a;
  EXPECT_TRUE(rival_probe);
}

TEST_F(E2E, StoreAndLogsHoldNoPlaintextIdentity) {
  // Runs after the others (gtest runs in declaration order in one process).
  ASSERT_FALSE(env->identities_used.empty());
  const std::string files = env->stack.run_files();
  for (const auto& id : env->identities_used)
    EXPECT_EQ(files.find(id), std::string::npos) << "identity found in plaintext";
  EXPECT_EQ(files.find("测试用户"), std::string::npos);
}

TEST_F(E2E, GracefulShutdownExitsZero) {
  auto code = env->stack.gateway.stop(SIGTERM, std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value()) << "gateway did not stop within 10 s";
  EXPECT_EQ(*code, 0);
}
