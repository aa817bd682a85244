// Dispatcher::call: one request per operation, prepared from the typed input
// as the plugin's own request type, signed in one place, the reply through
// the protocol's unwrap; inputs off the schema are INVALID_ARGUMENT.
#include <cgw/dispatch.hpp>
#include <cgw/testing.hpp>

#include <gtest/gtest.h>

namespace {

using namespace cgw;
using test::Reply;

struct Settings {
  std::string base = "http://127.0.0.1:9";
};
struct Get {
  std::string path;
};

Prepared<Get, ActivationQueryInput> query_prepare(const ActivationQueryInput& in, const Settings&) {
  if (in.gateway_order_id.empty())
    return required_input("calls activation.query: ", "gateway_order_id");
  return Call<Get, ActivationQueryInput>{Get{"/orders/" + in.gateway_order_id}, in};
}
json::value query_finish(const json::object& data, const ActivationQueryInput& asked) {
  // The state is the input, handed back with the reply.
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "id");
  out.status = req_string(data, "state") == "ok" ? OrderStatus::activated : OrderStatus::failed;
  out.reason = asked.gateway_order_id;
  return json::value_from(out);
}

class Calls final : public CarrierPlugin {
 public:
  Calls(HostApi host, const json::object&)
      : CarrierPlugin(host),
        ops_("calls", [](const HttpResponse& r, const OpTraits& op, std::string_view prefix) {
          return unwrap_json(r, prefix, op, JsonEnvelope{}, [](std::string_view c) {
            return Error{"CARRIER_REJECTED", "no", std::string(c), false, false};
          });
        }) {
    ops_.call(
        {op::kActivationQuery, false, false, true}, settings_, &query_prepare,
        [this](const Get& g) {
          HttpRequest r;
          r.method = "GET";
          r.url = settings_.base + g.path;
          r.headers = {{"X-Signed", "yes"}};
          return r;
        },
        &query_finish);
  }
  Step start(std::string_view op, const json::value& in) override { return ops_.start(op, in); }
  Step resume(const json::value& s, const HttpResponse& r) override { return ops_.resume(s, r); }

 private:
  Settings settings_;
  Dispatcher ops_;
};

const test::PluginInfo kInfo{"calls", CGW_CARRIER_MVNO, CGW_CAP_ACTIVATION};

TEST(DispatchCall, PreparesSignsUnwrapsAndFinishes) {
  test::Harness<Calls> h("{}", kInfo);
  const auto run = h.drive(op::kActivationQuery, json::parse(R"({"gateway_order_id":"G-1"})"),
                           {Reply::with(200, R"({"code":"0","data":{"id":"C-9","state":"ok"}})")});
  test::expect_done(run);
  EXPECT_EQ(run.result.at("carrier_order_id"), "C-9");
  EXPECT_EQ(run.result.at("status"), "activated");
  EXPECT_EQ(run.result.at("reason"), "G-1");
  ASSERT_EQ(run.sent.size(), 1u);
  EXPECT_EQ(run.sent[0].url, "http://127.0.0.1:9/orders/G-1");
  EXPECT_EQ(run.sent[0].header("X-Signed"), "yes");
  EXPECT_TRUE(run.sent[0].replayable);
}

TEST(DispatchCall, ErrorsOfTheEnvelopeAndOfThePrepareStep) {
  test::Harness<Calls> h("{}", kInfo);
  const json::value in = json::parse(R"({"gateway_order_id":"G-1"})");
  const auto refused = h.drive(op::kActivationQuery, in, {Reply::with(200, R"({"code":"7"})")});
  test::expect_error(refused, "CARRIER_REJECTED", false);
  EXPECT_EQ(refused.error.carrier_code, "7");
  test::expect_error(h.drive(op::kActivationQuery, in, {Reply::lost(CGW_TRANSPORT_NOT_SENT)}),
                     code::kCarrierUnavailable, true);
  const auto empty = h.drive(op::kActivationQuery, json::object{}, {});
  test::expect_error(empty, code::kInvalidArgument, false);
  EXPECT_EQ(empty.error.message, "calls activation.query: 'gateway_order_id' is required");
}

TEST(DispatchCall, InputOffTheSchemaIsInvalidArgumentAndForeignStateAPluginError) {
  test::Harness<Calls> h("{}", kInfo);
  const auto wrong = h.drive(op::kActivationQuery, json::parse(R"({"gateway_order_id":7})"), {});
  test::expect_error(wrong, code::kInvalidArgument, false);
  EXPECT_EQ(wrong.error.message, "calls activation.query: input does not match the schema");
  const auto s = h.resume(R"({"op":"activation.query","state":{"gateway_order_id":[]}})",
                          Reply::with(200, "{}"));
  test::expect_error(*s, code::kPluginError, false);
}

}  // namespace
