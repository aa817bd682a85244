// A fault rule's match in the sim YAML: accepted, and refused with the
// file and line of the match itself.
#include "cgw/sim/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

class SimConfigMatch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sim_cfg_match_" + std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(dir_ / "secrets");
    std::ofstream(dir_ / "secrets" / "m.secret") << "s3cret\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  cgw::sim::ConfigResult parse(const std::string& faults) {
    return cgw::sim::parse_config(
        "simulators:\n"
        "  - carrier: mobile\n"
        "    listen: \"127.0.0.1:0\"\n"
        "    app_id: a\n"
        "    secret: {file: secrets/m.secret}\n"
        "    faults:\n" +
            faults,
        dir_, "sim.yaml", {"mobile"});
  }
  std::filesystem::path dir_;
};

TEST_F(SimConfigMatch, AcceptsAMatchAndNamesTheLineOfABadOne) {
  auto r = parse(
      "      - kind: business_error\n"
      "        code: \"3002\"\n"
      "        match:\n"
      "          msisdn: \"13800000001\"\n"
      "          header: {X-Tenant: qa1}\n"
      "          body: {contact.phone: \"139\"}\n");
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& m = r.config.simulators.at(0).faults.at(0).match;
  EXPECT_EQ(m.msisdn, "13800000001");
  ASSERT_EQ(m.headers.size(), 1u);
  EXPECT_EQ(m.headers[0].second, "qa1");
  ASSERT_EQ(m.body.size(), 1u);
  EXPECT_EQ(m.body[0].first, "contact.phone");

  r = parse(
      "      - kind: reset\n"
      "        first: 1\n"
      "        match:\n"
      "          msisdn: \"1380\"\n");
  EXPECT_EQ(r.error, "sim.yaml:10: faults[0]: match.msisdn must be 11 digits");
  r = parse("      - {kind: reset, match: {lock: L1}}\n");
  EXPECT_EQ(r.error,
            "sim.yaml:7: faults[0]: match: unknown key 'lock' (known: msisdn, order_id, header, "
            "body)");
}

}  // namespace
