// Every error code the gateway can send is in docs/openapi.yaml's ErrorCode
// enum: the codes its sources write into an error answer, and the
// normalized plugin codes it passes through to clients (sdk/include/cgw/
// plugin.hpp, docs/sdk.md section 12). Reads the sources, so a new code
// without its documentation fails here, whether or not a test ever causes it.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = CGW_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> documented_codes() {
  std::set<std::string> out;
  const auto spec = YAML::LoadFile((kRoot / "docs/openapi.yaml").string());
  for (const auto& c : spec["components"]["schemas"]["ErrorCode"]["enum"])
    out.insert(c.as<std::string>());
  return out;
}

// The constants `k<Name> = "CODE"` of a header: name -> code.
std::map<std::string, std::string> constants_in(const fs::path& header) {
  const std::string text = slurp(header);
  const std::regex constant(R"re(inline constexpr const char\* (k\w+) = "([A-Z][A-Z0-9_]+)")re");
  std::map<std::string, std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), constant), end; it != end; ++it)
    out.emplace((*it)[1], (*it)[2]);
  return out;
}

// code -> first place it is written.
std::map<std::string, std::string> codes_in_sources() {
  std::map<std::string, std::string> out;
  // The gateway answers with a code only through the one code-to-status
  // table (gateway/src/api/error.cpp), which names the constants of
  // core/error.hpp (the SDK's codes among them).
  auto names = constants_in(kRoot / "gateway/src/core/error.hpp");
  names.merge(constants_in(kRoot / "sdk/include/cgw/plugin.hpp"));
  const std::string table = slurp(kRoot / "gateway/src/api/error.cpp");
  const std::regex row(R"re(\{code::(k\w+),\s*\d{3})re");
  for (std::sregex_iterator it(table.begin(), table.end(), row), end; it != end; ++it)
    if (auto n = names.find((*it)[1]); n != names.end())
      out.emplace(n->second, "gateway/src/api/error.cpp");
    else
      out.emplace((*it)[1].str() + " (an unknown constant)", "gateway/src/api/error.cpp");
  // The HTTP layer's own refusals.
  const std::regex written(R"re(error_body\s*\(\s*"([A-Z][A-Z0-9_]+)")re");
  for (const auto& e : fs::recursive_directory_iterator(kRoot / "common/src")) {
    if (e.path().extension() != ".cpp" && e.path().extension() != ".hpp") continue;
    const std::string text = slurp(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), written), end; it != end; ++it)
      out.emplace((*it)[1].str(), fs::relative(e.path(), kRoot).string());
  }
  // Plugin codes reach clients as they are (Carrier::run's Error), except
  // CONFIG_INVALID, which only `create` returns and stops the start.
  for (const auto& [name, code] : constants_in(kRoot / "sdk/include/cgw/plugin.hpp"))
    if (code != "CONFIG_INVALID") out.emplace(code, "sdk/include/cgw/plugin.hpp");
  return out;
}

TEST(ErrorCodes, EveryCodeTheGatewaySendsIsInTheErrorCodeEnum) {
  const auto documented = documented_codes();
  const auto sent = codes_in_sources();
  // Not vacuous: the scan finds the codes of the main routes.
  for (const char* known : {"UNAUTHENTICATED", "NUMBER_UNAVAILABLE", "IDEMPOTENCY_KEY_REUSED",
                            "HEADERS_TOO_LARGE", "CARRIER_TIMEOUT"})
    EXPECT_TRUE(sent.count(known)) << "the source scan no longer finds " << known;
  for (const auto& [code, where] : sent)
    EXPECT_TRUE(documented.count(code))
        << code << " (" << where << ") is missing from ErrorCode in docs/openapi.yaml";
}

}  // namespace
