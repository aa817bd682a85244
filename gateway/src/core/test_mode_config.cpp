#include "core/test_mode_config.hpp"

#include "core/config.hpp"

namespace cgw::gw {

namespace {

// The first `scopes` entry naming the test clock's scope, in any key.
// (A missing member is an invalid node: IsDefined() first, since its
// type cannot be asked.)
std::optional<YAML::Node> test_scope_in_keys(const YAML::Node& tenants) {
  if (!tenants.IsDefined() || !tenants.IsSequence()) return std::nullopt;
  for (const auto& t : tenants) {
    if (!t.IsMap()) continue;
    const YAML::Node keys = t["api_keys"];
    if (!keys.IsDefined() || !keys.IsSequence()) continue;
    for (const auto& k : keys) {
      if (!k.IsMap()) continue;
      const YAML::Node scopes = k["scopes"];
      if (!scopes.IsDefined() || !scopes.IsSequence()) continue;
      for (const auto& s : scopes)
        if (s.IsScalar() && s.Scalar() == kTestClockScope) return s;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<TestModeError> parse_test_mode(const YAML::Node& root, Config& cfg) {
  const YAML::Node env = root["environment"];
  if (env.IsDefined() && !env.IsNull()) {
    const std::string v = env.IsScalar() ? env.Scalar() : std::string();
    if (v != "production" && v != "test")
      return TestModeError{env, "environment must be production or test, not '" + v + "'"};
    cfg.test_deployment = v == "test";
  }
  const YAML::Node clock = root["test_clock"];
  const bool named = clock.IsDefined() && !clock.IsNull();
  if (named && !cfg.test_deployment)
    return TestModeError{clock,
                         "test_clock is refused in a production config: only a config that "
                         "declares `environment: test` may have a clock that can be moved"};
  if (!cfg.test_deployment)
    if (auto at = test_scope_in_keys(root["tenants"]))
      return TestModeError{*at, std::string("the scope ") + kTestClockScope +
                                    " is refused in a production config: only a config that "
                                    "declares `environment: test` has a test clock"};
  if (!named) return std::nullopt;
  if (!clock.IsMap()) return TestModeError{clock, "test_clock must be a mapping {enabled: bool}"};
  for (auto it = clock.begin(); it != clock.end(); ++it)
    if (it->first.as<std::string>() != "enabled")
      return TestModeError{it->first,
                           "unknown key '" + it->first.as<std::string>() + "' in test_clock"};
  try {
    const YAML::Node enabled = clock["enabled"];
    cfg.test_clock = enabled.IsDefined() && enabled.as<bool>();
  } catch (const YAML::Exception&) {
    return TestModeError{clock["enabled"], "test_clock.enabled has the wrong type"};
  }
  return std::nullopt;
}

}  // namespace cgw::gw
