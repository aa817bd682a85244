// The cgw-sim configuration file (YAML):
//
//   threads: 2
//   state_dir: state                  # optional: saved namespaces
//   simulators:
//     - carrier: mobile
//       listen: "127.0.0.1:9101"      # port 0: ephemeral
//       seed: 42
//       pool_size: 20000
//       app_id: demo-mobile-app
//       secret: {file: secrets/mobile-demo.secret}
//       activation_delay_ms: 2000
//       reservation_ttl_s: 1800
//       first_topup_delay_ms: 60000     # after activation; -1: none
//       first_topup_fen: 5000
//       replacement_delay_ms: 3000      # a SIM replacement's activation
//       settings: {key: value, ...}     # carrier-specific, see docs/carriers/
//       faults:                         # optional, see docs/simulators-reference.md
//         - {operation: "*", kind: http_status, status: 503, first: 2}
//       callback_chaos: {duplicate: {first: 1}, delay: {ms: 2000}}
//
// Every error names the file and line and says what is wrong, so a broken CI
// config is fixed without reading code.
#pragma once

#include "cgw/sim/callback_chaos.hpp"
#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/lifecycle.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

struct SimulatorConfig {
  std::string carrier;
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  uint64_t seed = 42;
  size_t pool_size = 20'000;
  std::string app_id;
  std::string secret;  // resolved value; never logged
  int64_t activation_delay_ms = 2'000;
  int64_t reservation_ttl_s = 1'800;
  // The after-sales lifecycle's delays and amounts (the first top-up, SIM
  // replacements); the carrier hands it to its SimContext.
  LifecycleSettings lifecycle;
  // Serve HTTPS with this certificate chain and key (PEM text, from
  // `tls: {cert: {file: ...}, key: {file: ...}}`); empty: plain HTTP.
  std::string tls_cert_pem, tls_key_pem;
  // Carrier-specific settings (`settings:` map of strings; secret references
  // such as {file: keys/x.pem} resolved to their contents).
  std::map<std::string, std::string> settings;
  // Faults and callback chaos of the default namespace (not of namespaces
  // made by the admin API); applied by the simulator kit, not by carriers.
  std::vector<FaultRule> faults{};
  std::optional<CallbackChaos> callback_chaos{};
};

struct SimConfig {
  int threads = 2;
  // Where saved namespaces live (`state_dir:`, relative to the config
  // file; or --state-dir): <state_dir>/<carrier>/<name>.json. Empty: no
  // namespace can be saved.
  std::filesystem::path state_dir;
  std::vector<SimulatorConfig> simulators;
};

struct ConfigResult {
  SimConfig config;
  std::string error;  // "<file>:<line>: <what>"; empty on success
  bool ok() const { return error.empty(); }
};

// What the config checks `faults:` and `callback_chaos:` against, per
// carrier (CarrierSimulator::operations and sends_callbacks): a rule for an
// operation the carrier never has, or chaos for a carrier without callbacks,
// would be accepted and never apply.
struct CarrierSpec {
  std::vector<std::string> operations;  // empty: not checked
  bool callbacks = true;
};
using CarrierSpecs = std::map<std::string, CarrierSpec, std::less<>>;

// `known_carriers`: the carriers this build can simulate; `specs`: those to
// check faults and callback chaos for (a carrier not in it is not checked).
ConfigResult load_config(const std::filesystem::path& file,
                         const std::vector<std::string>& known_carriers,
                         const CarrierSpecs& specs = {});

// The same from text; secret files are relative to `base_dir`, errors name
// `display_name`.
ConfigResult parse_config(std::string_view yaml, const std::filesystem::path& base_dir,
                          std::string_view display_name,
                          const std::vector<std::string>& known_carriers,
                          const CarrierSpecs& specs = {});

}  // namespace cgw::sim
