#include "harness.hpp"

#include "cgw/common/crypto.hpp"
#include "time_scale.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cgw::test {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string gateway_bin() {
  return CGW_GATEWAY_BIN;
}
std::string sim_bin() {
  return CGW_SIM_BIN;
}
std::string source_dir() {
  return CGW_SOURCE_DIR;
}
std::string plugin_path(const std::string& carrier) {
  static const std::map<std::string, std::string> kPlugins = {{"mobile", CGW_MOBILE_PLUGIN},
                                                              {"unicom", CGW_UNICOM_PLUGIN},
                                                              {"telecom", CGW_TELECOM_PLUGIN},
                                                              {"mvno", CGW_MVNO_PLUGIN}};
  return kPlugins.at(carrier);
}
std::string secret_path(const std::string& name) {
  return source_dir() + "/config/secrets/" + name;
}

std::string make_id(const std::string& birth, const std::string& seq, const std::string& address) {
  const std::string body = address + birth + seq;
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kW[i];
  return body + "10X98765432"[sum % 11];
}

namespace {

std::string file_ref(const std::string& secret) {
  return "{file: " + secret_path(secret) + "}";
}

// The simulator side of each carrier's demo credentials (config/secrets).
std::string sim_credentials(const std::string& carrier, std::string* settings) {
  if (carrier == "mobile")
    return "    app_id: demo-mobile-app\n    secret: " + file_ref("mobile-demo.secret") + "\n";
  if (carrier == "unicom")
    return "    app_id: demo-unicom-app\n    secret: " + file_ref("unicom-demo.secret") + "\n";
  if (carrier == "telecom") {
    *settings = "      callback_secret: " + file_ref("telecom-callback-demo.secret") + "\n";
    return "    app_id: demo-telecom-app\n    secret: " + file_ref("telecom-demo.secret") + "\n";
  }
  if (carrier == "mvno") {
    *settings = "      gateway_public_key: " + file_ref("mvno-demo-gateway-public.pem") +
                "\n      carrier_private_key: " + file_ref("mvno-demo-carrier-private.pem") + "\n";
    return "    app_id: demo-mvno-partner\n    secret: " + file_ref("mvno-demo-id-aes.key") + "\n";
  }
  throw std::invalid_argument("no demo credentials for carrier " + carrier);
}

// The gateway side: the plugin's settings (and the kind of an MVNO).
std::string gateway_settings(const std::string& carrier, std::string* extra) {
  if (carrier == "mobile")
    return "      app_id: demo-mobile-app\n      secret: " + file_ref("mobile-demo.secret") + "\n";
  if (carrier == "unicom")
    return "      app_id: demo-unicom-app\n      secret: " + file_ref("unicom-demo.secret") + "\n";
  if (carrier == "telecom")
    return "      client_id: demo-telecom-app\n      client_secret: " +
           file_ref("telecom-demo.secret") +
           "\n      callback_secret: " + file_ref("telecom-callback-demo.secret") + "\n";
  if (carrier == "mvno") {
    *extra = "    kind: mvno\n    host_network: mixed\n";
    return "      partner_id: demo-mvno-partner\n      gateway_private_key: " +
           file_ref("mvno-demo-gateway-private.pem") +
           "\n      carrier_public_key: " + file_ref("mvno-demo-carrier-public.pem") +
           "\n      id_field_key: " + file_ref("mvno-demo-id-aes.key") + "\n";
  }
  throw std::invalid_argument("no demo settings for carrier " + carrier);
}

}  // namespace

std::string sim_config(const std::vector<SimSpec>& sims, int threads) {
  std::ostringstream f;
  f << "threads: " << threads << "\nsimulators:\n";
  for (const auto& s : sims) {
    std::string settings;
    const auto credentials = sim_credentials(s.carrier, &settings);
    settings += s.settings;
    f << "  - carrier: " << s.carrier << "\n    listen: \"" << s.listen << "\"\n"
      << "    seed: " << s.seed << "\n    pool_size: " << s.pool_size << "\n"
      << credentials;
    if (s.activation_delay_ms) f << "    activation_delay_ms: " << *s.activation_delay_ms << "\n";
    if (s.reservation_ttl_s) f << "    reservation_ttl_s: " << *s.reservation_ttl_s << "\n";
    f << s.extra;
    if (!settings.empty()) f << "    settings:\n" << settings;
  }
  return f.str();
}

std::string gateway_config(const GatewaySpec& spec) {
  std::ostringstream f;
  f << "listen: {address: 127.0.0.1, port: 0}\nthreads: " << spec.threads << "\n"
    << "store: {path: cgw.db}\nlog: {level: debug}\n";
  if (!spec.limits.empty()) f << "limits: " << spec.limits << "\n";
  f << "security: {pii_key: {file: pii.key}}\n" << spec.extra;
  f << "tenants:\n";
  for (const auto& t : spec.tenants) {
    f << "  - id: " << t.id << "\n" << t.extra << "    api_keys:\n";
    for (const auto& k : t.keys) {
      f << "      - sha256: " << crypto::sha256_hex(k.key) << "\n";
      if (!k.label.empty()) f << "        label: " << k.label << "\n";
      if (!k.scopes.empty()) f << "        scopes: " << k.scopes << "\n";
    }
  }
  f << "carriers:\n";
  for (const auto& c : spec.carriers) {
    std::string kind;
    const auto settings = gateway_settings(c.id, &kind);
    f << "  - id: " << c.id << "\n"
      << kind << "    plugin: " << (c.plugin.empty() ? plugin_path(c.id) : c.plugin) << "\n"
      << "    required: " << (c.required ? "true" : "false") << "\n"
      << "    base_url: " << c.base_url << "\n";
    if (c.sync_page_size) f << "    sync_page_size: " << *c.sync_page_size << "\n";
    if (c.activation_poll_interval_s)
      f << "    activation_poll_interval_s: " << *c.activation_poll_interval_s << "\n";
    f << c.extra << "    settings:\n" << settings << c.settings;
  }
  return f.str();
}

Stack::Stack(const std::string& name) : dir(fresh_test_dir(name)) {}

std::string Stack::start_sim(const std::string& yaml, std::chrono::milliseconds timeout) {
  std::ofstream(dir / "simulators.yaml") << yaml;
  std::filesystem::remove(dir / "sim.ports");  // a restart must not read the last one
  std::string why;
  auto ports = start_and_wait(sim,
                              {sim_bin(), "--config", (dir / "simulators.yaml").string(),
                               "--ports-file", (dir / "sim.ports").string()},
                              dir / "sim.log", dir / "sim.ports", timeout, &why);
  if (!ports) return "simulator: " + why;
  // Kept in a local: the range-for would otherwise walk a destroyed value.
  const json::value parsed = json::parse(*ports);
  for (const auto& [carrier, port] : parsed.as_object())
    sim_ports[std::string(carrier)] = static_cast<uint16_t>(port.to_number<int>());
  return {};
}

std::string Stack::start_gateway(const std::string& yaml, char pii_key_fill,
                                 std::chrono::milliseconds timeout) {
  std::ofstream(dir / "pii.key") << std::string(64, pii_key_fill);
  return start_gateway_into(gateway, gw_port, "gateway", yaml, timeout);
}

std::string Stack::start_gateway_into(Process& p, uint16_t& port, const std::string& config_name,
                                      const std::string& yaml, std::chrono::milliseconds timeout) {
  const auto config = dir / (config_name + ".yaml");
  const auto port_file = dir / (config_name + ".port");
  std::ofstream(config) << yaml;
  std::filesystem::remove(port_file);
  std::string why;
  auto written = start_and_wait(
      p, {gateway_bin(), "--config", config.string(), "--port-file", port_file.string()},
      dir / (config_name + ".log"), port_file, timeout, &why);
  if (!written) return config_name + ": " + why;
  port = static_cast<uint16_t>(json::parse(*written).at("port").to_number<int>());
  return {};
}

uint16_t Stack::sim_port(const std::string& carrier) const {
  if (carrier.empty()) return sim_ports.size() == 1 ? sim_ports.begin()->second : 0;
  auto it = sim_ports.find(carrier);
  return it == sim_ports.end() ? 0 : it->second;
}

std::string Stack::sim_url(const std::string& carrier) const {
  return "http://127.0.0.1:" + std::to_string(sim_port(carrier));
}

std::string Stack::run_files() const {
  std::string all;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    if (f.path().extension() != ".yaml") all += read_file(f.path());
  return all;
}

void Stack::finish(bool sigterm_gateway) {
  gateway.stop(sigterm_gateway ? SIGTERM : SIGKILL, 10s);
  sim.stop(SIGTERM, 5s);
  finish_test_dir(dir);
}

Headers bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

HttpResult api_call(uint16_t gw_port, const std::string& key, const std::string& method,
                    const std::string& target, const std::string& body, const Headers& extra) {
  auto h = bearer(key);
  h.insert(h.end(), extra.begin(), extra.end());
  return http(method, gw_port, target, body, h);
}

std::string fresh_number(uint16_t gw_port, const std::string& key, const std::string& carrier,
                         std::set<std::string>& used) {
  auto r = api_call(gw_port, key, "GET", "/v1/numbers?carrier=" + carrier + "&limit=100");
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  const auto page = r.json();  // alive while iterated
  for (const auto& n : page.at("numbers").as_array()) {
    std::string m(n.at("msisdn").as_string());
    if (used.insert(m).second) return m;
  }
  ADD_FAILURE() << "no fresh " << carrier << " number";
  return {};
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

bool wait_first_sync(uint16_t gw_port, const std::string& key, size_t carriers,
                     std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        auto r = api_call(gw_port, key, "GET", "/v1/carriers");
        if (r.status != 200) return false;
        const auto body = r.json();  // alive while iterated
        const auto& list = body.at("carriers").as_array();
        if (list.size() != carriers) return false;
        for (const auto& c : list)
          if (c.at("inventory").at("last_sync_at").is_null()) return false;
        return true;
      },
      timeout);
}

json::value wait_activation(uint16_t gw_port, const std::string& key, const std::string& id,
                            const std::set<std::string>& until, std::chrono::milliseconds timeout) {
  json::value last;
  wait_until(
      [&] {
        auto r = api_call(gw_port, key, "GET", "/v1/activations/" + id);
        if (r.status != 200) return false;
        last = r.json();
        return until.count(std::string(last.at("status").as_string())) > 0;
      },
      timeout, 100ms);
  return last;
}

bool wait_sim_state(uint16_t sim_port, const std::function<bool(const json::value&)>& done,
                    std::chrono::milliseconds timeout, const std::string& prefix) {
  return wait_until(
      [&] {
        auto r = http("GET", sim_port, prefix + "/admin/state");
        return r.status == 200 && done(r.json());
      },
      timeout);
}

bool wait_callback_acknowledged(uint16_t sim_port, std::chrono::milliseconds timeout,
                                const std::string& prefix) {
  return wait_sim_state(
      sim_port,
      [](const json::value& state) {
        for (const auto& c : state.at("callbacks").as_array())
          if (c.at("acknowledged").as_bool()) return true;
        return false;
      },
      timeout, prefix);
}

json::value sim_clock(uint16_t sim_port, const std::string& prefix) {
  return http("GET", sim_port, prefix + "/admin/clock").json();
}

HttpResult set_sim_clock(uint16_t sim_port, const json::object& body, const std::string& prefix) {
  return http("POST", sim_port, prefix + "/admin/clock", json::serialize(body));
}

}  // namespace cgw::test
