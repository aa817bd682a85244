// The requests the `telecom` module declares replayable
// (docs/carriers/telecom.md, "Replayable requests"): every call is a POST,
// and all of them but the real-name check are deduplicated by the carrier
// or change nothing: the token, the reads, the reservation
// (PartnerReserveId), its release, and the three order calls (create is
// deduplicated on PartnerOrderId, photos and confirm on the order's state).
// Read through the built module's C ABI (replayable_harness.hpp).
#include "replayable_harness.hpp"

#include <cgw/types.hpp>

#include <boost/json.hpp>

namespace {

namespace json = boost::json;
using cgw::test::replayable::Module;

constexpr const char* kConfig = R"(
base_url: http://127.0.0.1:9103
client_id: cgw-test
client_secret: s3cret-key
callback_secret: cb-secret-0123
callback_url: http://127.0.0.1:8080/v1/callbacks/telecom
)";

std::string ok(const std::string& data) {
  return R"(<?xml version="1.0" encoding="UTF-8"?><Response><Code>0</Code>)"
         "<Message>success</Message><RequestId>RQ1</RequestId><Data>" +
         data + "</Data></Response>";
}
const std::string kToken = json::serialize(
    json::object{{"access_token", "TK-1"}, {"token_type", "Bearer"}, {"expires_in", 300}});
const std::string kOrder = "<OrderId>TO1</OrderId><PartnerOrderId>act_1</PartnerOrderId>";

constexpr const char* kSubmit =
    R"({"gateway_order_id":"act_1","msisdn":"13300000001","plan_id":"CT-XK-19",)"
    R"("carrier_reservation_id":"RS1","name":"张三","id_number":"11010519491231002X",)"
    R"("delivery":{"name":"张三","phone":"13900000000","address":"广州市"}})";

TEST(TelecomReplayable, TheTokenAndEveryCallButTheRealNameCheck) {
  Module m(CGW_TELECOM_PLUGIN_PATH, kConfig);
  // No token yet: the first request of any operation fetches one.
  auto first = m.run(cgw::op::kPlansList, "", {kToken});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(first[0].url.ends_with("/oauth/token")) << first[0].url;
  EXPECT_EQ(first[0].method, "POST");
  EXPECT_TRUE(first[0].replayable);  // a second token changes nothing
  EXPECT_TRUE(first[1].url.ends_with("/api/v1/plans/list"));
  EXPECT_TRUE(first[1].replayable);

  // The token is cached now: each operation's first request is its call.
  struct Case {
    const char* op;
    const char* input;
    const char* path;
    bool replayable;
  };
  const Case cases[] = {
      {cgw::op::kInventorySync, "{}", "/api/v1/numbers/query", true},
      {cgw::op::kNumberReserve, R"({"msisdn":"13300000001","gateway_reservation_id":"rsv_1"})",
       "/api/v1/numbers/reserve", true},
      {cgw::op::kNumberRelease, R"({"msisdn":"13300000001","carrier_reservation_id":"RS1"})",
       "/api/v1/numbers/release", true},
      // Each check is a separate (paid) verification: never sent twice.
      {cgw::op::kKycVerify, R"({"name":"张三","id_number":"11010519491231002X"})",
       "/api/v1/realname/check", false},
      {cgw::op::kActivationQuery, R"({"gateway_order_id":"act_1"})", "/api/v1/orders/query", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.op);
    const auto sent = m.run(c.op, c.input);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].method, "POST");
    EXPECT_TRUE(sent[0].url.ends_with(c.path)) << sent[0].url;
    EXPECT_EQ(sent[0].replayable, c.replayable);
  }

  // The submit's three calls, each replayable.
  const auto submit = m.run(cgw::op::kActivationSubmit, kSubmit,
                            {ok(kOrder + "<Status>CREATED</Status>"),
                             ok("<OrderId>TO1</OrderId><Status>PHOTOS_UPLOADED</Status>"),
                             ok(kOrder + "<Status>PROCESSING</Status><FailCode/>")});
  ASSERT_EQ(submit.size(), 3u);
  const char* paths[] = {"/api/v1/orders/create", "/api/v1/orders/photos",
                         "/api/v1/orders/confirm"};
  for (size_t i = 0; i < submit.size(); ++i) {
    EXPECT_TRUE(submit[i].url.ends_with(paths[i])) << submit[i].url;
    EXPECT_TRUE(submit[i].replayable) << paths[i];
  }
}

}  // namespace
