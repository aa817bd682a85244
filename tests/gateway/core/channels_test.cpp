// Channels (core/channels.hpp): a tenant's own carrier settings parsed into
// carrier instances of their own, the precise errors of a wrong override,
// and which instance a tenant's name of a carrier means.
#include "core/channels.hpp"
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

using namespace cgw::gw;

namespace {

const std::string kHash = "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123";
const std::string kHash2 = "bd050429dcd0ffc445f1d54e27012e52724d5bbea164bbb80832402d3540c6c2";

// Tenants qa1 (with `qa1_carriers`, YAML indented by 4, "" for none) and
// qa2 (none); carriers mobile (secret and app_id in settings) and unicom.
std::string config_with(const std::string& qa1_carriers) {
  return "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\n"
         "tenants:\n"
         "  - id: qa1\n    api_keys:\n      - sha256: " +
         kHash + "\n" + qa1_carriers + "  - id: qa2\n    api_keys:\n      - sha256: " + kHash2 +
         "\n"
         "carriers:\n"
         "  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: http://127.0.0.1:9101\n"
         "    max_qps: 50\n"
         "    settings:\n      app_id: shared-app\n      secret: {env: CGW_TEST_SECRET}\n"
         "      hold_minutes: 30\n"
         "  - id: unicom\n    plugin: /x/cgw_unicom.so\n    base_url: http://127.0.0.1:9102\n";
}

class ChannelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("CGW_TEST_PII_KEY", std::string(64, 'a').c_str(), 1);
    setenv("CGW_TEST_SECRET", "shared-secret", 1);
    setenv("CGW_TEST_QA1_SECRET", "qa1-secret", 1);
  }
  // The error message of a config that must be refused.
  static std::string refusal(const std::string& qa1_carriers) {
    auto r = parse_config(config_with(qa1_carriers), "/c/g.yaml");
    return r.ok() ? std::string("(accepted)") : r.error().message;
  }
};

const CarrierConfig* find(const Config& cfg, const std::string& id) {
  for (const auto& c : cfg.carriers)
    if (c.id == id) return &c;
  return nullptr;
}

}  // namespace

TEST_F(ChannelsTest, OverrideBecomesACarrierInstanceWithMergedSettings) {
  auto r = parse_config(config_with("    carriers:\n"
                                    "      mobile:\n"
                                    "        base_url: http://127.0.0.1:9101/ns/qa1\n"
                                    "        settings:\n"
                                    "          app_id: qa1-app\n"
                                    "          secret: {env: CGW_TEST_QA1_SECRET}\n"
                                    "          channel_code: QA1\n"),
                        "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->carriers.size(), 3u);
  const CarrierConfig* ch = find(r.value(), "mobile.qa1");
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->channel_of, "mobile");
  EXPECT_EQ(ch->channel_tenant, "qa1");
  EXPECT_EQ(ch->base_url, "http://127.0.0.1:9101/ns/qa1");
  EXPECT_EQ(ch->settings["app_id"].as<std::string>(), "qa1-app");
  EXPECT_EQ(ch->settings["secret"].as<std::string>(), "qa1-secret");
  EXPECT_EQ(ch->settings["channel_code"].as<std::string>(), "QA1");
  // Every key the tenant leaves out is the carrier's.
  EXPECT_EQ(ch->settings["hold_minutes"].as<int>(), 30);
  EXPECT_EQ(ch->max_qps, 50);
  EXPECT_EQ(ch->plugin.string(), "/x/cgw_mobile.so");
  // The carrier itself is unchanged.
  const CarrierConfig* mobile = find(r.value(), "mobile");
  ASSERT_NE(mobile, nullptr);
  EXPECT_EQ(mobile->base_url, "http://127.0.0.1:9101");
  EXPECT_EQ(mobile->settings["app_id"].as<std::string>(), "shared-app");
  EXPECT_EQ(mobile->settings["secret"].as<std::string>(), "shared-secret");
  EXPECT_TRUE(mobile->channel_of.empty());
  EXPECT_EQ(r->tenants[0].channels.at("mobile"), "mobile.qa1");
  EXPECT_TRUE(r->tenants[1].channels.empty());
}

TEST_F(ChannelsTest, BaseUrlAloneKeepsTheCarriersSettings) {
  auto r = parse_config(config_with("    carriers: {mobile: {base_url: 'http://h:1/ns/qa1'}}\n"),
                        "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const CarrierConfig* ch = find(r.value(), "mobile.qa1");
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->base_url, "http://h:1/ns/qa1");
  EXPECT_EQ(ch->settings["secret"].as<std::string>(), "shared-secret");
  EXPECT_EQ(ch->settings["app_id"].as<std::string>(), "shared-app");
}

TEST_F(ChannelsTest, UnknownCarrierIsNamedWithTheConfiguredOnes) {
  EXPECT_EQ(refusal("    carriers: {mobil: {base_url: 'http://h:1'}}\n"),
            "/c/g.yaml:7: tenant qa1 carriers: unknown carrier 'mobil' (configured: mobile, "
            "unicom)");
}

TEST_F(ChannelsTest, UnknownKeyInAnOverride) {
  EXPECT_EQ(refusal("    carriers:\n      mobile:\n        base_url: http://h:1\n"
                    "        max_qps: 5\n"),
            "/c/g.yaml:10: unknown key 'max_qps' in tenant qa1 carriers.mobile (a tenant may set "
            "base_url and settings; everything else is the carrier's)");
}

TEST_F(ChannelsTest, SecretGivenAsALiteralIsRefused) {
  const auto message =
      refusal("    carriers:\n      mobile:\n        settings: {secret: plain-text-secret}\n");
  EXPECT_EQ(message,
            "/c/g.yaml:9: tenant qa1 carriers.mobile.settings.secret is a secret (carrier mobile "
            "gives it as a reference): give it as {file: ...} or {env: ...}, never as a value");
  EXPECT_EQ(message.find("plain-text-secret"), std::string::npos);
}

TEST_F(ChannelsTest, OtherPreciseErrors) {
  EXPECT_EQ(refusal("    carriers: {mobile: {}}\n"),
            "/c/g.yaml:7: tenant qa1 carriers.mobile sets neither base_url nor settings");
  EXPECT_EQ(refusal("    carriers: {mobile: {base_url: 'ftp://h/x'}}\n"),
            "/c/g.yaml:7: tenant qa1 carriers.mobile.base_url must be an absolute http(s) URL");
  EXPECT_EQ(refusal("    carriers: [mobile]\n"),
            "/c/g.yaml:7: tenant qa1: carriers must be a mapping of carrier id to this tenant's "
            "settings, e.g. {mobile: {base_url: ...}}");
  EXPECT_EQ(refusal("    carriers: {mobile: {settings: [1]}}\n"),
            "/c/g.yaml:7: tenant qa1 carriers.mobile.settings must be a mapping");
  const auto unset =
      refusal("    carriers: {mobile: {settings: {secret: {env: CGW_NOT_SET_X}}}}\n");
  EXPECT_EQ(unset,
            "/c/g.yaml:7: tenant qa1 carriers.mobile.settings: environment variable "
            "CGW_NOT_SET_X is not set");
}

TEST_F(ChannelsTest, TenantIdMustSuitAChannelName) {
  auto text = config_with("    carriers: {mobile: {base_url: 'http://h:1'}}\n");
  text.replace(text.find("id: qa1"), 7, "id: 'QA 1'");
  auto r = parse_config(text, "/c/g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "/c/g.yaml:7: tenant 'QA 1' has carrier settings of its own: its id names the "
            "channel (mobile.QA 1) and may use only a-z, 0-9, '-' and '_'");
}

TEST_F(ChannelsTest, ATenantNamesTheCarrierAndReachesItsChannel) {
  auto r = parse_config(config_with("    carriers: {mobile: {base_url: 'http://h:1/ns/qa1'}}\n"),
                        "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Config& cfg = r.value();
  EXPECT_EQ(carrier_for_tenant(cfg, "qa1", "mobile"), "mobile.qa1");
  EXPECT_EQ(carrier_for_tenant(cfg, "qa1", "unicom"), "unicom");
  EXPECT_EQ(carrier_for_tenant(cfg, "qa2", "mobile"), "mobile");
  // A channel's id is nobody's name for a carrier, its own tenant's neither.
  EXPECT_EQ(carrier_for_tenant(cfg, "qa2", "mobile.qa1"), "");
  EXPECT_EQ(carrier_for_tenant(cfg, "qa1", "mobile.qa1"), "");

  EXPECT_TRUE(serves_tenant(cfg, "qa1", "mobile.qa1"));
  EXPECT_FALSE(serves_tenant(cfg, "qa1", "mobile"));
  EXPECT_TRUE(serves_tenant(cfg, "qa1", "unicom"));
  EXPECT_TRUE(serves_tenant(cfg, "qa2", "mobile"));
  EXPECT_FALSE(serves_tenant(cfg, "qa2", "mobile.qa1"));

  EXPECT_EQ(public_carrier_id("mobile.qa1"), "mobile");
  EXPECT_EQ(public_carrier_id("mobile"), "mobile");
  EXPECT_EQ(channel_id("mvno", "qa2"), "mvno.qa2");
}
