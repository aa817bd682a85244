#include "app/app.hpp"

#include "api/http_api.hpp"
#include "app/commands.hpp"
#include "app/fleet_loop.hpp"
#include "carriers/carrier.hpp"
#include "carriers/services.hpp"
#include "inventory/change_feed.hpp"
#include "inventory/sync.hpp"
#include "orders/activation_engine.hpp"
#include "orders/housekeeping.hpp"
#include "orders/subscribers.hpp"
#include "orders/webhooks.hpp"

#include "cgw/common/http_server.hpp"
#include "cgw/common/time_format.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace cgw::gw {

namespace asio = boost::asio;

namespace {

// SIGINT/SIGTERM before the I/O loop runs (start-up): checked between
// start-up steps; from the loop on, the signal_set takes the signals over.
volatile std::sig_atomic_t g_stop_startup = 0;

void on_startup_signal(int sig) {
  g_stop_startup = sig;
}

bool stop_requested() {
  if (g_stop_startup == 0) return false;
  spdlog::info("signal {} during start-up: stopped", static_cast<int>(g_stop_startup));
  spdlog::default_logger()->flush();
  return true;
}

// Every keep-alive connection is a file descriptor: the default soft limit
// (often 1024) would cap the gateway far below its 10,000-connection aim.
void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  const auto before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) == 0)
    spdlog::info("open file limit raised from {} to {}", before, lim.rlim_cur);
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

// Sealed values not under the current PII key. Under a previous key: the
// rotation is incomplete. Under a key id not configured: they do not open.
void report_pii_keys(PiiKeyRepository& keys, const PiiCipher& pii, const std::string& config_path) {
  std::map<std::string, int64_t> census;
  try {
    census = keys.census();
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

net::ServerOptions server_options(const Config& cfg, std::string& err) {
  net::ServerOptions so;
  so.address = cfg.listen_address;
  so.port = cfg.listen_port;
  so.max_header_bytes = cfg.max_header_bytes;
  so.max_body_bytes = cfg.max_body_bytes;
  so.read_timeout = cfg.read_timeout;
  so.idle_timeout = cfg.idle_timeout;
  so.server_name = "cgw-gateway";
  if (cfg.listen_tls) {
    net::ServerTls tls;
    tls.cert_file = cfg.listen_tls->cert_file.string();
    tls.key_file = cfg.listen_tls->key_file.string();
    tls.client_ca_file = cfg.listen_tls->client_ca_file.string();
    tls.require_client_cert = cfg.listen_tls->require_client_cert;
    so.tls = net::make_server_tls(tls, err);
  }
  return so;
}

}  // namespace

void App::catch_startup_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_startup_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

App::App(Config config, AppOptions options)
    : options_(std::move(options)),
      ioc_(config.threads),
      svc_(std::make_unique<Services>(std::move(config), ioc_)),
      inventory_(std::make_unique<Inventory>(*svc_)),
      engine_(std::make_unique<ActivationEngine>(*svc_, tasks_)) {
  svc_->now = [clock = &svc_->clock] { return clock->now_ms(); };
  // Plugins sign requests with this clock and check the carriers' callback
  // timestamps against it: both compare with the carrier's real clock, so
  // it stays real even when the gateway runs a test clock
  // (docs/test-clock.md).
  set_host_clock([] { return HostClock::real_now_ms(); });
}

App::~App() {
  // Whatever run() returned from: no frame may outlive what it uses.
  stop_background_work();
}

int App::run() {
  raise_open_file_limit();
  if (svc_->clock.movable())
    spdlog::warn(
        "TEST CLOCK ON (environment: test): the gateway's time can be moved forward by "
        "POST /v1/test/clock, expiring reservations and firing polls and retries early; never "
        "run this configuration in production (docs/test-clock.md)");
  if (stop_requested() || !open_store() || stop_requested()) return exit_code_;
  if (!start_serving()) return exit_code_;
  start_background();
  serve();
  stop_background_work();
  spdlog::info("shutdown complete");
  spdlog::default_logger()->flush();
  return 0;
}

bool App::open_store() {
  const Config& cfg = svc_->config;
  auto pii = std::make_shared<const PiiCipher>(cfg.pii_key, cfg.pii_previous_keys);
  auto opened = open_configured_store(cfg, pii);
  if (!opened) {
    spdlog::critical("{}", opened.error().message);
    exit_code_ = 1;
    return false;
  }
  svc_->store = std::move(opened.value());
  report_pii_keys(*svc_->store.pii_keys, *pii, options_.config_path);
  if (stop_requested()) return false;
  if (svc_->store.fleet->shared()) return join_fleet();
  auto r = recover_interrupted_requests(svc_->store, svc_->now(),
                                        cfg.reservation_recovery_grace.count());
  if (r.keys > 0 || r.reservations > 0)
    spdlog::warn(
        "recovered from an unclean stop: {} idempotency keys freed, {} half-made reservations "
        "kept for a retry of their key, then their carrier locks released",
        r.keys, r.reservations);
  return true;
}

// A shared store: this process is a new instance. What a previous process
// (or any dead instance) left is recovered by the holder of the recovery
// lease once that instance's heartbeat has expired, never at start: the
// rows may be a live instance's.
bool App::join_fleet() {
  const Config& cfg = svc_->config;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  try {
    svc_->store.fleet->join(host, static_cast<int64_t>(getpid()), cfg.fleet_lease_ttl.count());
  } catch (const std::exception& e) {
    spdlog::critical("fleet: cannot register this instance: {}", e.what());
    exit_code_ = 1;
    return false;
  }
  joined_ = true;
  svc_->fleet.bind(*svc_->store.fleet);
  spdlog::info(
      "fleet: instance {} joined (host {}, pid {}); heartbeat every {} ms, dead after {} ms",
      svc_->store.fleet->instance_id(), host, getpid(), cfg.fleet_heartbeat.count(),
      cfg.fleet_lease_ttl.count());
  return true;
}

bool App::start_serving() {
  const Config& cfg = svc_->config;
  exit_code_ = 1;  // until the end of this function
  quotas_ = std::make_unique<TenantQuotas>(cfg.tenants);
  audit_ = std::make_unique<AuditLog>(cfg.audit_log_path);
  if (auto opened = audit_->open(); !opened) {
    spdlog::critical("{}", opened.error().message);
    return false;
  }
  webhooks_ = std::make_unique<WebhookDispatcher>(*svc_, tasks_);
  api_ = std::make_unique<HttpApi>(
      api::Deps{*svc_, inventory_->index, *engine_, quotas_.get(), audit_.get()});
  std::string err;
  net::ServerOptions so = server_options(cfg, err);
  if (!err.empty()) {
    spdlog::critical("{}", err);
    return false;
  }
  for (const auto& c : cfg.carriers)
    if (!c.tls_verify)
      spdlog::warn(
          "carrier={} TLS certificate verification is OFF (tls.verify: false): use only against "
          "a test carrier",
          c.id);
  server_ = std::make_unique<net::HttpServer>(
      ioc_, so, [api = api_.get(), svc = svc_.get()](net::Request& req, const net::Peer& peer) {
        return observed(*api, svc->metrics, req, peer);
      });
  if (auto lerr = server_->listen(); !lerr.empty()) {
    spdlog::critical("cannot listen: {}", lerr);
    return false;
  }
  base_url_ = std::string(so.tls ? "https://" : "http://") + cfg.listen_address + ":" +
              std::to_string(server_->port());
  exit_code_ = 0;
  if (stop_requested()) return false;
  if (!load_carriers(cfg.public_base_url.empty() ? base_url_ : cfg.public_base_url)) {
    spdlog::critical("a required carrier could not be loaded; exiting");
    exit_code_ = 1;
    return false;
  }
  if (stop_requested()) return false;
  if (svc_->carriers.empty()) spdlog::warn("no carrier plugin loaded: the API serves no carrier");
  // Search serves the stored inventory from the first request on; the sync
  // loops refresh it.
  svc_->store.numbers->set_hold_observer(&inventory_->index);
  // On a shared store, the feed of other instances' holds is positioned
  // before the index reads the store: no hold falls between the two.
  if (svc_->store.hold_feed) feed_positioned_ = position_change_feed(*svc_->store.hold_feed);
  for (const auto& [id, carrier] : svc_->carriers) {
    if (stop_requested()) return false;
    rebuild_number_index(*inventory_, id);
  }
  return !stop_requested();
}

// Loads every configured plugin; a refused one is logged and skipped unless
// the carrier is required. Returns false when a required carrier failed.
bool App::load_carriers(const std::string& callback_base) {
  for (const auto& cc : svc_->config.carriers) {
    auto carrier = load_carrier(cc, callback_base + "/v1/callbacks/" + cc.id, ioc_.get_executor());
    if (!carrier) {
      // Both refusals name the file.
      spdlog::error("plugin refused carrier={} code={} reason={}", cc.id, carrier.error().code,
                    carrier.error().message);
      if (cc.required) return false;
      continue;
    }
    const Carrier& loaded = *carrier.value();
    spdlog::info("plugin loaded carrier={} name={} version={} abi={} file={}", cc.id,
                 loaded.library().name, loaded.library().version, loaded.library().abi,
                 cc.plugin.string());
    carrier.value()->set_store(svc_->store.db.get());
    svc_->carriers.emplace(cc.id, std::move(carrier.value()));
  }
  return true;
}

void App::start_background() {
  for (auto& [id, carrier] : svc_->carriers)
    if (carrier->has(CGW_CAP_INVENTORY_SYNC)) svc_->fleet.want(inventory_sync_lease(id));
  svc_->fleet.want(kHousekeepingLease);
  if (joined_) {
    svc_->fleet.want(kRecoveryLease);
    // Before the loops ask for their leases.
    fleet_round(*svc_, *engine_, *quotas_);
    tasks_.spawn("fleet heartbeat", fleet_loop(*svc_, *engine_, *quotas_));
  }
  server_->start();
  engine_->start();
  webhooks_->start();
  for (auto& [id, carrier] : svc_->carriers) {
    // Counted before `ready` is set (no loop runs before serve()).
    const bool first = carrier->has(CGW_CAP_INVENTORY_SYNC) &&
                       !svc_->store.numbers->sync_state(id).last_full_sync_at_ms;
    if (first) ++svc_->first_syncs_pending;
    tasks_.spawn("inventory sync " + id, inventory_sync_loop(*inventory_, *carrier, first));
  }
  tasks_.spawn("housekeeping", housekeeping_loop(*svc_));
  tasks_.spawn("subscriber services", subscriber_services_loop(*svc_));
  if (svc_->store.hold_feed)
    tasks_.spawn("change feed",
                 change_feed_loop(*inventory_, *svc_->store.hold_feed, feed_positioned_));
  svc_->ready = true;
  spdlog::info("cgw-gateway listening on {} with {} carriers, store {}", base_url_,
               svc_->carriers.size(), store_description(svc_->config));
  std::cout << "cgw-gateway listening on " << base_url_ << std::endl;
  if (!options_.port_file.empty() && !write_port_file(options_.port_file, server_->port()))
    spdlog::error("cannot write port file {}", options_.port_file);
}

// Runs the I/O threads until a signal; then the stop sequence runs on this
// thread alone: cancelling a task (cancellation_signal::emit) is not
// thread-safe against that task running on another I/O thread.
void App::serve() {
  asio::signal_set signals(ioc_, SIGINT, SIGTERM);
  stop_timer_ = std::make_unique<asio::steady_timer>(ioc_);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    stop_signal_ = sig;
    ioc_.stop();
  });
  // A signal that came after the last start-up check, before the
  // signal_set took the signals over.
  if (g_stop_startup != 0) {
    signals.cancel();
    stop_signal_ = g_stop_startup;
    ioc_.stop();
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < svc_->config.threads; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
  if (stop_signal_ == 0) return;
  ioc_.restart();
  asio::post(ioc_, [this] { begin_stop(stop_signal_); });
  ioc_.run();  // until wait_stopped() stops it
}

// Steps 1 and 2 of the stop (app.hpp): nothing new, every task cancelled,
// one deadline for the tasks and the requests in flight.
void App::begin_stop(int sig) {
  spdlog::info("signal {}: draining {} connections, cancelling {} background tasks ({})", sig,
               server_->active_connections(), tasks_.running(), tasks_.describe_running());
  svc_->ready = false;
  svc_->stopping = true;
  engine_->stop();
  webhooks_->stop();
  server_->drain();
  tasks_.cancel_all();
  deadline_ = std::chrono::steady_clock::now() + svc_->config.shutdown_grace;
  wait_stopped();
}

// Polls every 20 ms until the requests and the tasks are done or the
// deadline passed; then the I/O threads stop.
void App::wait_stopped() {
  const bool idle = server_->active_connections() == 0 && tasks_.running() == 0;
  if (idle || std::chrono::steady_clock::now() >= deadline_) {
    if (tasks_.running() > 0)
      spdlog::warn("shutdown deadline: {} background tasks still running, cut off: {}",
                   tasks_.running(), tasks_.describe_running());
    else
      spdlog::info("background tasks ended");
    spdlog::info("stopped ({} connections left)", server_->active_connections());
    ioc_.stop();
    return;
  }
  stop_timer_->expires_after(std::chrono::milliseconds(20));
  stop_timer_->async_wait([this](const boost::system::error_code&) { wait_stopped(); });
}

void App::stop_background_work() {
  svc_->stopping = true;
  inventory_->sync_worker.join();
  inventory_->feed_worker.join();
  if (joined_) {
    // No task runs any more: the others may take over at once.
    joined_ = false;
    try {
      svc_->store.fleet->leave();
      spdlog::info("fleet: instance {} left; its leases are released",
                   svc_->store.fleet->instance_id());
    } catch (const std::exception& e) {
      spdlog::warn("fleet: cannot release this instance's leases ({}); they expire in {} ms",
                   e.what(), svc_->config.fleet_lease_ttl.count());
    }
  }
  if (svc_->store.db) svc_->store.db->stop_group_commit();
  ioc_.shutdown();
}

}  // namespace cgw::gw
