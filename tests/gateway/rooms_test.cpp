// The gateway's rooms depend only downward (docs/architecture.md):
//   core <- store <- store/sqlite, store/postgres
//   store <- carriers <- inventory, orders <- api <- app
// Each room is its own static library (gateway/CMakeLists.txt), but every
// library shares the include root gateway/src, so the compiler would accept
// an include of a room above; this test reads every source instead and
// fails naming the file and the include that points the wrong way.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The room of a path relative to gateway/src ("store/sqlite/open.cpp" ->
// "store/sqlite", "api/routes.hpp" -> "api").
std::string room_of(const std::string& rel) {
  if (rel.rfind("store/sqlite/", 0) == 0) return "store/sqlite";
  if (rel.rfind("store/postgres/", 0) == 0) return "store/postgres";
  return rel.substr(0, rel.find('/'));
}

// What each room may include besides itself.
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> rooms = {
      {"core", {}},
      {"store", {"core"}},
      {"store/sqlite", {"core", "store"}},
      {"store/postgres", {"core", "store"}},
      {"carriers", {"core", "store"}},
      {"inventory", {"core", "store", "carriers"}},
      {"orders", {"core", "store", "carriers"}},
      {"api", {"core", "store", "carriers", "inventory", "orders"}},
      {"app",
       {"core", "store", "store/sqlite", "store/postgres", "carriers", "inventory", "orders",
        "api"}},
  };
  return rooms;
}

struct Include {
  std::string file, target;
};

std::vector<Include> gateway_includes(const fs::path& src) {
  static const std::regex include_re(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<Include> out;
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
    std::ifstream in(entry.path());
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, include_re))
        out.push_back({fs::relative(entry.path(), src).string(), m[1].str()});
  }
  return out;
}

TEST(Rooms, EverySourceIsInAKnownRoom) {
  const fs::path src = fs::path(CGW_SOURCE_DIR) / "gateway" / "src";
  std::set<std::string> seen;
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    if (!entry.is_regular_file()) continue;
    const auto rel = fs::relative(entry.path(), src).string();
    ASSERT_NE(rel.find('/'), std::string::npos) << rel << " is outside every room";
    ASSERT_TRUE(allowed().count(room_of(rel))) << rel << " is in no known room";
    seen.insert(room_of(rel));
  }
  EXPECT_EQ(seen.size(), allowed().size()) << "a room has no source left";
}

TEST(Rooms, NoRoomIncludesARoomAboveIt) {
  const fs::path src = fs::path(CGW_SOURCE_DIR) / "gateway" / "src";
  const auto includes = gateway_includes(src);
  ASSERT_GT(includes.size(), 100u) << "the sources were not found under " << src;
  size_t checked = 0;
  for (const auto& inc : includes) {
    // "cgw/...", <system> and third-party headers are below every room.
    if (inc.target.find('/') == std::string::npos) continue;
    const std::string target_room = room_of(inc.target);
    if (!allowed().count(target_room)) continue;
    ++checked;
    const std::string from = room_of(inc.file);
    EXPECT_TRUE(from == target_room || allowed().at(from).count(target_room))
        << inc.file << " (room " << from << ") includes \"" << inc.target << "\" of room "
        << target_room << ", which is not below it";
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
