#include "cgw/common/secret_ref.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cgw {

namespace {
bool is_ref(const YAML::Node& n) {
  return n.IsMap() && n.size() == 1 && (n["file"] || n["env"]);
}
std::string where(const YAML::Node& n) {
  return "line " + std::to_string(n.Mark().line + 1);
}
}  // namespace

std::string resolve_secret_refs(YAML::Node node, const std::filesystem::path& base_dir) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      YAML::Node value = it->second;
      if (is_ref(value)) {
        std::string resolved;
        if (value["env"]) {
          auto name = value["env"].as<std::string>();
          const char* v = std::getenv(name.c_str());
          if (!v) return where(value) + ": environment variable " + name + " is not set";
          resolved = v;
        } else {
          std::filesystem::path p = value["file"].as<std::string>();
          if (p.is_relative()) p = base_dir / p;
          std::ifstream in(p, std::ios::binary);
          if (!in) return where(value) + ": cannot read secret file " + p.string();
          std::stringstream ss;
          ss << in.rdbuf();
          resolved = ss.str();
          while (!resolved.empty() && (resolved.back() == '\n' || resolved.back() == '\r'))
            resolved.pop_back();
        }
        if (resolved.empty()) return where(value) + ": secret is empty";
        it->second = resolved;
      } else if (auto err = resolve_secret_refs(value, base_dir); !err.empty()) {
        return err;
      }
    }
  } else if (node.IsSequence()) {
    for (auto child : node)
      if (auto err = resolve_secret_refs(child, base_dir); !err.empty()) return err;
  }
  return {};
}

}  // namespace cgw
