// The test clock is a test deployment's only (docs/test-clock.md): refused,
// with the file and line, in a production config (the default); accepted
// where the config declares `environment: test`.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using cgw::gw::parse_config;

namespace {

std::string config(const std::string& top, const std::string& scopes = {}) {
  return top +
         "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\n"
         "tenants:\n  - id: t1\n    api_keys:\n      - sha256: "
         "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123\n" +
         scopes +
         "carriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
         "http://127.0.0.1:1\n";
}

class TestClockConfig : public ::testing::Test {
 protected:
  void SetUp() override { setenv("CGW_TEST_PII_KEY", std::string(64, 'a').c_str(), 1); }
  static std::string error_of(const std::string& text) {
    auto r = parse_config(text, "/c/g.yaml");
    return r.ok() ? "" : r.error().message;
  }
};

const std::string kRefused =
    "test_clock is refused in a production config: only a config that declares `environment: "
    "test` may have a clock that can be moved";

TEST_F(TestClockConfig, OffByDefaultInAProductionConfig) {
  auto r = parse_config(config(""), "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->test_deployment);
  EXPECT_FALSE(r->test_clock);
}

TEST_F(TestClockConfig, RefusedInProductionWithFileAndLine) {
  EXPECT_EQ(error_of(config("threads: 2\ntest_clock: {enabled: true}\n")),
            "/c/g.yaml:2: " + kRefused);
  EXPECT_EQ(error_of(config("environment: production\ntest_clock: {enabled: true}\n")),
            "/c/g.yaml:2: " + kRefused);
  // Even switched off: a production config does not name it.
  EXPECT_EQ(error_of(config("test_clock: {enabled: false}\n")), "/c/g.yaml:1: " + kRefused);
}

TEST_F(TestClockConfig, ItsScopeIsRefusedInProduction) {
  EXPECT_EQ(error_of(config("", "        scopes: [metrics:read, test:clock]\n")),
            "/c/g.yaml:7: the scope test:clock is refused in a production config: only a "
            "config that declares `environment: test` has a test clock");
  auto test =
      parse_config(config("environment: test\n", "        scopes: [test:clock]\n"), "/c/g.yaml");
  EXPECT_TRUE(test.ok()) << test.error().message;
}

TEST_F(TestClockConfig, AcceptedInATestDeployment) {
  auto r = parse_config(config("environment: test\ntest_clock: {enabled: true}\n"), "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->test_deployment);
  EXPECT_TRUE(r->test_clock);
  auto off = parse_config(config("environment: test\n"), "/c/g.yaml");
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_TRUE(off->test_deployment);
  EXPECT_FALSE(off->test_clock) << "a test deployment still turns the clock on explicitly";
}

TEST_F(TestClockConfig, MisfitValuesNameTheKey) {
  EXPECT_EQ(error_of(config("environment: staging\n")),
            "/c/g.yaml:1: environment must be production or test, not 'staging'");
  EXPECT_EQ(error_of(config("environment: test\ntest_clock: {enabled: true, rate: 2}\n")),
            "/c/g.yaml:2: unknown key 'rate' in test_clock");
  EXPECT_EQ(error_of(config("environment: test\ntest_clock: yes\n")),
            "/c/g.yaml:2: test_clock must be a mapping {enabled: bool}");
  EXPECT_EQ(error_of(config("environment: test\ntest_clock: {enabled: often}\n")),
            "/c/g.yaml:2: test_clock.enabled has the wrong type");
}

}  // namespace
