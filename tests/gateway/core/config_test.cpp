#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using cgw::gw::parse_config;

namespace {
const std::string kKey(64, 'a');
const std::string kHash = "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123";

std::string valid_config(const std::string& extra_carrier = "") {
  return "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\n"
         "tenants:\n  - id: t1\n    api_keys:\n      - sha256: " +
         kHash +
         "\n"
         "carriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
         "http://127.0.0.1:1\n"
         "    settings:\n      secret: {env: CGW_TEST_SECRET}\n" +
         extra_carrier;
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("CGW_TEST_PII_KEY", kKey.c_str(), 1);
    setenv("CGW_TEST_SECRET", "s3cret", 1);
  }
};
}  // namespace

TEST_F(ConfigTest, ValidConfigLoadsWithDefaults) {
  auto r = parse_config(valid_config(), "/etc/cgw/gateway.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->listen_port, 8080);
  ASSERT_EQ(r->carriers.size(), 1u);
  EXPECT_EQ(r->carriers[0].settings["secret"].as<std::string>(), "s3cret");
  EXPECT_EQ(r->store_path, std::filesystem::path("/etc/cgw/var/cgw.db"));
  EXPECT_EQ(r->pii_key.size(), 32u);
}

TEST_F(ConfigTest, UnknownKeyNamesFileAndLine) {
  auto r = parse_config("threads: 2\nlisten:\n  adress: 1.2.3.4\n", "/c/g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "/c/g.yaml:3: unknown key 'adress' in listen");
}

TEST_F(ConfigTest, SyntaxErrorNamesLine) {
  auto r = parse_config("threads: 2\nlisten: [1, 2\n", "/c/g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/c/g.yaml:"), std::string::npos);
}

TEST_F(ConfigTest, WrongTypeAndRange) {
  auto r = parse_config("threads: many\n" + valid_config(), "g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("g.yaml:1: config.threads has the wrong type"),
            std::string::npos)
      << r.error().message;
  r = parse_config("threads: 0\n" + valid_config(), "g.yaml");
  EXPECT_NE(r.error().message.find("threads must be positive"), std::string::npos)
      << r.error().message;
}

TEST_F(ConfigTest, MissingSecretEnvironmentVariable) {
  unsetenv("CGW_TEST_SECRET");
  auto r = parse_config(valid_config(), "g.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("environment variable CGW_TEST_SECRET is not set"),
            std::string::npos)
      << r.error().message;
}

TEST_F(ConfigTest, BadApiKeyHashAndDuplicates) {
  auto bad = valid_config();
  bad.replace(bad.find(kHash), kHash.size(), "not-hex");
  auto r = parse_config(bad, "g.yaml");
  EXPECT_NE(r.error().message.find("64 hex characters"), std::string::npos) << r.error().message;
  r = parse_config(valid_config("  - id: mobile\n    plugin: p.so\n    base_url: http://x\n"),
                   "g.yaml");
  EXPECT_NE(r.error().message.find("duplicate carrier id mobile"), std::string::npos)
      << r.error().message;
}

TEST_F(ConfigTest, PiiKeyMustBe32Bytes) {
  setenv("CGW_TEST_PII_KEY", "abcd", 1);
  auto r = parse_config(valid_config(), "g.yaml");
  EXPECT_NE(r.error().message.find("pii_key must be 64 hex characters"), std::string::npos)
      << r.error().message;
}

TEST_F(ConfigTest, EmptyFile) {
  auto r = parse_config("", "g.yaml");
  EXPECT_EQ(r.error().message, "g.yaml: the file is empty");
}

TEST_F(ConfigTest, ListenerTlsAndCarrierTls) {
  auto with_tls = [](const std::string& listen, const std::string& carrier_tls) {
    std::string y = listen;
    y += valid_config(carrier_tls);
    return y;
  };
  auto ok = parse_config(with_tls("listen:\n  tls: {cert_file: s.pem, key_file: s.key, "
                                  "client_ca_file: ca.pem, require_client_cert: true}\n",
                                  "    tls: {ca_file: carrier-ca.pem}\n"),
                         "/etc/cgw/gateway.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_TRUE(ok->listen_tls);
  EXPECT_EQ(ok->listen_tls->cert_file, std::filesystem::path("/etc/cgw/s.pem"));
  EXPECT_TRUE(ok->listen_tls->require_client_cert);
  EXPECT_EQ(ok->carriers[0].tls_ca_file, std::filesystem::path("/etc/cgw/carrier-ca.pem"));
  EXPECT_TRUE(ok->carriers[0].tls_verify);  // verification is on unless turned off

  auto off = parse_config(valid_config("    tls: {verify: false}\n"), "g.yaml");
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_FALSE(off->carriers[0].tls_verify);

  auto mtls_without_ca = parse_config(
      with_tls("listen:\n  tls: {cert_file: s.pem, key_file: s.key, require_client_cert: true}\n",
               ""),
      "g.yaml");
  EXPECT_NE(mtls_without_ca.error().message.find("require_client_cert needs client_ca_file"),
            std::string::npos)
      << mtls_without_ca.error().message;
  auto no_key = parse_config(with_tls("listen:\n  tls: {cert_file: s.pem}\n", ""), "g.yaml");
  EXPECT_NE(no_key.error().message.find("listen.tls.key_file is required"), std::string::npos)
      << no_key.error().message;
  auto typo = parse_config(valid_config("    tls: {verfy: false}\n"), "g.yaml");
  EXPECT_NE(typo.error().message.find("unknown key 'verfy'"), std::string::npos)
      << typo.error().message;
}

TEST(Config, ErrorsAreConfigInvalid) {
  auto unknown_key = parse_config("threads: 2\nlisten:\n  adress: 1.2.3.4\n", "/c/g.yaml");
  ASSERT_FALSE(unknown_key.ok());
  EXPECT_EQ(unknown_key.error().code, "CONFIG_INVALID");
  EXPECT_FALSE(unknown_key.error().retryable);
  auto missing = cgw::gw::load_config("/nonexistent/cgw/gateway.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "CONFIG_INVALID");
  EXPECT_EQ(missing.error().message, "/nonexistent/cgw/gateway.yaml: cannot open the file");
}
