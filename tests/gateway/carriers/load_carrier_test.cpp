// load_carrier(), what the gateway runs for each configured carrier at
// startup: a loaded and created carrier, or one Error that names the
// plugin file and says why (the loader's refusal or the plugin's refusal of
// its settings).
#include "carriers/carrier.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

using namespace cgw::gw;

namespace {

CarrierConfig carrier_config(const char* fixture) {
  CarrierConfig c;
  c.id = "fx";
  c.plugin = std::filesystem::path(CGW_FIXTURE_DIR) / (std::string(fixture) + ".so");
  c.base_url = "http://127.0.0.1:1";
  c.settings = YAML::Node(YAML::NodeType::Map);
  return c;
}

}  // namespace

TEST(LoadCarrier, LoadsAndCreatesAGoodPlugin) {
  boost::asio::io_context ioc;
  auto carrier = load_carrier(carrier_config("good"), "http://127.0.0.1:1/cb", ioc.get_executor());
  ASSERT_TRUE(carrier.ok()) << carrier.error().message;
  EXPECT_EQ(carrier.value()->library().name, "good");
  EXPECT_EQ(carrier.value()->config().id, "fx");
}

TEST(LoadCarrier, ALibraryTheLoaderRefusesIsConfigInvalidNamingTheFile) {
  boost::asio::io_context ioc;
  const auto cfg = carrier_config("wrong_major");
  auto carrier = load_carrier(cfg, "http://127.0.0.1:1/cb", ioc.get_executor());
  ASSERT_FALSE(carrier.ok());
  EXPECT_EQ(carrier.error().code, "CONFIG_INVALID");
  EXPECT_EQ(carrier.error().message, cfg.plugin.string() + ": ABI major 2 is not the host's 1");
  EXPECT_FALSE(carrier.error().retryable);
}

TEST(LoadCarrier, SettingsThePluginRefusesAreConfigInvalidWithItsReason) {
  boost::asio::io_context ioc;
  const auto cfg = carrier_config("refusing");
  auto carrier = load_carrier(cfg, "http://127.0.0.1:1/cb", ioc.get_executor());
  ASSERT_FALSE(carrier.ok());
  EXPECT_EQ(carrier.error().code, "CONFIG_INVALID");
  EXPECT_EQ(carrier.error().message,
            cfg.plugin.string() +
                ": the plugin refused its settings: fixture: settings.app_key is required");
}

TEST(LoadCarrier, CreateReportsTheRefusalAsAStatus) {
  boost::asio::io_context ioc;
  const auto cfg = carrier_config("refusing");
  auto library = load_plugin(cfg.plugin, host_table());
  ASSERT_TRUE(library.ok()) << library.error().message;
  Carrier carrier(cfg, library.value(), ioc.get_executor());
  Status created = carrier.create("http://127.0.0.1:1/cb");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, "CONFIG_INVALID");
  EXPECT_NE(created.error().message.find("settings.app_key is required"), std::string::npos);
}
