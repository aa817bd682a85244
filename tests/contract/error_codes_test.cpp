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

// code -> first place it is written.
std::map<std::string, std::string> codes_in_sources() {
  // The ways an error answer gets its code: ApiError{status, "CODE", ...},
  // {status, "CODE", ...} returned as an ApiError, the helpers that take a
  // code, and the HTTP layer's own refusals.
  const std::regex written(
      R"re((?:ApiError\s*\{|return\s*\{)\s*\d{3}\s*,\s*"([A-Z][A-Z0-9_]+)")re"
      R"re(|(?:unprocessable|refuse|quota_response\s*\(\s*c\s*,)\s*\(?\s*"([A-Z][A-Z0-9_]+)")re"
      R"re(|refusal\s*\([^;"]*?,\s*"([A-Z][A-Z0-9_]+)")re"
      R"re(|error_body\s*\(\s*"([A-Z][A-Z0-9_]+)")re");
  std::map<std::string, std::string> out;
  std::vector<fs::path> files;
  for (const auto* dir : {"gateway/src", "common/src"})
    for (const auto& e : fs::directory_iterator(kRoot / dir))
      if (e.path().extension() == ".cpp" || e.path().extension() == ".hpp")
        files.push_back(e.path());
  for (const auto& f : files) {
    const std::string text = slurp(f);
    for (std::sregex_iterator it(text.begin(), text.end(), written), end; it != end; ++it)
      for (size_t g = 1; g < it->size(); ++g)
        if ((*it)[g].matched) out.emplace((*it)[g].str(), fs::relative(f, kRoot).string());
  }
  // Plugin codes reach clients as they are (api::carrier_error), except
  // CONFIG_INVALID, which only `create` returns and stops the start.
  const std::string sdk = slurp(kRoot / "sdk/include/cgw/plugin.hpp");
  const std::regex constant(R"re(inline constexpr const char\* k\w+ = "([A-Z][A-Z0-9_]+)")re");
  for (std::sregex_iterator it(sdk.begin(), sdk.end(), constant), end; it != end; ++it)
    if ((*it)[1] != "CONFIG_INVALID") out.emplace((*it)[1], "sdk/include/cgw/plugin.hpp");
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
