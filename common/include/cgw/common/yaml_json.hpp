// A carrier's settings block crosses the plugin ABI as JSON (ABI 1.2,
// docs/sdk.md §5): plugins need no YAML library. The host converts the YAML
// block of gateway.yaml here. Mappings become objects, sequences arrays,
// and every scalar a JSON string, exactly as written (`timeout_ms: 3000` is
// "3000"): YAML leaves a plain scalar's type to the reader, so the plugin's
// SettingsReader decides (it reads numbers and booleans from either form).
// A null (`~`, `null`, an empty value) becomes JSON null. Header-only, so
// that plugin tests can feed YAML settings to a plugin without cgw_common.
#pragma once

#include <yaml-cpp/yaml.h>
#include <boost/json.hpp>

#include <string>

namespace cgw {

inline boost::json::value yaml_to_json(const YAML::Node& node) {
  namespace json = boost::json;
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& kv : node) o[kv.first.Scalar()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : node) a.push_back(yaml_to_json(item));
      return a;
    }
    case YAML::NodeType::Scalar:
      return json::string(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return nullptr;
}

// YAML settings text as the JSON text the host would pass to create().
inline std::string settings_json_of_yaml(const std::string& yaml) {
  return boost::json::serialize(yaml_to_json(YAML::Load(yaml)));
}

}  // namespace cgw
