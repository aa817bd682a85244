// Whether a configuration declares a test deployment, and what only a test
// deployment may turn on (docs/test-clock.md):
//
//   environment: test          # production (the default) | test
//   test_clock: {enabled: true}
//
// A production config (no `environment`, or `environment: production`) that
// names `test_clock`, or gives a key the scope `test:clock`, is refused: a
// clock anyone can move would expire every reservation and fire every retry
// at once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace cgw::gw {

struct Config;

// The scope of GET/POST /v1/test/clock: only a test deployment accepts it,
// and only a key that lists it has it.
inline constexpr const char* kTestClockScope = "test:clock";

struct TestModeError {
  YAML::Node at;  // where the line of the message comes from
  std::string what;
};

// Reads `environment` and `test_clock` of `root` into `cfg` (after the
// tenants were read); the first thing refused, or nullopt.
std::optional<TestModeError> parse_test_mode(const YAML::Node& root, Config& cfg);

}  // namespace cgw::gw
