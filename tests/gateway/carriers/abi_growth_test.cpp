// The ABI grows at the end (docs/sdk.md, "Versioning"): plugins built
// against the ABI 1.0 and 1.1 headers (tests/fixtures/abi/) load on this
// host and every member they set is read; a plugin of this SDK loads on a
// host of an older minor when it needs nothing newer, and refuses one
// that lacks what it declared it needs.
#include "carriers/carrier.hpp"
#include "carriers/run_op.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>

using namespace cgw::gw;
using cgw::gw::test::run_op;

namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(CGW_FIXTURE_DIR) / (name + ".so");
}

// This host's table as a host of `minor` would build it: its members end
// where that minor's did (1.0 and 1.1 end at cache_get).
const cgw_host_v1* host_of_minor(uint16_t minor) {
  static cgw_host_v1 older[CGW_ABI_MINOR];
  cgw_host_v1& h = older[minor];
  h = *host_table();
  h.abi_minor = minor;
  if (minor < 2) h.struct_size = offsetof(cgw_host_v1, cache_take);
  return &h;
}

class OldAbiPlugin : public ::testing::TestWithParam<int> {};

}  // namespace

TEST_P(OldAbiPlugin, LoadsAndEveryMemberItSetsIsRead) {
  const std::string name = "abi_1_" + std::to_string(GetParam());
  auto lib = load_plugin(fixture(name), host_table());
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  EXPECT_EQ(lib.value()->abi, "1." + std::to_string(GetParam()));
  // Without the 1.2 declarations it needs its own minor; from 1.2 on it
  // declares that a 1.0 host is enough. Either way the defaults follow.
  EXPECT_EQ(lib.value()->min_host_minor, GetParam() >= 2 ? 0 : GetParam());
  EXPECT_EQ(lib.value()->kyc_outcomes, CGW_KYC_ALL_OUTCOMES);
  EXPECT_EQ(lib.value()->traits, CGW_TRAITS_V1_DEFAULT);
  EXPECT_EQ(lib.value()->config_format, CGW_CONFIG_YAML);

  CarrierConfig config;
  config.id = "old";
  config.plugin = fixture(name);
  config.base_url = "http://127.0.0.1:1";
  config.settings = YAML::Node(YAML::NodeType::Map);
  config.max_retries = 0;
  boost::asio::io_context ioc;
  Carrier carrier(config, lib.value(), ioc.get_executor());
  ASSERT_TRUE(carrier.create("http://127.0.0.1:1/v1/callbacks/old").ok());

  auto plans = run_op(carrier, ioc, "plans.list");
  ASSERT_TRUE(plans.ok()) << plans.error().message;
  EXPECT_EQ(plans.value().at("plans").at(0).at("plan_id"), "old");

  // The error by value, every member of it.
  auto refused = run_op(carrier, ioc, "kyc.verify");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "CARRIER_REJECTED");
  EXPECT_EQ(refused.error().message, "refused by E42");
  EXPECT_EQ(refused.error().carrier_code, "E42");
  EXPECT_TRUE(refused.error().retryable);

  // The request by value is sent (nothing listens on port 1) and the
  // plugin's resume() hears how it ended.
  auto sent = run_op(carrier, ioc, "number.reserve");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, "CARRIER_UNAVAILABLE");
  EXPECT_EQ(sent.error().message, "transport result " + std::to_string(CGW_TRANSPORT_NOT_SENT));

  // A callback result of the old size is a result, not "no result".
  auto cb = carrier.parse_callback("POST", "/v1/callbacks/old", {}, "{}");
  EXPECT_FALSE(cb.verified);
  EXPECT_EQ(cb.refusal.code, "CALLBACK_REJECTED");
  EXPECT_EQ(cb.refusal.message, "this old plugin refuses callbacks");
}

INSTANTIATE_TEST_SUITE_P(Abi, OldAbiPlugin, ::testing::Values(0, 1, 2),
                         [](const auto& info) { return "1_" + std::to_string(info.param); });

TEST(AbiGrowth, AHostOfAnOlderMinorLoadsAPluginThatNeedsNoMore) {
  // abi_1_3: built against this header, declaring min_host_minor 0.
  static_assert(CGW_ABI_MINOR == 3, "freeze abi.h in tests/fixtures/abi/ and add the new minor");
  for (uint16_t minor = 0; minor < CGW_ABI_MINOR; ++minor) {
    auto lib = load_plugin(fixture("abi_1_3"), host_of_minor(minor));
    ASSERT_TRUE(lib.ok()) << "host 1." << minor << ": " << lib.error().message;
    EXPECT_EQ(lib.value()->abi, "1." + std::to_string(CGW_ABI_MINOR));
  }
}

TEST(AbiGrowth, APluginRefusesAnOlderHostThatLacksWhatItNeeds) {
  // The C++ layer takes its settings as JSON, which hosts pass from 1.2 on.
  // 1.0 and 1.1 hosts do not read min_host_minor: its entry returns NULL,
  // and the host says so.
  for (uint16_t minor = 0; minor < 2; ++minor) {
    auto lib = load_plugin(fixture("good"), host_of_minor(minor));
    ASSERT_FALSE(lib.ok()) << "host 1." << minor;
    EXPECT_NE(lib.error().message.find("the plugin refused this host"), std::string::npos)
        << lib.error().message;
  }
  auto lib = load_plugin(fixture("good"), host_table());
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  EXPECT_EQ(lib.value()->min_host_minor, 2);
  EXPECT_EQ(lib.value()->config_format, CGW_CONFIG_JSON);
}

TEST(AbiGrowth, TheSdkFillsTheSizedRequestAndErrorAndTheDeclarations) {
  auto lib = load_plugin(fixture("good"), host_table());
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  const cgw_plugin_v1* t = lib.value()->table;
  ASSERT_TRUE(CGW_HAS_MEMBER(t, cgw_plugin_v1, kyc_outcomes));
  EXPECT_EQ(t->min_host_minor, 2);
  EXPECT_EQ(t->config_format, CGW_CONFIG_JSON);
  EXPECT_EQ(t->kyc_outcomes, CGW_KYC_ALL_OUTCOMES);
  cgw_step_v1* error = nullptr;
  HostContext ctx;
  const std::string settings = "{}";
  cgw_instance* i = t->create(&ctx, cgw_str{settings.data(), settings.size()}, &error);
  ASSERT_NE(i, nullptr);
  const std::string op = "kyc.verify";
  cgw_step_v1* step = t->start(i, cgw_str{op.data(), op.size()}, cgw_str{"{}", 2});
  ASSERT_NE(step, nullptr);
  ASSERT_TRUE(CGW_HAS_MEMBER(step, cgw_step_v1, error_v2));
  ASSERT_NE(step->error_v2, nullptr);
  EXPECT_EQ(step->error_v2->struct_size, sizeof(cgw_error_v2));
  EXPECT_EQ(std::string(step->error_v2->code.ptr, step->error_v2->code.len),
            "UNSUPPORTED_OPERATION");
  EXPECT_EQ(step->error.code.len, step->error_v2->code.len);  // both forms
  t->free_step(step);
  t->destroy(i);
}
