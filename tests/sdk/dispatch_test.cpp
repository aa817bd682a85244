// <cgw/dispatch.hpp> through a two-step plugin driven by <cgw/testing.hpp>:
// typed input and state, the state envelope, BadReply -> CARRIER_BAD_RESPONSE.
#include <cgw/dispatch.hpp>
#include <cgw/settings.hpp>
#include <cgw/testing.hpp>

#include <gtest/gtest.h>
#include <boost/describe.hpp>

namespace {

using namespace cgw;
using test::Reply;

struct HoldState {
  std::string hold_id;
  int64_t attempt = 0;
};
BOOST_DESCRIBE_STRUCT(HoldState, (), (hold_id, attempt))

// number.reserve in two calls: create a hold, then confirm it.
class TwoStep final : public CarrierPlugin {
 public:
  TwoStep(HostApi host, const json::object& node) : CarrierPlugin(host), ops_("twostep") {
    const SettingsReader in("twostep", node);
    base_ = in.text("base_url");
    ops_.on<ReserveInput, HoldState>(
        {op::kNumberReserve, true, false, true},
        [this](const ReserveInput& in) -> Next<HoldState> {
          if (in.msisdn.empty()) return Step::fail(code::kInvalidArgument, "'msisdn' is required");
          return Send<HoldState>{request("/hold", in.msisdn), {"", 1}};
        },
        [this](const HoldState& s, const HttpResponse& r) -> Next<HoldState> {
          const OpTraits& t = *ops_.find(op::kNumberReserve);
          if (auto e = http_error(r, ops_.prefix(t), t)) return Step::fail(*e);
          const json::value body = json::parse(r.body);
          const json::object& data = as_object(body, "reply");
          if (s.attempt == 1)
            return Send<HoldState>{request("/confirm", ""), {req_id(data, "id"), 2}};
          return Step::done_with(ReserveOutput{s.hold_id, req_int(data, "expires")});
        });
  }
  Step start(std::string_view op, const json::value& in) override { return ops_.start(op, in); }
  Step resume(const json::value& s, const HttpResponse& r) override { return ops_.resume(s, r); }

 private:
  HttpRequest request(const std::string& path, const std::string& body) const {
    HttpRequest r;
    r.url = base_ + path;
    r.body = body;
    return r;
  }
  std::string base_;
  Dispatcher ops_;
};

using Harness = test::Harness<TwoStep>;
const test::PluginInfo kInfo{"twostep", CGW_CARRIER_MVNO, CGW_CAP_RESERVE};
const json::value kInput = {{"msisdn", "13800000001"}, {"gateway_reservation_id", "R-1"}};

TEST(Dispatch, RunsTypedStepsAndSerializesTheState) {
  Harness h(R"({"base_url": "http://127.0.0.1:9"})", kInfo);
  ASSERT_TRUE(h.created()) << h.create_error.message;
  const auto run =
      h.drive(op::kNumberReserve, kInput,
              {Reply::with(200, R"({"id":"H-7"})"), Reply::with(200, R"({"expires":99})")});
  test::expect_done(run);
  EXPECT_EQ(run.result, json::parse(R"({"carrier_reservation_id":"H-7","expires_at_ms":99})"));
  ASSERT_EQ(run.sent.size(), 2u);
  EXPECT_EQ(run.sent[0].url, "http://127.0.0.1:9/hold");
  EXPECT_TRUE(run.sent[0].replayable);  // from the traits
  EXPECT_EQ(json::parse(run.sent[1].state),
            json::parse(R"({"op":"number.reserve","state":{"hold_id":"H-7","attempt":2}})"));
  EXPECT_EQ(h.sent().size(), 2u);
}

TEST(Dispatch, BadReplyBecomesCarrierBadResponse) {
  Harness h(R"({"base_url": "http://127.0.0.1:9"})", kInfo);
  const auto run = h.drive(op::kNumberReserve, kInput, {Reply::with(200, R"({"id":""})")});
  test::expect_error(run, code::kCarrierBadResponse, false, /*outcome_unknown=*/true);
  EXPECT_EQ(run.error.message, "twostep number.reserve: bad carrier reply: field 'id' is empty");
  test::expect_error(h.drive(op::kNumberReserve, kInput, {Reply::lost(CGW_TRANSPORT_NOT_SENT)}),
                     code::kCarrierUnavailable, true, false);
}

TEST(Dispatch, UnknownOperationsAndStatesAreRefused) {
  Harness h(R"({"base_url": "http://127.0.0.1:9"})", kInfo);
  test::expect_error(*h.start(op::kPlansList, nullptr), code::kUnsupportedOperation, false);
  test::expect_error(*h.resume(R"({"op":"plans.list","state":{}})", Reply::with(200, "{}")),
                     code::kPluginError, false);
  test::expect_error(*h.resume(R"({"state":{}})", Reply::with(200, "{}")), code::kPluginError,
                     false);
  // A state of the wrong shape is a plugin error, not a crash.
  test::expect_error(
      *h.resume(R"({"op":"number.reserve","state":{"attempt":"x"}})", Reply::with(200, "{}")),
      code::kPluginError, false);
  test::expect_error(*h.start(op::kNumberReserve, json::object{}), code::kInvalidArgument, false);
}

TEST(Dispatch, ConstructorErrorsBecomeConfigInvalid) {
  Harness h(R"({"app_id": "x"})", kInfo);
  EXPECT_FALSE(h.created());
  EXPECT_EQ(h.create_error.code, code::kConfigInvalid);
  EXPECT_EQ(h.create_error.message, "twostep settings: 'base_url' is required");
}

}  // namespace
