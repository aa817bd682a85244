// Secrets in config files are references, never values:
//   secret: {file: secrets/mobile-demo.secret}   # path relative to the config file
//   secret: {env: CGW_MOBILE_SECRET}
// resolve_secret_refs() replaces every such map in a YAML tree by the value
// it points to (a file's trailing newline is dropped).
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

namespace cgw {

// Returns an empty string on success, else what went wrong (with the
// reference's line number, never the secret's value).
std::string resolve_secret_refs(YAML::Node node, const std::filesystem::path& base_dir);

}  // namespace cgw
