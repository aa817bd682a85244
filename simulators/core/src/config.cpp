#include "cgw/sim/config.hpp"

#include "cgw/common/secret_ref.hpp"

#include <yaml-cpp/yaml.h>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace cgw::sim {

namespace {

constexpr size_t kMaxPoolSize = 1'000'000;

// Whether all of `s` is one number of type T.
template <class T>
bool parse_whole(const std::string& s, T& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return !s.empty() && ec == std::errc() && p == end;
}

// Thrown inside the parser only; carries a ready "file:line: what" text.
struct ConfigError {
  std::string text;
};

class Parser {
 public:
  Parser(std::string_view name, const std::vector<std::string>& carriers, const CarrierSpecs& specs)
      : name_(name), carriers_(carriers), specs_(specs) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
    int line = at.Mark().line;
    throw ConfigError{name_ + ":" + (line >= 0 ? std::to_string(line + 1) : "?") + ": " + what};
  }

  void only_keys(const YAML::Node& map, std::initializer_list<std::string_view> keys) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      auto key = it->first.Scalar();
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        fail(it->first, "unknown key '" + key + "'");
    }
  }

  std::string string(const YAML::Node& n, std::string_view key) const {
    if (!n.IsScalar() || n.Scalar().empty())
      fail(n, std::string(key) + " must be a non-empty string");
    return n.Scalar();
  }

  // Strict decimal parsing: yaml-cpp's conversions accept things like "1e3"
  // or silently wrap negative values into unsigned types.
  template <class T>
  T integer(const YAML::Node& n, std::string_view key, T lo, T hi) const {
    T v{};
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi)
      fail(n, std::string(key) + " must be an integer from " + std::to_string(lo) + " to " +
                  std::to_string(hi));
    return v;
  }

  SimulatorConfig simulator(const YAML::Node& n) const {
    if (!n.IsMap()) fail(n, "each simulator must be a map");
    only_keys(
        n, {"carrier", "listen", "seed", "pool_size", "app_id", "secret", "activation_delay_ms",
            "reservation_ttl_s", "first_topup_delay_ms", "first_topup_fen", "replacement_delay_ms",
            "fulfilment", "settings", "faults", "callback_chaos", "tls"});
    for (const char* key : {"carrier", "listen", "app_id", "secret"})
      if (!n[key]) fail(n, std::string("simulator lacks required key '") + key + "'");
    SimulatorConfig c;
    c.carrier = string(n["carrier"], "carrier");
    if (std::find(carriers_.begin(), carriers_.end(), c.carrier) == carriers_.end()) {
      std::string known;
      for (const auto& k : carriers_) known += (known.empty() ? "" : ", ") + k;
      fail(n["carrier"], "unknown carrier '" + c.carrier + "' (known: " + known + ")");
    }
    listen(n["listen"], c);
    if (n["seed"]) c.seed = integer<uint64_t>(n["seed"], "seed", 0, UINT64_MAX);
    if (n["pool_size"]) c.pool_size = integer<size_t>(n["pool_size"], "pool_size", 1, kMaxPoolSize);
    c.app_id = string(n["app_id"], "app_id");
    c.secret = string(n["secret"], "secret");
    if (n["activation_delay_ms"])
      c.activation_delay_ms =
          integer<int64_t>(n["activation_delay_ms"], "activation_delay_ms", 0, 86'400'000);
    if (n["reservation_ttl_s"])
      c.reservation_ttl_s =
          integer<int64_t>(n["reservation_ttl_s"], "reservation_ttl_s", 1, 7 * 86'400);
    if (n["first_topup_delay_ms"])
      c.lifecycle.first_topup_delay_ms =
          integer<int64_t>(n["first_topup_delay_ms"], "first_topup_delay_ms", -1, 86'400'000);
    if (n["first_topup_fen"])
      c.lifecycle.first_topup_fen =
          integer<int64_t>(n["first_topup_fen"], "first_topup_fen", 1, 100'000'000);
    if (n["fulfilment"]) {
      const std::string f = string(n["fulfilment"], "fulfilment");
      if (f != "true" && f != "false") fail(n["fulfilment"], "fulfilment must be true or false");
      c.lifecycle.fulfilment = f == "true";
    }
    if (n["replacement_delay_ms"])
      c.lifecycle.replacement_delay_ms =
          integer<int64_t>(n["replacement_delay_ms"], "replacement_delay_ms", 0, 86'400'000);
    if (n["tls"]) {
      only_keys(n["tls"], {"cert", "key"});
      if (!n["tls"]["cert"] || !n["tls"]["key"]) fail(n["tls"], "tls needs cert and key");
      c.tls_cert_pem = string(n["tls"]["cert"], "tls.cert");
      c.tls_key_pem = string(n["tls"]["key"], "tls.key");
    }
    if (n["settings"]) {
      if (!n["settings"].IsMap()) fail(n["settings"], "settings must be a map of strings");
      for (auto it = n["settings"].begin(); it != n["settings"].end(); ++it)
        c.settings[it->first.as<std::string>()] =
            string(it->second, "settings." + it->first.as<std::string>());
    }
    if (n["faults"]) {
      if (!n["faults"].IsSequence()) fail(n["faults"], "faults must be a list of fault rules");
      for (size_t i = 0; i < n["faults"].size(); ++i) {
        const YAML::Node item = n["faults"][i];
        auto parsed = fault_rules_from_json(to_json(item));
        if (!parsed.ok() || parsed.rules.size() != 1)
          // A bad match points at its own line, like a bad operation.
          fail(!parsed.ok() && parsed.error.starts_with("match") && item["match"] ? item["match"]
                                                                                  : item,
               "faults[" + std::to_string(i) +
                   "]: " + (parsed.ok() ? "must be one rule (a map)" : parsed.error));
        if (auto spec = specs_.find(c.carrier); spec != specs_.end())
          if (auto err = check_operations(parsed.rules, spec->second.operations); !err.empty())
            fail(item["operation"] ? item["operation"] : item,
                 "faults[" + std::to_string(i) + "]: " + err);
        c.faults.push_back(std::move(parsed.rules.front()));
      }
      if (c.faults.size() > kMaxFaultRules)
        fail(n["faults"], "at most " + std::to_string(kMaxFaultRules) + " fault rules");
    }
    if (n["callback_chaos"]) {
      auto parsed = callback_chaos_from_json(to_json(n["callback_chaos"]));
      if (!parsed.ok()) fail(n["callback_chaos"], "callback_chaos: " + parsed.error);
      if (auto spec = specs_.find(c.carrier);
          spec != specs_.end() && !spec->second.callbacks && parsed.chaos.any()) {
        std::string with;
        for (const auto& [name, s] : specs_)
          if (s.callbacks) with += (with.empty() ? "" : ", ") + name;
        fail(n["callback_chaos"], "callback_chaos: " + c.carrier +
                                      " sends no callbacks, so no chaos kind applies to it "
                                      "(carriers with callbacks: " +
                                      with + ")");
      }
      c.callback_chaos = std::move(parsed.chaos);
    }
    return c;
  }

  // YAML to JSON for the parsers the admin API uses too, so a rule means the
  // same in both. Plain scalars are typed as YAML 1.2 core would (bool,
  // integer, float); quoted scalars stay strings.
  static boost::json::value to_json(const YAML::Node& n) {
    if (n.IsMap()) {
      boost::json::object o;
      for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = to_json(it->second);
      return o;
    }
    if (n.IsSequence()) {
      boost::json::array a;
      for (const auto& item : n) a.push_back(to_json(item));
      return a;
    }
    if (!n.IsScalar()) return nullptr;
    const std::string& s = n.Scalar();
    if (n.Tag() == "!") return boost::json::string(s);  // quoted
    if (s == "true") return true;
    if (s == "false") return false;
    if (int64_t i = 0; parse_whole(s, i)) return i;
    if (uint64_t u = 0; parse_whole(s, u)) return u;
    if (double d = 0; parse_whole(s, d)) return d;
    return boost::json::string(s);
  }

  void listen(const YAML::Node& n, SimulatorConfig& c) const {
    auto text = string(n, "listen");
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0)
      fail(n, "listen must be \"ADDRESS:PORT\", e.g. \"127.0.0.1:9101\"");
    c.address = text.substr(0, colon);
    boost::system::error_code ec;
    boost::asio::ip::make_address(c.address, ec);
    if (ec) fail(n, "listen address '" + c.address + "' is not an IP address");
    unsigned v = 0;
    auto s = text.substr(colon + 1);
    auto [p, perr] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || perr != std::errc() || p != s.data() + s.size() || v > 65535)
      fail(n, "listen port must be 0-65535 (0: ephemeral)");
    c.port = static_cast<uint16_t>(v);
  }

  SimConfig root(YAML::Node root, const std::filesystem::path& base_dir) const {
    if (!root.IsMap()) fail(root, "the file must be a map with a 'simulators' list");
    only_keys(root, {"threads", "state_dir", "simulators"});
    SimConfig cfg;
    if (root["threads"]) cfg.threads = integer<int>(root["threads"], "threads", 1, 64);
    if (root["state_dir"]) {
      // Relative to the config file, like the secret files.
      std::filesystem::path dir = string(root["state_dir"], "state_dir");
      cfg.state_dir = dir.is_absolute() ? dir : base_dir / dir;
    }
    YAML::Node sims = root["simulators"];
    if (!sims || !sims.IsSequence() || sims.size() == 0)
      fail(sims ? sims : root, "'simulators' must be a non-empty list");
    // Secrets must be references; check before resolving replaces them.
    for (const auto& s : sims)
      if (s.IsMap() && s["secret"] && !s["secret"].IsMap())
        fail(s["secret"], "secret must be a reference ({file: PATH} or {env: NAME}), not a value");
    if (auto err = cgw::resolve_secret_refs(root, base_dir); !err.empty()) {
      // "line N: what" -> "file:N: what"
      if (err.rfind("line ", 0) == 0) {
        auto colon = err.find(':');
        throw ConfigError{name_ + ":" + err.substr(5, colon - 5) + err.substr(colon)};
      }
      throw ConfigError{name_ + ": " + err};
    }
    std::set<std::string> seen_carriers;
    std::set<std::pair<std::string, uint16_t>> seen_ports;
    for (const auto& s : sims) {
      auto c = simulator(s);
      if (!seen_carriers.insert(c.carrier).second)
        fail(s, "carrier '" + c.carrier + "' is configured twice");
      if (c.port != 0 && !seen_ports.insert({c.address, c.port}).second)
        fail(s["listen"], "listen address is used twice");
      cfg.simulators.push_back(std::move(c));
    }
    return cfg;
  }

 private:
  std::string name_;
  const std::vector<std::string>& carriers_;
  const CarrierSpecs& specs_;
};

}  // namespace

ConfigResult parse_config(std::string_view yaml, const std::filesystem::path& base_dir,
                          std::string_view display_name,
                          const std::vector<std::string>& known_carriers,
                          const CarrierSpecs& specs) {
  ConfigResult r;
  Parser parser(display_name, known_carriers, specs);
  try {
    r.config = parser.root(YAML::Load(std::string(yaml)), base_dir);
  } catch (const ConfigError& e) {
    r.error = e.text;
  } catch (const YAML::Exception& e) {
    // Syntax errors carry a mark; 0-based like Node::Mark().
    r.error = std::string(display_name) + ":" +
              (e.mark.line >= 0 ? std::to_string(e.mark.line + 1) : "?") + ": " + e.msg;
  }
  return r;
}

ConfigResult load_config(const std::filesystem::path& file,
                         const std::vector<std::string>& known_carriers,
                         const CarrierSpecs& specs) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ConfigResult r;
    r.error = file.string() + ": cannot read the file";
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  return parse_config(ss.str(), base, file.string(), known_carriers, specs);
}

}  // namespace cgw::sim
