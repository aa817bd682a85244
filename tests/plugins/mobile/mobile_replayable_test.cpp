// The requests the `mobile` module declares replayable (docs/carriers/mobile.md,
// "Replayable requests"): every one the carrier deduplicates or that
// changes nothing, and not the real-name check. Read through the built
// module's C ABI (replayable_harness.hpp).
#include "replayable_harness.hpp"

#include <cgw/types.hpp>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using cgw::test::replayable::Module;
using cgw::test::replayable::Sent;

constexpr const char* kConfig = R"(
base_url: http://127.0.0.1:9101
app_id: cgw-test
secret: s3cret-key
callback_url: http://127.0.0.1:8080/v1/callbacks/mobile
)";

std::string ok(const json::object& data) {
  return json::serialize(json::object{{"code", "0"}, {"message", "ok"}, {"data", data}});
}

struct Case {
  const char* op;
  const char* input;
  std::string reply;
  const char* method;
  const char* path;
  bool replayable;
};

std::vector<Case> cases() {
  const json::object order{
      {"orderId", "MO1"}, {"partnerOrderId", "act_1"}, {"orderState", "PROCESSING"}};
  const json::object line{{"msisdn", "13800000001"}, {"status", "ACTIVE"}, {"balance", 0}};
  const json::object recharge{{"rechargeId", "RC1"},
                              {"partnerRechargeId", "rch_1"},
                              {"rechargeState", "SUCCESS"},
                              {"balance", 500}};
  return {
      {cgw::op::kPlansList, "", ok({{"plans", json::array{}}}), "GET", "/open/v1/plans", true},
      {cgw::op::kInventorySync, "{}", ok({{"numbers", json::array{}}, {"hasMore", false}}), "GET",
       "/open/v1/numbers", true},
      // Deduplicated on partnerLockId.
      {cgw::op::kNumberReserve, R"({"msisdn":"13800000001","gateway_reservation_id":"rsv_1"})",
       ok({{"lockId", "L1"}, {"expireTime", 1763801800123}}), "POST", "/open/v1/numbers/lock",
       true},
      // A second unlock of the same lock changes nothing.
      {cgw::op::kNumberRelease, R"({"msisdn":"13800000001","carrier_reservation_id":"L1"})", ok({}),
       "POST", "/open/v1/numbers/unlock", true},
      // Each check is a separate (paid) verification: never sent twice.
      {cgw::op::kKycVerify, R"({"name":"张三","id_number":"11010519491231002X"})",
       ok({{"verifyId", "V1"}, {"verifyResult", "PASS"}}), "POST", "/open/v1/realname/verify",
       false},
      // Deduplicated on partnerOrderId.
      {cgw::op::kActivationSubmit,
       R"({"gateway_order_id":"act_1","msisdn":"13800000001","plan_id":"P1",)"
       R"("carrier_reservation_id":"L1","name":"张三","id_number":"11010519491231002X",)"
       R"("delivery":{"name":"张三","phone":"13900000000","address":"北京"}})",
       ok({{"orderId", "MO1"}}), "POST", "/open/v1/orders", true},
      {cgw::op::kActivationQuery, R"({"gateway_order_id":"act_1"})", ok(order), "GET",
       "/open/v1/orders/query", true},
      // ABI 1.3. Cancelling, suspending and resuming twice change nothing.
      {cgw::op::kActivationCancel, R"({"gateway_order_id":"act_1"})",
       ok({{"orderId", "MO1"}, {"orderState", "CANCELLED"}}), "POST", "/open/v1/orders/cancel",
       true},
      {cgw::op::kSubscriberQuery, R"({"msisdn":"13800000001"})", ok(line), "GET",
       "/open/v1/subscribers/query", true},
      // Deduplicated on partnerRechargeId.
      {cgw::op::kSubscriberRecharge,
       R"({"gateway_recharge_id":"rch_1","msisdn":"13800000001","amount_fen":500})", ok(recharge),
       "POST", "/open/v1/recharges", true},
      {cgw::op::kSubscriberRechargeQuery, R"({"gateway_recharge_id":"rch_1"})", ok(recharge), "GET",
       "/open/v1/recharges/query", true},
      // Deduplicated on partnerReplaceId.
      {cgw::op::kSubscriberSimReplace,
       R"({"gateway_replacement_id":"rpl_1","msisdn":"13800000001","name":"张三",)"
       R"("id_number":"11010519491231002X","reason":"lost",)"
       R"("delivery":{"name":"张三","phone":"13900000000","address":"北京"}})",
       ok({{"orderId", "MR1"}, {"orderState", "PROCESSING"}}), "POST",
       "/open/v1/subscribers/sim-replace", true},
      {cgw::op::kSubscriberSuspend, R"({"gateway_request_id":"q1","msisdn":"13800000001"})",
       ok(line), "POST", "/open/v1/subscribers/suspend", true},
      {cgw::op::kSubscriberResume, R"({"gateway_request_id":"q2","msisdn":"13800000001"})",
       ok(line), "POST", "/open/v1/subscribers/resume", true},
  };
}

TEST(MobileReplayable, ExactlyTheRequestsTheCarrierDeduplicatesOrThatChangeNothing) {
  Module m(CGW_MOBILE_PLUGIN_PATH, kConfig);
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.op);
    const std::vector<Sent> sent = m.run(c.op, c.input, {c.reply});  // one request, done
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, c.method);
    EXPECT_NE(sent[0].url.find(c.path), std::string::npos) << sent[0].url;
    EXPECT_EQ(sent[0].replayable, c.replayable);
  }
}

// A replayed request carries the first copy's nonce: `1003` (nonce
// replayed) means the carrier already got it, so a write's outcome is
// unknown (a reservation is then adopted by a retry of its key, an order
// looked up by its partnerOrderId), while a read is simply retryable.
TEST(MobileReplayable, ANonceTheCarrierHasSeenLeavesAWritesOutcomeUnknown) {
  Module m(CGW_MOBILE_PLUGIN_PATH, kConfig);
  const std::string replayed = R"({"code":"1003","message":"nonce replayed"})";
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.op);
    const auto out = m.answer_first(c.op, c.input, replayed);
    EXPECT_EQ(out.kind, CGW_STEP_FAIL);
    EXPECT_EQ(out.code, "CARRIER_AUTH_FAILED");
    EXPECT_TRUE(out.retryable);
    const std::string op = c.op;
    const bool writes = op == cgw::op::kNumberReserve || op == cgw::op::kNumberRelease ||
                        op == cgw::op::kActivationSubmit || op == cgw::op::kActivationCancel ||
                        op == cgw::op::kSubscriberRecharge ||
                        op == cgw::op::kSubscriberSimReplace || op == cgw::op::kSubscriberSuspend ||
                        op == cgw::op::kSubscriberResume;
    EXPECT_EQ(out.outcome_unknown, writes);
  }
}

}  // namespace
