// cgw-gateway: loads config, opens the store, loads carrier plugins, serves
// the unified API, syncs inventory and drives activations. SIGINT/SIGTERM
// stop it gracefully: no new connections, in-flight requests finish (up to
// limits.shutdown_grace_ms), exit code 0. `--rotate-pii` re-seals the
// stored personal data under the current PII key and exits.
#include "api/http_api.hpp"
#include "app/services.hpp"
#include "carriers/carrier.hpp"
#include "cgw/common/crypto.hpp"
#include "core/config.hpp"
#include "inventory/sync.hpp"
#include "orders/activation_engine.hpp"
#include "orders/housekeeping.hpp"
#include "orders/webhooks.hpp"

#include "cgw/common/http_server.hpp"
#include "cgw/common/log_setup.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace asio = boost::asio;
using namespace cgw;
using namespace cgw::gw;

namespace {

int usage() {
  std::cerr << "usage: cgw-gateway --config <file> [--port-file <file>] [--check-config]\n"
               "       cgw-gateway --config <file> --rotate-pii [--batch <rows>]   (re-seal "
               "stored PII under the current key; default 500 rows per transaction)\n"
               "       cgw-gateway --new-api-key [<prefix>]   (prefix: a-z, 0-9, '_'; "
               "default cgw_live)\n";
  return 2;
}

// A new API key: "<prefix>_<key id>_<secret>". The prefix and key id stay
// visible (config label, audit log, support tickets); only the SHA-256 of
// the whole key goes into the config.
int new_api_key(const std::string& prefix) {
  for (char ch : prefix)
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '_'))
      return usage();
  const std::string visible = prefix + "_" + crypto::random_hex(4);
  const std::string key = visible + "_" + crypto::random_hex(24);
  std::cout << "API key (shown once; give it to the platform service):\n  " << key
            << "\n\nFor the tenant's api_keys in the gateway config:\n"
            << "      - sha256: " << crypto::sha256_hex(key) << "\n"
            << "        label: " << visible << "\n"
            << "        scopes: [inventory:read, numbers:reserve, kyc:verify, activations:write, "
               "activations:read]\n";
  return 0;
}

// Sealed values not under the current PII key. Under a previous key: the
// rotation is incomplete. Under a key id not configured: they do not open.
void report_pii_keys(Store& store, const PiiCipher& pii, const std::string& config_path) {
  std::map<std::string, int64_t> census;
  try {
    census = store.pii_key_census();
  } catch (const std::exception& e) {
    spdlog::error("pii: cannot count sealed values by key id: {}", e.what());
    return;
  }
  int64_t old_n = 0, unknown_n = 0;
  std::string old_ids, unknown_ids;
  for (const auto& [id, n] : census) {
    if (id == pii.key_id()) continue;
    const bool known = pii.knows(id);
    auto& ids = known ? old_ids : unknown_ids;
    (known ? old_n : unknown_n) += n;
    ids += (ids.empty() ? "" : ", ") + (id.empty() ? std::string("(none)") : id) + ": " +
           std::to_string(n);
  }
  if (old_n > 0)
    spdlog::warn(
        "pii: {} sealed values are still under previous keys ({}): key rotation is incomplete; "
        "run cgw-gateway --config {} --rotate-pii",
        old_n, old_ids, config_path);
  if (unknown_n > 0)
    spdlog::error(
        "pii: {} sealed values are under key ids that are not configured ({}): they cannot be "
        "opened, and activations that need them fail; add those keys to "
        "security.pii_previous_keys",
        unknown_n, unknown_ids);
  if (old_n == 0 && unknown_n == 0 && !pii.previous_key_ids().empty())
    spdlog::info(
        "pii: every sealed value is under the current key {}; security.pii_previous_keys is no "
        "longer needed",
        pii.key_id());
}

volatile std::sig_atomic_t g_stop_rotation = 0;

// SIGINT/SIGTERM before the I/O loop runs (start-up): main() checks it
// between start-up steps and exits 0; from the loop on, the signal_set
// takes the signals over.
volatile std::sig_atomic_t g_stop_startup = 0;

void on_startup_signal(int sig) {
  g_stop_startup = sig;
}

void catch_startup_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_startup_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() {
  if (g_stop_startup == 0) return false;
  spdlog::info("signal {} during start-up: stopped", static_cast<int>(g_stop_startup));
  spdlog::default_logger()->flush();
  return true;
}

// The io_context with its protected execution_context::shutdown() exposed.
// ~io_context destroys the handlers still queued, among them the frames of
// suspended coroutines (sync, housekeeping, webhooks, activations, HTTP
// connections); their locals (a CallLimiter slot, a connection) use
// Services, the carriers and main()'s locals, so that must happen while
// those still live. shutdown() does it (once: a second call, as
// ~io_context makes, finds nothing left) and keeps the services, so timers
// and sockets destroyed later are still valid.
struct GatewayIo : asio::io_context {
  using asio::execution_context::shutdown;
  using asio::io_context::io_context;
};

// Once no I/O thread runs: the sync worker finishes its job in progress
// (it uses the store and a coroutine frame), the group commit answers its
// waiters, and then every coroutine still suspended is destroyed. Repeating
// it does nothing.
void stop_background_work(GatewayIo& ioc, Services& svc) {
  svc.stopping = true;
  svc.sync_worker.join();
  if (svc.store) svc.store->stop_group_commit();
  ioc.shutdown();
}

// `--rotate-pii`: re-seals every stored value that is not under the current
// PII key, in transactions of `batch_rows` rows (docs/security.md "Key
// rotation"). SIGINT/SIGTERM stop it after the batch in progress; a re-run
// goes on from there, and re-running a finished rotation changes nothing.
int rotate_pii(const Config& cfg, size_t batch_rows) {
  if (!std::filesystem::exists(cfg.store_path)) {
    spdlog::critical("pii rotation: no store at {}", cfg.store_path.string());
    return 1;
  }
  const PiiCipher pii(cfg.pii_key, cfg.pii_previous_keys);
  Store store(cfg.store_path, pii);
  if (auto err = store.open(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  std::string previous;
  for (const auto& id : pii.previous_key_ids()) previous += (previous.empty() ? "" : ", ") + id;
  spdlog::info("pii rotation: store {}, current key {}, previous keys [{}], {} rows per batch",
               cfg.store_path.string(), pii.key_id(), previous, batch_rows);
  std::signal(SIGINT, [](int) { g_stop_rotation = 1; });
  std::signal(SIGTERM, [](int) { g_stop_rotation = 1; });
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto last_log = start;
  auto rate = [&](int64_t rows) {
    const double s = std::chrono::duration<double>(clock::now() - start).count();
    return s > 0 ? static_cast<double>(rows) / s : 0.0;
  };
  Store::PiiRotation r;
  try {
    r = store.rotate_pii(batch_rows, [&](const Store::PiiRotation& p) {
      const auto now = clock::now();
      const auto seen = p.rows_done + static_cast<int64_t>(p.unreadable.size());
      if (now - last_log >= std::chrono::seconds(2) || seen >= p.rows_total) {
        spdlog::info("pii rotation: {}/{} rows re-sealed ({:.0f} rows/s)", p.rows_done,
                     p.rows_total, rate(p.rows_done));
        last_log = now;
      }
      return g_stop_rotation == 0;
    });
  } catch (const std::exception& e) {
    spdlog::critical("pii rotation failed: {} (committed batches stay; run again)", e.what());
    return 1;
  }
  if (!r.unknown_keys.empty()) {
    int64_t n = 0;
    std::string ids;
    for (const auto& [id, count] : r.unknown_keys) {
      n += count;
      ids += (ids.empty() ? "" : ", ") + (id.empty() ? std::string("(none)") : id) + ": " +
             std::to_string(count);
    }
    spdlog::critical(
        "pii rotation refused: {} sealed values are under key ids that are neither the current "
        "key {} nor in security.pii_previous_keys ({}). Add those keys to "
        "security.pii_previous_keys and run again. Nothing was changed.",
        n, pii.key_id(), ids);
    return 1;
  }
  const double secs = std::chrono::duration<double>(clock::now() - start).count();
  spdlog::info(
      "pii rotation: {} of {} rows re-sealed ({} values, {} ID-number lookup hashes) in {:.1f} s "
      "({:.0f} rows/s)",
      r.rows_done, r.rows_total, r.values_resealed, r.hashes_recomputed, secs, rate(r.rows_done));
  if (r.stopped) {
    spdlog::warn("pii rotation stopped before the end; run --rotate-pii again to finish");
    return 1;
  }
  if (!r.unreadable.empty()) {
    std::string rows;
    for (size_t i = 0; i < r.unreadable.size() && i < 20; ++i)
      rows += (i ? ", " : "") + r.unreadable[i];
    if (r.unreadable.size() > 20) rows += ", ...";
    spdlog::error(
        "pii rotation: {} rows have a value that does not open under its key (altered?) and were "
        "left as they are: {}",
        r.unreadable.size(), rows);
    return 1;
  }
  // What is left: nothing, unless a gateway with another current key wrote
  // during the run.
  int64_t total = 0, left = 0;
  for (const auto& [id, n] : store.pii_key_census()) {
    total += n;
    if (id != pii.key_id()) left += n;
  }
  if (left > 0) {
    spdlog::warn(
        "pii rotation: {} sealed values are still not under key {} (written during the run by a "
        "gateway with another current key?); run again",
        left, pii.key_id());
    return 1;
  }
  spdlog::info(
      "pii rotation complete: all {} sealed values are under key {}; the previous keys can be "
      "removed from security.pii_previous_keys",
      total, pii.key_id());
  return 0;
}

bool write_port_file(const std::string& path, uint16_t port) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) return false;
    out << "{\"port\": " << port << "}\n";
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Loads every configured plugin; a refused one is logged and skipped unless
// the carrier is required. Returns false when a required carrier failed.
bool load_carriers(Services& svc, const std::string& callback_base) {
  for (const auto& cc : svc.config.carriers) {
    std::string why;
    auto lib = load_plugin(cc.plugin, host_table(), why);
    std::unique_ptr<Carrier> carrier;
    if (lib) {
      carrier = std::make_unique<Carrier>(cc, lib, svc.ioc.get_executor());
      why = carrier->create(callback_base + "/v1/callbacks/" + cc.id);
      if (!why.empty()) carrier.reset();
    }
    if (!carrier) {
      spdlog::error("plugin refused carrier={} file={} reason={}", cc.id, cc.plugin.string(), why);
      if (cc.required) return false;
      continue;
    }
    spdlog::info("plugin loaded carrier={} name={} version={} abi={} file={}", cc.id,
                 carrier->library().name, carrier->library().version, carrier->library().abi,
                 cc.plugin.string());
    svc.carriers.emplace(cc.id, std::move(carrier));
  }
  return true;
}

// The API's answer, counted and timed for GET /metrics (a free function:
// GCC 12 miscompiles the captures of coroutine lambdas).
asio::awaitable<net::Response> observed(HttpApi& api, Metrics& metrics, net::Request& req,
                                        const net::Peer& peer) {
  const auto route = Metrics::route_of(req.target());
  const auto started = std::chrono::steady_clock::now();
  net::Response res = co_await api.handle(req, peer);
  metrics.observe_request(route, static_cast<int>(res.result_int()),
                          std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started));
  co_return res;
}

}  // namespace

// Every keep-alive connection is a file descriptor: the default soft limit
// (often 1024) would cap the gateway far below its 10,000-connection aim.
static void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  const auto before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) == 0)
    spdlog::info("open file limit raised from {} to {}", before, lim.rlim_cur);
}

int main(int argc, char** argv) {
  catch_startup_signals();
  std::string config_path, port_file;
  bool check_only = false, rotate = false;
  size_t batch_rows = 500;
  if (argc >= 2 && std::string(argv[1]) == "--new-api-key")
    return argc > 3 ? usage() : new_api_key(argc == 3 ? argv[2] : "cgw_live");
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc)
      config_path = argv[++i];
    else if (a == "--port-file" && i + 1 < argc)
      port_file = argv[++i];
    else if (a == "--check-config")
      check_only = true;
    else if (a == "--rotate-pii")
      rotate = true;
    else if (a == "--batch" && i + 1 < argc) {
      try {
        batch_rows = std::stoul(argv[++i]);
      } catch (const std::exception&) {
        return usage();
      }
      if (batch_rows == 0) return usage();
    } else
      return usage();
  }
  if (config_path.empty()) return usage();

  auto loaded = load_config(config_path);
  if (!loaded.config) {
    std::cerr << "cgw-gateway: invalid config: " << loaded.error << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "config OK: " << config_path << "\n";
    return 0;
  }
  if (!init_logging("cgw-gateway", loaded.config->log_level))
    spdlog::warn("unknown log level '{}', using info", loaded.config->log_level);
  if (rotate) {
    const int rc = rotate_pii(*loaded.config, batch_rows);
    spdlog::default_logger()->flush();
    return rc;
  }
  if (stop_requested()) return 0;

  GatewayIo ioc(loaded.config->threads);
  auto svc = std::make_unique<Services>(std::move(*loaded.config), ioc);
  // Every return from here on: before Services goes (see GatewayIo).
  struct BackgroundStop {
    GatewayIo& ioc;
    Services& svc;
    ~BackgroundStop() { stop_background_work(ioc, svc); }
  } background_stop{ioc, *svc};
  svc->now = [] { return system_now_ms(); };
  set_host_clock(svc->now);
  raise_open_file_limit();
  const Config& cfg = svc->config;

  const PiiCipher pii(cfg.pii_key, cfg.pii_previous_keys);
  svc->store = std::make_unique<Store>(cfg.store_path, pii);
  if (auto err = svc->store->open(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  report_pii_keys(*svc->store, pii, config_path);
  if (stop_requested()) return 0;

  {
    auto r = svc->store->recover_interrupted_requests(svc->now(),
                                                      cfg.reservation_recovery_grace.count());
    if (r.keys > 0 || r.reservations > 0)
      spdlog::warn(
          "recovered from an unclean stop: {} idempotency keys freed, {} half-made reservations "
          "kept for a retry of their key, then their carrier locks released",
          r.keys, r.reservations);
  }
  if (stop_requested()) return 0;
  svc->quotas = std::make_unique<TenantQuotas>(cfg.tenants);
  svc->audit = std::make_unique<AuditLog>(cfg.audit_log_path);
  if (auto err = svc->audit->open(); !err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  WebhookDispatcher webhooks(*svc);

  HttpApi api(*svc);
  net::ServerOptions so;
  so.address = cfg.listen_address;
  so.port = cfg.listen_port;
  so.max_header_bytes = cfg.max_header_bytes;
  so.max_body_bytes = cfg.max_body_bytes;
  so.read_timeout = cfg.read_timeout;
  so.idle_timeout = cfg.idle_timeout;
  so.server_name = "cgw-gateway";
  if (cfg.listen_tls) {
    std::string err;
    net::ServerTls tls;
    tls.cert_file = cfg.listen_tls->cert_file.string();
    tls.key_file = cfg.listen_tls->key_file.string();
    tls.client_ca_file = cfg.listen_tls->client_ca_file.string();
    tls.require_client_cert = cfg.listen_tls->require_client_cert;
    so.tls = net::make_server_tls(tls, err);
    if (!so.tls) {
      spdlog::critical("{}", err);
      return 1;
    }
  }
  for (const auto& c : cfg.carriers)
    if (!c.tls_verify)
      spdlog::warn(
          "carrier={} TLS certificate verification is OFF (tls.verify: false): use only against "
          "a test carrier",
          c.id);
  net::HttpServer server(ioc, so, [&api, &svc](net::Request& req, const net::Peer& peer) {
    return observed(api, svc->metrics, req, peer);
  });
  if (auto err = server.listen(); !err.empty()) {
    spdlog::critical("cannot listen: {}", err);
    return 1;
  }
  const std::string base_url = std::string(so.tls ? "https://" : "http://") + cfg.listen_address +
                               ":" + std::to_string(server.port());
  const std::string callback_base = cfg.public_base_url.empty() ? base_url : cfg.public_base_url;

  if (stop_requested()) return 0;
  if (!load_carriers(*svc, callback_base)) {
    spdlog::critical("a required carrier could not be loaded; exiting");
    return 1;
  }
  if (stop_requested()) return 0;
  if (svc->carriers.empty()) spdlog::warn("no carrier plugin loaded: the API serves no carrier");
  svc->engine = std::make_unique<ActivationEngine>(*svc);
  // Search serves the stored inventory from the first request on; the sync
  // loops refresh it.
  svc->store->attach_index(svc->numbers.get());
  for (const auto& [id, carrier] : svc->carriers) {
    if (stop_requested()) return 0;
    rebuild_number_index(*svc, id);
  }
  if (stop_requested()) return 0;

  server.start();
  svc->engine->start();
  webhooks.start();
  for (auto& [id, carrier] : svc->carriers)
    asio::co_spawn(ioc, inventory_sync_loop(*svc, *carrier), asio::detached);
  asio::co_spawn(ioc, housekeeping_loop(*svc), asio::detached);
  svc->ready = true;
  spdlog::info("cgw-gateway listening on {} with {} carriers, store {}", base_url,
               svc->carriers.size(), cfg.store_path.string());
  std::cout << "cgw-gateway listening on " << base_url << std::endl;
  if (!port_file.empty() && !write_port_file(port_file, server.port()))
    spdlog::error("cannot write port file {}", port_file);

  // Graceful stop: drain, then wait for in-flight requests up to the grace.
  // The background loops see `stopping` and end at their next step; what is
  // still suspended when the loop stops is destroyed by stop_background_work.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer grace(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> wait_idle = [&]() {
    if (server.active_connections() == 0 || std::chrono::steady_clock::now() >= deadline) {
      spdlog::info("stopped ({} connections left)", server.active_connections());
      ioc.stop();
      return;
    }
    grace.expires_after(std::chrono::milliseconds(20));
    grace.async_wait([&wait_idle](const boost::system::error_code&) { wait_idle(); });
  };
  std::function<void(int)> begin_stop = [&](int sig) {
    spdlog::info("signal {}: draining {} connections", sig, server.active_connections());
    svc->ready = false;
    svc->stopping = true;
    svc->engine->stop();
    webhooks.stop();
    server.drain();
    deadline = std::chrono::steady_clock::now() + cfg.shutdown_grace;
    wait_idle();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) begin_stop(sig);
  });
  // A signal that came after the last start-up check, before the
  // signal_set took the signals over.
  if (g_stop_startup != 0) {
    signals.cancel();
    asio::post(ioc, [&] { begin_stop(g_stop_startup); });
  }

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  // Before server, api and webhooks go: suspended coroutines use them.
  stop_background_work(ioc, *svc);
  spdlog::info("shutdown complete");
  spdlog::default_logger()->flush();
  return 0;
}
