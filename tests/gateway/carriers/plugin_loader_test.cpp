// The plugin host against the fixture plugins: every refusal reason, and a
// plugin that throws becomes a FAIL outcome, never a crash.
#include "carriers/carrier.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

using namespace cgw::gw;

namespace {
std::filesystem::path fixture(const char* name) {
  return std::filesystem::path(CGW_FIXTURE_DIR) / (std::string(name) + ".so");
}

std::string refusal(const char* name) {
  std::string why;
  auto lib = load_plugin(fixture(name), host_table(), why);
  EXPECT_EQ(lib, nullptr) << name;
  return why;
}

CarrierConfig carrier_config(const char* name) {
  CarrierConfig c;
  c.id = "fx";
  c.plugin = fixture(name);
  c.base_url = "http://127.0.0.1:1";
  c.settings = YAML::Node(YAML::NodeType::Map);
  return c;
}

OperationOutcome run_op(Carrier& c, boost::asio::io_context& ioc, const char* op) {
  auto fut = boost::asio::co_spawn(ioc, c.run(op, "{}"), boost::asio::use_future);
  ioc.run();
  ioc.restart();
  return fut.get();
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

TEST(PluginLoader, RefusesANewerMinorVersion) {
  const auto host = "1." + std::to_string(CGW_ABI_MINOR);
  const auto newer = "1." + std::to_string(CGW_ABI_MINOR + 1);
  EXPECT_EQ(refusal("newer_minor"), "ABI " + newer + " is newer than the host's " + host);
}

TEST(PluginLoader, LoadsAGoodPluginAndRunsAnOperation) {
  std::string why;
  auto lib = load_plugin(fixture("good"), host_table(), why);
  ASSERT_NE(lib, nullptr) << why;
  EXPECT_EQ(lib->name, "good");
  EXPECT_EQ(lib->abi, "1." + std::to_string(CGW_ABI_MINOR));
  boost::asio::io_context ioc;
  Carrier c(carrier_config("good"), lib, ioc.get_executor());
  ASSERT_EQ(c.create("http://127.0.0.1:1/v1/callbacks/fx"), "");
  auto out = run_op(c, ioc, "plans.list");
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(out.result.at("plans").as_array().size(), 1u);
  auto unsupported = run_op(c, ioc, "kyc.verify");
  EXPECT_FALSE(unsupported.ok);
  EXPECT_EQ(unsupported.code, "UNSUPPORTED_OPERATION");
}

TEST(PluginLoader, AThrowingOperationBecomesAFailStep) {
  std::string why;
  auto lib = load_plugin(fixture("throwing"), host_table(), why);
  ASSERT_NE(lib, nullptr) << why;
  boost::asio::io_context ioc;
  Carrier c(carrier_config("throwing"), lib, ioc.get_executor());
  ASSERT_EQ(c.create("http://127.0.0.1:1/cb"), "");
  auto out = run_op(c, ioc, "plans.list");
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.code, "PLUGIN_ERROR");
  auto cb = c.parse_callback("POST", "/v1/callbacks/fx", {}, "{}");
  EXPECT_FALSE(cb.verified);
}
