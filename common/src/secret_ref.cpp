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

// Resolves one reference into `out`; empty string or the error.
std::string resolve_one(const YAML::Node& value, const std::filesystem::path& base_dir,
                        std::string& resolved) {
  const YAML::Node target = value["env"] ? value["env"] : value["file"];
  if (!target.IsScalar()) return where(value) + ": file/env must be a string";
  if (value["env"]) {
    auto name = target.as<std::string>();
    const char* v = std::getenv(name.c_str());
    if (!v) return where(value) + ": environment variable " + name + " is not set";
    resolved = v;
  } else {
    std::filesystem::path p = target.as<std::string>();
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
  return {};
}
}  // namespace

std::string resolve_secret_refs(YAML::Node node, const std::filesystem::path& base_dir) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      YAML::Node value = it->second;
      if (is_ref(value)) {
        std::string resolved;
        if (auto err = resolve_one(value, base_dir, resolved); !err.empty()) return err;
        it->second = resolved;
      } else if (auto err = resolve_secret_refs(value, base_dir); !err.empty()) {
        return err;
      }
    }
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      YAML::Node child = node[i];
      if (is_ref(child)) {
        std::string resolved;
        if (auto err = resolve_one(child, base_dir, resolved); !err.empty()) return err;
        node[i] = resolved;
      } else if (auto err = resolve_secret_refs(child, base_dir); !err.empty()) {
        return err;
      }
    }
  }
  return {};
}

}  // namespace cgw
