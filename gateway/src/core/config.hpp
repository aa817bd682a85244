// The gateway's configuration (config/gateway.yaml), loaded with yaml-cpp.
// Every error names the file, the line and what is wrong.
#pragma once

#include "core/error.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cgw::gw {

struct ApiKeyConfig {
  std::string sha256_hex;  // SHA-256 of the key; the key itself is never stored
  std::string label;
  std::set<std::string> scopes;  // empty: every scope
};

// Where a tenant's activation status changes are delivered (Standard
// Webhooks: webhook-id, webhook-timestamp, webhook-signature headers).
struct WebhookEndpoint {
  std::string url;     // absolute http:// or https:// URL
  std::string secret;  // the raw HMAC key, decoded from "whsec_<base64>"
};

// Per-tenant quotas (tenant_quotas.hpp). Defaults fit one busy platform;
// set them to each tenant's contract.
struct TenantQuotaConfig {
  double requests_per_s = 2000;
  double request_burst = 4000;
  double kyc_per_minute = 6000;  // paid carrier calls
  double kyc_burst = 600;
};

struct TenantConfig {
  std::string id;
  std::string name;
  std::vector<ApiKeyConfig> api_keys;
  std::optional<WebhookEndpoint> webhook;
  TenantQuotaConfig quotas;
  // The tenant's own channels (core/channels.hpp): carrier id -> the id of
  // the carrier instance that serves this tenant for it ("mobile.qa1").
  std::map<std::string, std::string> channels;
};

// Delivery policy for the webhook outbox (see webhooks.hpp).
struct WebhookPolicy {
  std::chrono::milliseconds initial_backoff{5'000};
  std::chrono::milliseconds max_backoff{3'600'000};
  std::chrono::hours give_up_after{72};  // at least 24 h
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds scan_interval{1'000};
  int max_in_flight = 16;
};

struct CarrierConfig {
  std::string id;
  std::string display_name;
  std::string kind;          // mno | mvno
  std::string host_network;  // mobile | unicom | telecom | broadnet
  std::filesystem::path plugin;
  bool required = false;
  std::string base_url;
  std::chrono::seconds sync_interval{300};             // full syncs
  std::chrono::seconds incremental_sync_interval{15};  // changes between full syncs
  int64_t sync_page_size = 5000;  // a wish: each plugin clamps to its carrier's maximum
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds request_timeout{10'000};
  int64_t reservation_hold_seconds = 1800;
  std::chrono::seconds activation_poll_interval{30};
  // Resilience (see resilience.hpp).
  int max_concurrency = 64;  // calls in flight to this carrier
  double max_qps = 0;        // 0: unlimited; else the carrier's contract
  int max_retries = 2;       // for safe failures only
  int breaker_window = 20;
  int breaker_min_calls = 10;
  double breaker_failure_ratio = 0.5;
  std::chrono::milliseconds breaker_open{30'000};
  // TLS to the carrier: certificates and host names are verified against
  // `tls_ca_file` (empty: the system's trust store). Turning verification
  // off needs an explicit `tls: {verify: false}` and is logged at start.
  std::filesystem::path tls_ca_file;
  bool tls_verify = true;
  YAML::Node settings;  // handed to the plugin, secret references resolved
  // Set on a tenant's channel of a carrier (core/channels.hpp): the
  // carrier it is a channel of and the one tenant it serves. Empty on a
  // carrier as configured.
  std::string channel_of, channel_tenant;
};

// TLS on the gateway's listener (TLS 1.2+), optionally mTLS.
struct ListenTls {
  std::filesystem::path cert_file, key_file;
  std::filesystem::path client_ca_file;  // set: client certificates are verified
  bool require_client_cert = false;      // mTLS: no certificate, no connection
};

enum class StoreKind { kSqlite, kPostgres };

struct Config {
  std::filesystem::path file;
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::optional<ListenTls> listen_tls;
  std::string public_base_url;  // what carriers call back; default from the listener
  int threads = 2;
  // The store (docs/configuration.md "store"): SQLite in one file (the
  // default), or PostgreSQL for several instances on one database.
  StoreKind store_kind = StoreKind::kSqlite;
  std::filesystem::path store_path = "var/cgw.db";  // kind sqlite
  std::string store_dsn;                            // kind postgres (a secret: never logged)
  int store_pool_size = 16;                         // connections per instance
  std::chrono::milliseconds store_pool_wait{2000};  // for a free connection, then 503
  std::filesystem::path audit_log_path;             // default: audit.log beside the store
  // Instances on one PostgreSQL store (docs/reliability.md "Instances that
  // share work"): each renews its heartbeat and its leases every
  // fleet_heartbeat; one silent for fleet_lease_ttl (by the database's
  // clock) is dead, its leases are taken over and its work adopted.
  std::chrono::milliseconds fleet_heartbeat{1000};
  std::chrono::milliseconds fleet_lease_ttl{5000};
  std::string log_level = "info";
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{15'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  std::chrono::milliseconds housekeeping_interval{15'000};
  // How long a reservation interrupted by a crash (or an unknown carrier
  // answer) waits for a retry of its Idempotency-Key to adopt its carrier
  // lock before the gateway releases that lock (docs/reliability.md).
  std::chrono::milliseconds reservation_recovery_grace{60'000};
  std::chrono::seconds idempotency_key_retention{48 * 3600};  // at least 24 h
  std::string pii_key;  // 32 bytes (from a file or env reference, hex)
  // Older PII keys (32 bytes each): they open values sealed before a
  // rotation, never seal (`--rotate-pii`, docs/security.md).
  std::vector<std::string> pii_previous_keys;
  std::vector<TenantConfig> tenants;
  std::vector<CarrierConfig> carriers;
  WebhookPolicy webhooks;
  // `environment: test` (core/test_mode_config.hpp): only then may
  // `test_clock: {enabled: true}` make the clock movable (docs/test-clock.md).
  bool test_deployment = false;
  bool test_clock = false;
};

// The configuration, or CONFIG_INVALID with a message "file:line: what is
// wrong" that names the key (the line is left out when there is none, as
// for a file that cannot be opened or is empty).
Result<Config> load_config(const std::filesystem::path& file);
Result<Config> parse_config(const std::string& yaml_text, const std::filesystem::path& file);

}  // namespace cgw::gw
