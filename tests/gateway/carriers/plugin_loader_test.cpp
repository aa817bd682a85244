// The plugin host against the fixture plugins: every refusal reason, and a
// plugin that throws becomes a FAIL outcome, never a crash.
#include "carriers/carrier.hpp"
#include "carriers/run_op.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <optional>

using namespace cgw::gw;
using cgw::gw::test::run_op;

namespace {
std::filesystem::path fixture(const char* name) {
  return std::filesystem::path(CGW_FIXTURE_DIR) / (std::string(name) + ".so");
}

// The loader's reason for refusing fixture `name`, after checking that the
// refusal is CONFIG_INVALID and names the file.
std::string refusal(const char* name) {
  auto lib = load_plugin(fixture(name), host_table());
  if (lib) {
    ADD_FAILURE() << name << " was loaded";
    return {};
  }
  EXPECT_EQ(lib.error().code, "CONFIG_INVALID") << name;
  const std::string file = fixture(name).string() + ": ";
  const std::string& message = lib.error().message;
  EXPECT_EQ(message.rfind(file, 0), 0u) << message;
  return message.substr(std::min(message.size(), file.size()));
}

CarrierConfig carrier_config(const char* name) {
  CarrierConfig c;
  c.id = "fx";
  c.plugin = fixture(name);
  c.base_url = "http://127.0.0.1:1";
  c.settings = YAML::Node(YAML::NodeType::Map);
  return c;
}
}  // namespace

TEST(PluginLoader, RefusesAFileThatIsNotALibrary) {
  EXPECT_NE(refusal("not_a_library").find("cannot load the library"), std::string::npos);
}

TEST(PluginLoader, RefusesAMissingFile) {
  EXPECT_NE(refusal("does_not_exist").find("cannot load the library"), std::string::npos);
}

TEST(PluginLoader, RefusesALibraryWithoutEntryPoint) {
  EXPECT_EQ(refusal("no_entry"), "no entry point cgw_plugin_entry_v1");
}

TEST(PluginLoader, RefusesAnEntryPointReturningNull) {
  EXPECT_NE(refusal("null_entry").find("returned no plugin table"), std::string::npos);
}

TEST(PluginLoader, RefusesAnotherMajorVersion) {
  EXPECT_EQ(refusal("wrong_major"), "ABI major 2 is not the host's 1");
}

TEST(PluginLoader, LoadsANewerMinorThatNeedsNoNewerHost) {
  auto lib = load_plugin(fixture("newer_minor"), host_table());
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  EXPECT_EQ(lib.value()->abi, "1." + std::to_string(CGW_ABI_MINOR + 1));
  EXPECT_EQ(lib.value()->min_host_minor, 2);
}

TEST(PluginLoader, RefusesAPluginThatNeedsANewerHost) {
  const auto host = "1." + std::to_string(CGW_ABI_MINOR);
  const auto newer = "1." + std::to_string(CGW_ABI_MINOR + 1);
  EXPECT_EQ(refusal("needs_newer_host"), "the plugin (ABI " + newer + ") needs a host of ABI " +
                                             newer + " or newer; this host speaks " + host);
}

TEST(PluginLoader, LoadsAGoodPluginAndRunsAnOperation) {
  auto lib = load_plugin(fixture("good"), host_table());
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  EXPECT_EQ(lib.value()->name, "good");
  EXPECT_EQ(lib.value()->abi, "1." + std::to_string(CGW_ABI_MINOR));
  boost::asio::io_context ioc;
  Carrier c(carrier_config("good"), lib.value(), ioc.get_executor());
  auto created = c.create("http://127.0.0.1:1/v1/callbacks/fx");
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto out = run_op(c, ioc, "plans.list");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out.value().at("plans").as_array().size(), 1u);
  auto unsupported = run_op(c, ioc, "kyc.verify");
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.error().code, "UNSUPPORTED_OPERATION");
}

TEST(PluginLoader, AThrowingOperationBecomesAFailStep) {
  auto lib = load_plugin(fixture("throwing"), host_table());
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  boost::asio::io_context ioc;
  Carrier c(carrier_config("throwing"), lib.value(), ioc.get_executor());
  ASSERT_TRUE(c.create("http://127.0.0.1:1/cb").ok());
  auto out = run_op(c, ioc, "plans.list");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "PLUGIN_ERROR");
  auto cb = c.parse_callback("POST", "/v1/callbacks/fx", {}, "{}");
  EXPECT_FALSE(cb.verified);
}
