// The requests the `mvno` module declares replayable (docs/carriers/mvno.md,
// "Replayable requests"): every call is a POST, and all of them but the
// real-name check are deduplicated by the carrier or change nothing. Read
// through the built module's C ABI (replayable_harness.hpp).
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

// The settings as the host hands them over: the key files' contents inline.
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
  bool replayable;
};

// 1700: a Telecom-hosted MVNO segment.
const Case kCases[] = {
    {cgw::op::kPlansList, "", "/openapi/v1/product/list", true},
    {cgw::op::kInventorySync, "{}", "/openapi/v1/number/query", true},
    // Deduplicated on partnerOccupyNo.
    {cgw::op::kNumberReserve, R"({"msisdn":"17001234567","gateway_reservation_id":"rsv_1"})",
     "/openapi/v1/number/occupy", true},
    // A second release of the same occupation changes nothing.
    {cgw::op::kNumberRelease, R"({"msisdn":"17001234567","carrier_reservation_id":"OC-1"})",
     "/openapi/v1/number/release", true},
    // Each check is a separate (paid) verification: never sent twice.
    {cgw::op::kKycVerify, R"({"name":"张三","id_number":"11010519491231002X"})",
     "/openapi/v1/realname/check", false},
    // Deduplicated on partnerOrderNo.
    {cgw::op::kActivationSubmit,
     R"({"gateway_order_id":"act_1","msisdn":"17001234567","plan_id":"MV-170-CHAT-8",)"
     R"("carrier_reservation_id":"OC-1","name":"张三","id_number":"11010519491231002X",)"
     R"("delivery":{"name":"张三","phone":"13900000000","address":"北京"}})",
     "/openapi/v1/order/create", true},
    {cgw::op::kActivationQuery, R"({"gateway_order_id":"act_1"})", "/openapi/v1/order/query", true},
};

TEST(MvnoReplayable, ExactlyTheRequestsTheCarrierDeduplicatesOrThatChangeNothing) {
  Module m(CGW_MVNO_PLUGIN_PATH, config());
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.op);
    const auto sent = m.run(c.op, c.input);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "POST");
    EXPECT_TRUE(sent[0].url.ends_with(c.path)) << sent[0].url;
    EXPECT_EQ(sent[0].replayable, c.replayable);
  }
}

// A replayed request carries the first copy's nonce: `1003` (nonce
// replayed) means the carrier already got it, so a write's outcome is
// unknown, while a read is simply retryable.
TEST(MvnoReplayable, ANonceTheCarrierHasSeenLeavesAWritesOutcomeUnknown) {
  Module m(CGW_MVNO_PLUGIN_PATH, config());
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.op);
    const auto out = m.answer_first(c.op, c.input, R"({"code":"1003","msg":"nonce replayed"})");
    EXPECT_EQ(out.kind, CGW_STEP_FAIL);
    EXPECT_EQ(out.code, "CARRIER_AUTH_FAILED");
    EXPECT_TRUE(out.retryable);
    const std::string op = c.op;
    EXPECT_EQ(out.outcome_unknown, op == cgw::op::kNumberReserve || op == cgw::op::kNumberRelease ||
                                       op == cgw::op::kActivationSubmit);
  }
}

}  // namespace
