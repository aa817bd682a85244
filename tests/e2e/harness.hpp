// The shared end-to-end harness: configs built from options, the real
// cgw-sim and cgw-gateway started on 127.0.0.1 with ephemeral ports, API-key
// helpers, and one set of wait helpers. Every wait polls the state it waits
// for (the gateway's API, the simulator's admin API and clock) with a
// deadline; none is a fixed sleep.
#pragma once

#include "http.hpp"
#include "process.hpp"
#include "test_dir.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cgw::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What the build passes in: the binaries under test and the source tree.
std::string gateway_bin();
std::string sim_bin();
std::string source_dir();
std::string plugin_path(const std::string& carrier);  // the built cgw_<carrier>.so
std::string secret_path(const std::string& name);     // config/secrets/<name>

// A checksum-valid synthetic ID number (GB 11643): address, birth, sequence.
std::string make_id(const std::string& birth, const std::string& seq,
                    const std::string& address = "110101");

// ---- Configs ----------------------------------------------------------

// One simulator of simulators.yaml, with the carrier's demo credentials.
struct SimSpec {
  explicit SimSpec(std::string c, int s = 7, int pool = 3000)
      : carrier(std::move(c)), seed(s), pool_size(pool) {}
  std::string carrier;
  std::string listen = "127.0.0.1:0";
  int seed = 7;
  int pool_size = 3000;
  std::optional<int> activation_delay_ms = 300;  // nullopt: the simulator's default
  std::optional<int> reservation_ttl_s = 1800;
  std::string extra;     // more YAML lines of the entry, indented by 4
  std::string settings;  // more YAML lines under its settings, indented by 6
};
std::string sim_config(const std::vector<SimSpec>& sims, int threads = 2);

struct KeySpec {
  KeySpec(std::string k, std::string l = {}, std::string s = {})  // NOLINT: implicit from a key
      : key(std::move(k)), label(std::move(l)), scopes(std::move(s)) {}
  KeySpec(const char* k) : KeySpec(std::string(k)) {}  // NOLINT
  std::string key;     // the plaintext key; the config holds its SHA-256
  std::string label;   // "" for none
  std::string scopes;  // a YAML flow list such as "[inventory:read]"; "" for all
};
struct TenantSpec {
  TenantSpec(std::string i, std::vector<KeySpec> k, std::string e = {})
      : id(std::move(i)), keys(std::move(k)), extra(std::move(e)) {}
  std::string id;
  std::vector<KeySpec> keys;
  std::string extra;  // more YAML lines of the tenant (quotas ...), indented by 4
};

// One carrier of gateway.yaml: its plugin and demo settings.
struct CarrierSpec {
  CarrierSpec(std::string i, std::string url) : id(std::move(i)), base_url(std::move(url)) {}
  std::string id;
  std::string base_url;
  std::optional<int> sync_page_size = 500;  // nullopt: the gateway's default
  std::optional<int> activation_poll_interval_s;
  bool required = true;
  std::string extra;     // more YAML lines of the entry, indented by 4
  std::string settings;  // more YAML lines under its settings, indented by 6
  std::string plugin;    // the library; "": the built plugin of `id`
};

struct GatewaySpec {
  int threads = 2;
  std::string limits;  // a YAML flow map for `limits:`, "" for the defaults
  std::string extra;   // more top-level YAML lines
  std::vector<TenantSpec> tenants;
  std::vector<CarrierSpec> carriers;
};
std::string gateway_config(const GatewaySpec& spec);

// ---- Processes --------------------------------------------------------

// A suite's processes and working directory (fresh_test_dir).
struct Stack {
  explicit Stack(const std::string& name);

  std::filesystem::path dir;
  Process sim, gateway;
  std::map<std::string, uint16_t> sim_ports;  // carrier -> port
  uint16_t gw_port = 0;

  // Writes simulators.yaml and starts cgw-sim; "" or what failed.
  std::string start_sim(const std::string& yaml,
                        std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Writes gateway.yaml (and pii.key) and starts cgw-gateway into `p`;
  // "" or what failed.
  std::string start_gateway(const std::string& yaml, char pii_key_fill = 'd',
                            std::chrono::milliseconds timeout = std::chrono::seconds(15));
  std::string start_gateway_into(Process& p, uint16_t& port, const std::string& config_name,
                                 const std::string& yaml, std::chrono::milliseconds timeout);
  uint16_t sim_port(const std::string& carrier = {}) const;  // {}: the only one
  std::string sim_url(const std::string& carrier = {}) const;
  // Every file of the run but the configs, read whole (to look for PII).
  std::string run_files() const;
  // Stops both and keeps the directory when anything failed.
  void finish(bool sigterm_gateway = false);
};

// ---- API calls --------------------------------------------------------

Headers bearer(const std::string& key);
HttpResult api_call(uint16_t gw_port, const std::string& key, const std::string& method,
                    const std::string& target, const std::string& body = {},
                    const Headers& extra = {});

// An available number of `carrier` (GET /v1/numbers) not yet in `used`,
// which it joins; "" (and a test failure) when the page has none left.
std::string fresh_number(uint16_t gw_port, const std::string& key, const std::string& carrier,
                         std::set<std::string>& used);

// ---- Waits --------------------------------------------------------------

// Polls `done` every `every` until it holds or `timeout` passes; whether it held.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(50));
// Until GET /v1/carriers lists `carriers` carriers, each with a first sync.
bool wait_first_sync(uint16_t gw_port, const std::string& key, size_t carriers = 1,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));
// Polls GET /v1/activations/{id} until its status is one of `until`; its
// last view (null when it was never read).
boost::json::value wait_activation(uint16_t gw_port, const std::string& key, const std::string& id,
                                   const std::set<std::string>& until,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Polls the simulator's GET <prefix>/admin/state until `done` holds for it.
bool wait_sim_state(uint16_t sim_port, const std::function<bool(const boost::json::value&)>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10),
                    const std::string& prefix = {});
// Until the simulator has a callback its receiver acknowledged.
bool wait_callback_acknowledged(uint16_t sim_port,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                const std::string& prefix = {});

// The simulated clock (docs/simulators-reference.md, "Time"); `prefix` a namespace's
// "/ns/<name>" or "" for the default instance.
boost::json::value sim_clock(uint16_t sim_port, const std::string& prefix = {});
HttpResult set_sim_clock(uint16_t sim_port, const boost::json::object& body,
                         const std::string& prefix = {});

}  // namespace cgw::test
