// The after-sales requests of the `mvno` module (ABI 1.3) are all
// replayable: each write is deduplicated by the carrier on the partner's
// number for it, or is idempotent (docs/carriers/mvno.md, "Replayable
// requests"). Read through the built module's C ABI (replayable_harness.hpp).
#include "replayable_harness.hpp"

#include <cgw/types.hpp>

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace {

using cgw::test::replayable::Module;

std::string secret_file(const std::string& name) {
  std::ifstream in(std::string(CGW_SECRETS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (name.ends_with(".key"))
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string config() {
  YAML::Node n(YAML::NodeType::Map);
  n["base_url"] = "http://127.0.0.1:9104";
  n["partner_id"] = "cgw-test-partner";
  n["gateway_private_key"] = secret_file("mvno-demo-gateway-private.pem");
  n["carrier_public_key"] = secret_file("mvno-demo-carrier-public.pem");
  n["id_field_key"] = secret_file("mvno-demo-id-aes.key");
  n["callback_url"] = "http://127.0.0.1:8080/v1/callbacks/mvno";
  return YAML::Dump(n);
}

struct Case {
  const char* op;
  const char* input;
  const char* path;
  bool writes;
};

const Case kCases[] = {
    // Cancelling a cancelled order answers "cancelled" again.
    {cgw::op::kActivationCancel, R"({"gateway_order_id":"act_1"})", "/openapi/v1/order/cancel",
     true},
    {cgw::op::kSubscriberQuery, R"({"msisdn":"17001234567"})", "/openapi/v1/subscriber/query",
     false},
    // Deduplicated on partnerRechargeNo.
    {cgw::op::kSubscriberRecharge,
     R"({"gateway_recharge_id":"rch_1","msisdn":"17001234567","amount_fen":5000})",
     "/openapi/v1/recharge/create", true},
    {cgw::op::kSubscriberRechargeQuery, R"({"gateway_recharge_id":"rch_1","msisdn":"17001234567"})",
     "/openapi/v1/recharge/query", false},
    // Deduplicated on partnerOrderNo, like order/create.
    {cgw::op::kSubscriberSimReplace,
     R"({"gateway_replacement_id":"simr_1","msisdn":"17001234567","name":"张三",)"
     R"("id_number":"11010519491231002X","reason":"damaged",)"
     R"("delivery":{"name":"张三","phone":"13900000000","address":"北京"}})",
     "/openapi/v1/sim/replace", true},
    // A suspended line is answered as it is; so is an active one resumed.
    {cgw::op::kSubscriberSuspend, R"({"gateway_request_id":"sub_1","msisdn":"17001234567"})",
     "/openapi/v1/subscriber/suspend", true},
    {cgw::op::kSubscriberResume, R"({"gateway_request_id":"sub_2","msisdn":"17001234567"})",
     "/openapi/v1/subscriber/resume", true},
};

TEST(MvnoReplayableAfterSales, EveryAfterSalesRequestIsReplayable) {
  Module m(CGW_MVNO_PLUGIN_PATH, config());
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.op);
    const auto sent = m.run(c.op, c.input);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "POST");
    EXPECT_TRUE(sent[0].url.ends_with(c.path)) << sent[0].url;
    EXPECT_TRUE(sent[0].replayable);
  }
}

// A nonce the carrier has seen means it got this very request before: a
// write's outcome is unknown, a read's is not.
TEST(MvnoReplayableAfterSales, ANonceTheCarrierHasSeenLeavesAWritesOutcomeUnknown) {
  Module m(CGW_MVNO_PLUGIN_PATH, config());
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.op);
    const auto out = m.answer_first(c.op, c.input, R"({"code":"1003","msg":"nonce replayed"})");
    EXPECT_EQ(out.kind, CGW_STEP_FAIL);
    EXPECT_EQ(out.code, "CARRIER_AUTH_FAILED");
    EXPECT_EQ(out.outcome_unknown, c.writes);
  }
}

}  // namespace
