// The requests the `unicom` module declares replayable
// (docs/carriers/unicom.md, "Replayable requests"): every call is a form
// POST, and all of them but the real-name check (cert.check) are
// deduplicated by the carrier or change nothing. Read through the built
// module's C ABI (replayable_harness.hpp).
#include "replayable_harness.hpp"

#include <cgw/types.hpp>

namespace {

using cgw::test::replayable::Module;

constexpr const char* kConfig = R"(
base_url: http://127.0.0.1:9102
app_id: cgw-test
secret: s3cret-key
)";

struct Case {
  const char* op;
  const char* input;
  const char* method;  // the protocol's `method` parameter
  bool replayable;
};

const Case kCases[] = {
    {cgw::op::kPlansList, "", "plan.list", true},
    {cgw::op::kInventorySync, "{}", "number.query", true},
    // Deduplicated on out_lock_id.
    {cgw::op::kNumberReserve, R"({"msisdn":"13000000001","gateway_reservation_id":"rsv_1"})",
     "number.lock", true},
    // A second unlock of the same lock changes nothing.
    {cgw::op::kNumberRelease, R"({"msisdn":"13000000001","carrier_reservation_id":"L1"})",
     "number.unlock", true},
    // Each check is a separate (paid) verification: never sent twice.
    {cgw::op::kKycVerify, R"({"name":"张三","id_number":"11010519491231002X"})", "cert.check",
     false},
    // Deduplicated on out_order_id.
    {cgw::op::kActivationSubmit,
     R"({"gateway_order_id":"act_1","msisdn":"13000000001","plan_id":"P1",)"
     R"("carrier_reservation_id":"L1","name":"张三","id_number":"11010519491231002X",)"
     R"("delivery":{"name":"张三","phone":"13900000000","address":"北京"}})",
     "order.create", true},
    {cgw::op::kActivationQuery, R"({"gateway_order_id":"act_1"})", "order.query", true},
};

TEST(UnicomReplayable, ExactlyTheRequestsTheCarrierDeduplicatesOrThatChangeNothing) {
  Module m(CGW_UNICOM_PLUGIN_PATH, kConfig);
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.op);
    const auto sent = m.run(c.op, c.input);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "POST");
    EXPECT_NE(sent[0].body.find(std::string("method=") + c.method + "&"), std::string::npos)
        << sent[0].body;
    EXPECT_EQ(sent[0].replayable, c.replayable);
  }
}

}  // namespace
