// One error convention (docs/architecture.md): reads gateway/src and fails on
// any of the conventions it replaced, so that none comes back unnoticed:
// - a `why` out-parameter with a null return, an empty-or-message string,
//   ConfigResult, OperationOutcome, error_of, CallbackOutcome;
// - a status written as a literal (SQL '...' or C++ "...") outside the
//   core/*_status.hpp header that defines it;
// - an error code written as a literal outside core/error.hpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = CGW_SOURCE_DIR;
const fs::path kGateway = kRoot / "gateway/src";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The values of the `inline constexpr const char* kName = "value"` constants
// of `header`.
std::set<std::string> constants_in(const fs::path& header) {
  const std::string text = slurp(header);
  const std::regex constant(R"re(inline constexpr const char\* k\w+ = "([^"]+)")re");
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), constant), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

bool is_status_header(const fs::path& p) {
  return p.parent_path().filename() == "core" && p.stem().string().ends_with("_status");
}

struct Source {
  std::string path;                // relative to gateway/src
  std::vector<std::string> lines;  // with // comments removed
  std::string text;                // as written, comments included
};

// Every .cpp and .hpp of gateway/src.
std::vector<Source> gateway_sources() {
  std::vector<Source> out;
  // A // comment: at the start of a line or after a blank (not the // of a
  // URL inside a string).
  const std::regex comment(R"((^|\s)//.*$)");
  for (const auto& e : fs::recursive_directory_iterator(kGateway)) {
    const auto ext = e.path().extension();
    if (ext != ".cpp" && ext != ".hpp") continue;
    Source s{fs::relative(e.path(), kGateway).string(), {}, slurp(e.path())};
    std::istringstream in(s.text);
    for (std::string line; std::getline(in, line);)
      s.lines.push_back(std::regex_replace(line, comment, ""));
    out.push_back(std::move(s));
  }
  return out;
}

std::string where(const Source& s, size_t line) {
  return s.path + ":" + std::to_string(line + 1);
}

// The status constants' values: what must not be written as a literal.
std::set<std::string> statuses() {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(kGateway / "core"))
    if (is_status_header(e.path())) out.merge(constants_in(e.path()));
  return out;
}

// The codes of core/error.hpp and the SDK's cgw::code.
std::set<std::string> codes() {
  auto out = constants_in(kGateway / "core/error.hpp");
  out.merge(constants_in(kRoot / "sdk/include/cgw/plugin.hpp"));
  return out;
}

}  // namespace

TEST(ErrorConvention, TheSourcesAreFound) {
  // Guards the other tests against passing on an empty tree.
  EXPECT_GE(gateway_sources().size(), 80u);
  EXPECT_GE(statuses().size(), 17u);
  EXPECT_GE(codes().size(), 40u);
}

TEST(ErrorConvention, NoneOfTheOldConventions) {
  const std::vector<std::pair<std::regex, const char*>> old = {
      // Not `const std::string& why`: a reason passed in is no out-parameter.
      {std::regex(R"((^|[(,]\s*)std::string\s*&\s*why\b)"), "a `why` out-parameter: return Result"},
      {std::regex(R"(\bConfigResult\b)"), "ConfigResult: load_config returns Result<Config>"},
      {std::regex(R"(\bOperationOutcome\b)"), "OperationOutcome: Carrier::run returns Result"},
      {std::regex(R"(\bCallbackOutcome\b)"), "CallbackOutcome: it is ParsedCallback"},
      {std::regex(R"(\berror_of\s*\()"), "error_of: a failed Result holds the Error"},
  };
  // The old convention's own words, comments included.
  const std::regex empty_or(R"([Ee]mpty (string )?or (an )?(error|message))");
  for (const auto& s : gateway_sources()) {
    for (size_t i = 0; i < s.lines.size(); ++i)
      for (const auto& [re, why] : old)
        EXPECT_FALSE(std::regex_search(s.lines[i], re)) << where(s, i) << ": " << why;
    EXPECT_FALSE(std::regex_search(s.text, empty_or))
        << s.path << ": an empty-or-error string: return Status";
  }
}

TEST(ErrorConvention, StatusesComeFromTheirConstants) {
  const auto known = statuses();
  const std::regex sql(R"('([a-z_]+)')");
  // A C++ literal, unless it opens a JSON member ({"available", n}).
  const std::regex cpp(R"re((^|[^{])"([a-z_]+)")re");
  // A metric label value of the same spelling, not a status.
  const std::set<std::pair<std::string, std::string>> allowed = {{"core/metrics.cpp", "failed"}};
  for (const auto& s : gateway_sources()) {
    if (is_status_header(kGateway / s.path)) continue;
    // Shipped migrations are history: they keep the literals they shipped
    // with (tests/gateway/store/status_sql_test.cpp checks that the indexes
    // they create match the terms built from the constants). DDL takes no
    // parameters in either backend.
    const bool migrations =
        s.path == "store/sqlite/schema.cpp" || s.path == "store/postgres/schema.cpp";
    for (size_t i = 0; i < s.lines.size(); ++i) {
      const std::string& line = s.lines[i];
      for (std::sregex_iterator it(line.begin(), line.end(), sql), end; it != end && !migrations;
           ++it)
        EXPECT_FALSE(known.count((*it)[1].str()))
            << where(s, i) << ": status '" << (*it)[1] << "' written in SQL";
      for (std::sregex_iterator it(line.begin(), line.end(), cpp), end; it != end; ++it)
        EXPECT_FALSE(known.count((*it)[2]) && !allowed.count({s.path, (*it)[2].str()}))
            << where(s, i) << ": status \"" << (*it)[2] << "\" written as a literal";
    }
  }
}

TEST(ErrorConvention, CodesComeFromTheirConstants) {
  const auto known = codes();
  // A literal that is, or starts with, a word in capitals: a known code,
  // or any word with an underscore (a new code that skipped error.hpp).
  const std::regex literal(R"re("([A-Z][A-Z0-9_]+)\b)re");
  for (const auto& s : gateway_sources()) {
    if (s.path == "core/error.hpp") continue;
    for (size_t i = 0; i < s.lines.size(); ++i) {
      const std::string& line = s.lines[i];
      for (std::sregex_iterator it(line.begin(), line.end(), literal), end; it != end; ++it) {
        const std::string word = (*it)[1];
        EXPECT_FALSE(known.count(word) || word.find('_') != std::string::npos)
            << where(s, i) << ": code " << word << " written as a literal";
      }
    }
  }
}
