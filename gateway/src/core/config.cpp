#include "core/config.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/secret_ref.hpp"
#include "core/channels.hpp"
#include "core/pii.hpp"
#include "core/test_mode_config.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cgw::gw {

namespace {

struct ConfigError : std::runtime_error {
  ConfigError(const YAML::Node& at, const std::string& what)
      : std::runtime_error(what), line(at.IsDefined() ? at.Mark().line + 1 : 0) {}
  int line;
};

// Reads one mapping strictly: every key must be known, so a typo is an
// error rather than a silently ignored setting.
class Section {
 public:
  Section(const YAML::Node& node, std::string name, std::set<std::string> known)
      : node_(node), name_(std::move(name)) {
    if (!node_.IsMap()) throw ConfigError(node_, name_ + " must be a mapping");
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      auto key = it->first.as<std::string>();
      if (!known.count(key)) throw ConfigError(it->first, "unknown key '" + key + "' in " + name_);
    }
  }
  YAML::Node get(const char* key) const { return node_[key]; }
  bool has(const char* key) const { return node_[key].IsDefined() && !node_[key].IsNull(); }

  template <class T>
  T req(const char* key) const {
    if (!has(key)) throw ConfigError(node_, name_ + "." + key + " is required");
    return as<T>(key);
  }
  template <class T>
  T opt(const char* key, T fallback) const {
    return has(key) ? as<T>(key) : fallback;
  }
  std::string req_str(const char* key) const {
    auto s = req<std::string>(key);
    if (s.empty()) throw ConfigError(node_[key], name_ + "." + key + " must not be empty");
    return s;
  }
  template <class T>
  T positive(const char* key, T fallback) const {
    T v = opt<T>(key, fallback);
    if (v <= 0) throw ConfigError(node_[key], name_ + "." + key + " must be positive");
    return v;
  }

 private:
  template <class T>
  T as(const char* key) const {
    try {
      return node_[key].as<T>();
    } catch (const YAML::Exception&) {
      throw ConfigError(node_[key], name_ + "." + key + " has the wrong type");
    }
  }
  YAML::Node node_;
  std::string name_;
};

std::chrono::milliseconds ms(const Section& s, const char* key, int64_t fallback) {
  return std::chrono::milliseconds(s.positive<int64_t>(key, fallback));
}

std::filesystem::path relative_to(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_relative() ? (base / path).lexically_normal() : path;
}

// webhook: {url: https://..., secret: whsec_<base64> or a {file:}/{env:}
// reference to it}.
WebhookEndpoint parse_webhook(const YAML::Node& node, const std::string& tenant,
                              const std::filesystem::path& base) {
  YAML::Node n = YAML::Clone(node);
  Section s(n, "tenant " + tenant + " webhook", {"url", "secret"});
  if (auto err = resolve_secret_refs(n, base); !err.empty())
    throw ConfigError(node, "tenant " + tenant + " webhook: " + err);
  WebhookEndpoint w;
  w.url = s.req_str("url");
  auto url = boost::urls::parse_absolute_uri(w.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty())
    throw ConfigError(node["url"],
                      "tenant " + tenant + " webhook.url must be an absolute http(s) URL");
  const auto secret = s.req_str("secret");
  const std::string prefix = "whsec_";
  auto raw = secret.rfind(prefix, 0) == 0 ? crypto::base64_decode(secret.substr(prefix.size()))
                                          : std::nullopt;
  if (!raw || raw->size() < 24 || raw->size() > 64)
    throw ConfigError(node["secret"], "tenant " + tenant +
                                          " webhook.secret must be whsec_ followed by the "
                                          "base64 of 24 to 64 random bytes");
  w.secret = *raw;
  return w;
}

TenantConfig parse_tenant(const YAML::Node& n, const std::filesystem::path& base) {
  // carriers: the tenant's channels, read once the carriers are known
  // (parse_parties, core/channels.cpp).
  Section s(n, "tenant", {"id", "name", "api_keys", "webhook", "quotas", "carriers"});
  TenantConfig t;
  t.id = s.req_str("id");
  t.name = s.opt<std::string>("name", t.id);
  auto keys = s.get("api_keys");
  if (!keys.IsSequence() || keys.size() == 0)
    throw ConfigError(n, "tenant " + t.id + ": api_keys must be a non-empty list");
  for (const auto& k : keys) {
    Section ks(k, "api key", {"sha256", "label", "scopes"});
    ApiKeyConfig key;
    key.sha256_hex = ks.req_str("sha256");
    auto raw = crypto::from_hex(key.sha256_hex);
    if (!raw || raw->size() != 32)
      throw ConfigError(k["sha256"], "api key sha256 must be 64 hex characters");
    for (auto& c : key.sha256_hex) c = static_cast<char>(std::tolower(c));
    key.label = ks.opt<std::string>("label", "");
    if (ks.has("scopes"))
      for (const auto& sc : ks.get("scopes")) key.scopes.insert(sc.as<std::string>());
    t.api_keys.push_back(std::move(key));
  }
  if (s.has("webhook")) t.webhook = parse_webhook(s.get("webhook"), t.id, base);
  if (s.has("quotas")) {
    Section q(s.get("quotas"), "tenant " + t.id + " quotas",
              {"requests_per_s", "request_burst", "kyc_per_minute", "kyc_burst"});
    auto& tq = t.quotas;
    tq.requests_per_s = q.positive<double>("requests_per_s", tq.requests_per_s);
    tq.request_burst = q.positive<double>("request_burst", std::max(tq.requests_per_s, 1.0));
    tq.kyc_per_minute = q.positive<double>("kyc_per_minute", tq.kyc_per_minute);
    tq.kyc_burst = q.positive<double>("kyc_burst", std::max(tq.kyc_per_minute / 10, 1.0));
  }
  return t;
}

void parse_breaker(const YAML::Node& node, CarrierConfig& c) {
  Section b(node, "circuit_breaker", {"window", "min_calls", "failure_ratio", "open_ms"});
  c.breaker_window = b.positive<int>("window", c.breaker_window);
  c.breaker_min_calls = b.positive<int>("min_calls", c.breaker_min_calls);
  c.breaker_failure_ratio = b.opt<double>("failure_ratio", c.breaker_failure_ratio);
  if (c.breaker_failure_ratio <= 0 || c.breaker_failure_ratio > 1)
    throw ConfigError(node["failure_ratio"], "circuit_breaker.failure_ratio must be in (0, 1]");
  c.breaker_open = ms(b, "open_ms", c.breaker_open.count());
}

CarrierConfig parse_carrier(const YAML::Node& n, const std::filesystem::path& base) {
  Section s(n, "carrier",
            {"id",
             "display_name",
             "kind",
             "host_network",
             "plugin",
             "required",
             "base_url",
             "sync_interval_s",
             "incremental_sync_interval_s",
             "sync_page_size",
             "connect_timeout_ms",
             "request_timeout_ms",
             "reservation_hold_s",
             "activation_poll_interval_s",
             "max_concurrency",
             "max_qps",
             "max_retries",
             "circuit_breaker",
             "tls",
             "settings"});
  CarrierConfig c;
  c.id = s.req_str("id");
  for (char ch : c.id)
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-'))
      throw ConfigError(n["id"], "carrier id '" + c.id + "' may use only a-z, 0-9, '-' and '_'");
  c.display_name = s.opt<std::string>("display_name", c.id);
  c.kind = s.opt<std::string>("kind", "mno");
  if (c.kind != "mno" && c.kind != "mvno")
    throw ConfigError(n["kind"], "carrier " + c.id + ": kind must be mno or mvno");
  c.host_network = s.opt<std::string>("host_network", c.id);
  c.plugin = relative_to(base, s.req_str("plugin"));
  c.required = s.opt<bool>("required", false);
  c.base_url = s.req_str("base_url");
  c.sync_interval = std::chrono::seconds(s.positive<int64_t>("sync_interval_s", 300));
  c.incremental_sync_interval =
      std::chrono::seconds(s.positive<int64_t>("incremental_sync_interval_s", 15));
  c.sync_page_size = s.positive<int64_t>("sync_page_size", 5000);
  c.connect_timeout = ms(s, "connect_timeout_ms", 2'000);
  c.request_timeout = ms(s, "request_timeout_ms", 10'000);
  c.reservation_hold_seconds = s.positive<int64_t>("reservation_hold_s", 1800);
  c.activation_poll_interval =
      std::chrono::seconds(s.positive<int64_t>("activation_poll_interval_s", 30));
  c.max_concurrency = s.positive<int>("max_concurrency", 64);
  c.max_qps = s.opt<double>("max_qps", 0);
  if (c.max_qps < 0)
    throw ConfigError(n["max_qps"], "carrier " + c.id + ": max_qps must be 0 (unlimited) or more");
  c.max_retries = s.opt<int>("max_retries", 2);
  if (c.max_retries < 0 || c.max_retries > 10)
    throw ConfigError(n["max_retries"], "carrier " + c.id + ": max_retries must be 0-10");
  if (s.has("circuit_breaker")) parse_breaker(s.get("circuit_breaker"), c);
  if (s.has("tls")) {
    Section t(s.get("tls"), "carrier " + c.id + " tls", {"ca_file", "verify"});
    if (t.has("ca_file")) c.tls_ca_file = relative_to(base, t.req_str("ca_file"));
    c.tls_verify = t.opt<bool>("verify", true);
  }
  c.settings = s.has("settings") ? YAML::Clone(s.get("settings")) : YAML::Node(YAML::NodeType::Map);
  if (!c.settings.IsMap())
    throw ConfigError(n["settings"], "carrier " + c.id + ": settings must be a mapping");
  if (auto err = resolve_secret_refs(c.settings, base); !err.empty())
    throw ConfigError(n["settings"], "carrier " + c.id + " settings: " + err);
  return c;
}

void parse_listen(const YAML::Node& node, const std::filesystem::path& base, Config& cfg) {
  Section l(node, "listen", {"address", "port", "tls"});
  if (l.has("tls")) {
    Section t(l.get("tls"), "listen.tls",
              {"cert_file", "key_file", "client_ca_file", "require_client_cert"});
    ListenTls tls;
    tls.cert_file = relative_to(base, t.req_str("cert_file"));
    tls.key_file = relative_to(base, t.req_str("key_file"));
    if (t.has("client_ca_file"))
      tls.client_ca_file = relative_to(base, t.req_str("client_ca_file"));
    tls.require_client_cert = t.opt<bool>("require_client_cert", false);
    if (tls.require_client_cert && tls.client_ca_file.empty())
      throw ConfigError(l.get("tls"), "listen.tls.require_client_cert needs client_ca_file");
    cfg.listen_tls = tls;
  }
  cfg.listen_address = l.opt<std::string>("address", cfg.listen_address);
  int port = l.opt<int>("port", cfg.listen_port);
  if (port < 0 || port > 65535) throw ConfigError(node["port"], "listen.port must be 0-65535");
  cfg.listen_port = static_cast<uint16_t>(port);
}

void parse_limits(const YAML::Node& node, Config& cfg) {
  Section lim(node, "limits",
              {"max_header_bytes", "max_body_bytes", "read_timeout_ms", "idle_timeout_ms",
               "shutdown_grace_ms", "housekeeping_interval_ms", "idempotency_key_retention_h",
               "reservation_recovery_grace_ms"});
  cfg.max_header_bytes = lim.positive<size_t>("max_header_bytes", cfg.max_header_bytes);
  cfg.max_body_bytes = lim.positive<size_t>("max_body_bytes", cfg.max_body_bytes);
  cfg.read_timeout = ms(lim, "read_timeout_ms", cfg.read_timeout.count());
  cfg.idle_timeout = ms(lim, "idle_timeout_ms", cfg.idle_timeout.count());
  cfg.shutdown_grace = ms(lim, "shutdown_grace_ms", cfg.shutdown_grace.count());
  cfg.housekeeping_interval =
      ms(lim, "housekeeping_interval_ms", cfg.housekeeping_interval.count());
  cfg.reservation_recovery_grace =
      ms(lim, "reservation_recovery_grace_ms", cfg.reservation_recovery_grace.count());
  auto retention_h = lim.positive<int64_t>("idempotency_key_retention_h", 48);
  if (retention_h < 24)
    throw ConfigError(node["idempotency_key_retention_h"],
                      "limits.idempotency_key_retention_h must be at least 24");
  cfg.idempotency_key_retention = std::chrono::hours(retention_h);
}

// security: the PII key and the keys of earlier rotations, each 32 bytes hex
// given as a {file:} or {env:} reference.
void parse_security(const YAML::Node& node, const std::filesystem::path& base, Config& cfg) {
  YAML::Node sec = YAML::Clone(node);
  const std::set<std::string> known = {"pii_key", "pii_previous_keys"};
  Section ss(sec, "security", known);
  if (auto err = resolve_secret_refs(sec, base); !err.empty())
    throw ConfigError(node, "security: " + err);
  auto key = crypto::from_hex(Section(sec, "security", known).req_str("pii_key"));
  if (!key || key->size() != 32)
    throw ConfigError(node["pii_key"], "security.pii_key must be 64 hex characters (32 bytes)");
  cfg.pii_key = *key;
  if (!ss.has("pii_previous_keys")) return;
  // Previous keys open values sealed before a rotation; each must be a
  // different key (the key id is what a sealed value names).
  std::set<std::string> key_ids = {PiiCipher::key_id_for(*key)};
  const YAML::Node list = sec["pii_previous_keys"], at = node["pii_previous_keys"];
  if (!list.IsSequence())
    throw ConfigError(at, "security.pii_previous_keys must be a list of {file:} or {env:}");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string name = "security.pii_previous_keys[" + std::to_string(i) + "]";
    auto old = list[i].IsScalar() ? crypto::from_hex(list[i].as<std::string>()) : std::nullopt;
    if (!old || old->size() != 32)
      throw ConfigError(at[i], name + " must be 64 hex characters (32 bytes)");
    const auto id = PiiCipher::key_id_for(*old);
    if (!key_ids.insert(id).second)
      throw ConfigError(at[i], name + " repeats a key already configured (key id " + id + ")");
    cfg.pii_previous_keys.push_back(*old);
  }
}

// store: {kind: sqlite, path: var/cgw.db} (the default) or {kind: postgres,
// dsn: {env: CGW_PG_DSN}, pool_size, pool_wait_ms}. The DSN may carry a
// password, so it is a {file:} or {env:} reference like every secret.
void parse_store(const YAML::Node& node, const std::filesystem::path& base, Config& cfg) {
  const std::set<std::string> known = {"kind", "path", "dsn", "pool_size", "pool_wait_ms"};
  Section st(node, "store", known);
  const auto kind = st.opt<std::string>("kind", "sqlite");
  if (kind == "sqlite") {
    for (const char* key : {"dsn", "pool_size", "pool_wait_ms"})
      if (st.has(key))
        throw ConfigError(node[key], std::string("store.") + key + " is for kind postgres");
    if (st.has("path")) cfg.store_path = relative_to(base, st.req_str("path"));
    return;
  }
  if (kind != "postgres")
    throw ConfigError(node["kind"], "store.kind must be sqlite or postgres, not '" + kind + "'");
  cfg.store_kind = StoreKind::kPostgres;
  if (st.has("path"))
    throw ConfigError(node["path"], "store.path is for kind sqlite (postgres takes store.dsn)");
  if (!st.has("dsn"))
    throw ConfigError(node, "store.dsn is required for kind postgres (a {file:} or {env:})");
  if (!node["dsn"].IsMap())
    throw ConfigError(node["dsn"],
                      "store.dsn must be a {file:} or {env:} reference: it may hold a password");
  YAML::Node resolved = YAML::Clone(node);
  if (auto err = resolve_secret_refs(resolved, base); !err.empty())
    throw ConfigError(node["dsn"], "store.dsn: " + err);
  cfg.store_dsn = Section(resolved, "store", known).req_str("dsn");
  cfg.store_pool_size = st.positive<int>("pool_size", cfg.store_pool_size);
  cfg.store_pool_wait =
      std::chrono::milliseconds(st.positive<int64_t>("pool_wait_ms", cfg.store_pool_wait.count()));
}

// fleet: {heartbeat_ms: 1000, lease_ttl_ms: 5000}, for instances sharing a
// PostgreSQL store (docs/reliability.md "Instances that share work").
void parse_fleet(const YAML::Node& node, Config& cfg) {
  if (cfg.store_kind != StoreKind::kPostgres)
    throw ConfigError(node, "fleet is for store.kind postgres: a SQLite store has one instance");
  Section f(node, "fleet", {"heartbeat_ms", "lease_ttl_ms"});
  cfg.fleet_heartbeat = ms(f, "heartbeat_ms", cfg.fleet_heartbeat.count());
  cfg.fleet_lease_ttl = ms(f, "lease_ttl_ms", cfg.fleet_lease_ttl.count());
  if (cfg.fleet_heartbeat.count() < 100 || cfg.fleet_heartbeat.count() > 60'000)
    throw ConfigError(node["heartbeat_ms"], "fleet.heartbeat_ms must be 100-60000");
  // Two heartbeats may be missed (a slow query, a busy instance) before
  // the others think this one dead.
  if (cfg.fleet_lease_ttl < 3 * cfg.fleet_heartbeat)
    throw ConfigError(node["lease_ttl_ms"] ? node["lease_ttl_ms"] : node,
                      "fleet.lease_ttl_ms (" + std::to_string(cfg.fleet_lease_ttl.count()) +
                          ") must be at least 3 x fleet.heartbeat_ms (" +
                          std::to_string(cfg.fleet_heartbeat.count()) + ")");
  if (cfg.fleet_lease_ttl.count() > 600'000)
    throw ConfigError(node["lease_ttl_ms"], "fleet.lease_ttl_ms must be at most 600000");
}

void parse_webhooks(const YAML::Node& node, Config& cfg) {
  Section w(node, "webhooks",
            {"initial_backoff_ms", "max_backoff_ms", "give_up_after_h", "request_timeout_ms",
             "scan_interval_ms", "max_in_flight"});
  auto& p = cfg.webhooks;
  p.initial_backoff = ms(w, "initial_backoff_ms", p.initial_backoff.count());
  p.max_backoff = ms(w, "max_backoff_ms", p.max_backoff.count());
  if (p.max_backoff < p.initial_backoff)
    throw ConfigError(node, "webhooks.max_backoff_ms must not be below initial_backoff_ms");
  auto give_up_h = w.positive<int64_t>("give_up_after_h", p.give_up_after.count());
  if (give_up_h < 24)
    throw ConfigError(node["give_up_after_h"], "webhooks.give_up_after_h must be at least 24");
  p.give_up_after = std::chrono::hours(give_up_h);
  p.request_timeout = ms(w, "request_timeout_ms", p.request_timeout.count());
  p.scan_interval = ms(w, "scan_interval_ms", p.scan_interval.count());
  p.max_in_flight = w.positive<int>("max_in_flight", p.max_in_flight);
}

// tenants and carriers: non-empty lists without duplicate ids (or keys).
void parse_parties(const YAML::Node& root, const Section& s, const std::filesystem::path& base,
                   Config& cfg) {
  auto tenants = s.get("tenants");
  if (!tenants.IsSequence() || tenants.size() == 0)
    throw ConfigError(root, "tenants must be a non-empty list");
  std::set<std::string> seen_keys, seen_tenants;
  std::vector<TenantChannelsNode> channels;
  for (const auto& t : tenants) {
    auto tc = parse_tenant(t, base);
    if (t["carriers"]) channels.push_back({cfg.tenants.size(), t["carriers"]});
    if (!seen_tenants.insert(tc.id).second) throw ConfigError(t, "duplicate tenant id " + tc.id);
    for (auto& k : tc.api_keys)
      if (!seen_keys.insert(k.sha256_hex).second)
        throw ConfigError(t, "an api key is configured twice");
    cfg.tenants.push_back(std::move(tc));
  }
  auto carriers = s.get("carriers");
  if (!carriers.IsSequence() || carriers.size() == 0)
    throw ConfigError(root, "carriers must be a non-empty list");
  std::set<std::string> seen;
  for (const auto& c : carriers) {
    auto cc = parse_carrier(c, base);
    if (!seen.insert(cc.id).second) throw ConfigError(c, "duplicate carrier id " + cc.id);
    cfg.carriers.push_back(std::move(cc));
  }
  if (auto err = add_channels(cfg, channels, carriers, base))
    throw ConfigError(err->at, err->message);
}

Config parse_root(const YAML::Node& root, const std::filesystem::path& file) {
  Config cfg;
  cfg.file = file;
  const auto base = file.parent_path();
  Section s(root, "config",
            {"listen", "public_base_url", "threads", "store", "log", "limits", "security",
             "tenants", "carriers", "webhooks", "audit", "fleet", "environment", "test_clock"});
  if (s.has("listen")) parse_listen(s.get("listen"), base, cfg);
  cfg.public_base_url = s.opt<std::string>("public_base_url", "");
  cfg.threads = s.positive<int>("threads", 2);
  cfg.store_path = relative_to(base, cfg.store_path.string());
  if (s.has("store")) parse_store(s.get("store"), base, cfg);
  if (s.has("fleet")) parse_fleet(s.get("fleet"), cfg);
  cfg.audit_log_path = cfg.store_path.parent_path() / "audit.log";
  if (s.has("audit")) {
    Section au(s.get("audit"), "audit", {"path"});
    cfg.audit_log_path = relative_to(base, au.req_str("path"));
  }
  if (s.has("log")) {
    Section lg(s.get("log"), "log", {"level"});
    cfg.log_level = lg.opt<std::string>("level", cfg.log_level);
  }
  if (s.has("limits")) parse_limits(s.get("limits"), cfg);
  if (!s.has("security"))
    throw ConfigError(
        root, "security.pii_key is required (32 bytes hex, as a {file:} or {env:} reference)");
  parse_security(s.get("security"), base, cfg);
  if (s.has("webhooks")) parse_webhooks(s.get("webhooks"), cfg);
  parse_parties(root, s, base, cfg);
  if (auto refused = parse_test_mode(root, cfg)) throw ConfigError(refused->at, refused->what);
  return cfg;
}

}  // namespace

Result<Config> parse_config(const std::string& yaml_text, const std::filesystem::path& file) {
  auto invalid = [](std::string message) {
    return make_error(code::kConfigInvalid, std::move(message));
  };
  // The parser throws (ConfigError, YAML::Exception) from deep inside the
  // sections; the error becomes a value here, at the one entry point.
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsDefined() || root.IsNull()) return invalid(file.string() + ": the file is empty");
    return parse_root(root, file);
  } catch (const ConfigError& e) {
    return invalid(file.string() + ":" + std::to_string(e.line) + ": " + e.what());
  } catch (const YAML::Exception& e) {
    return invalid(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<Config> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(code::kConfigInvalid, file.string() + ": cannot open the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), std::filesystem::absolute(file));
}

}  // namespace cgw::gw
