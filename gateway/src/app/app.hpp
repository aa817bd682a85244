// The running gateway: owns every part in the order of creation (the
// io_context, the shared services with store and carriers, the background
// tasks, the inventory with its search index, the activation engine, the
// webhook dispatcher, quotas and audit log, the API and the HTTP server) and
// hands each part what it uses; it stops them in reverse (docs/architecture.md, "Stopping"):
//   1. stop accepting: /readyz 503, the listener closes, idle connections
//      close, the engine and the dispatcher start nothing new;
//   2. cancel every background task (inventory sync, activation drives and
//      polls, webhook deliveries, housekeeping with the release queue) and
//      wait, until limits.shutdown_grace_ms after the signal, for them and
//      for the requests in flight to end; what is still running then is
//      logged and cut like a crash would cut it;
//   3. the sync worker and group commit end, the frames still suspended are
//      destroyed, then the server, the API, the dispatcher, the engine, the
//      carriers (plugin instances) and the store close, in that order.
#pragma once

#include "core/background_tasks.hpp"
#include "core/config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include <memory>
#include <string>

namespace cgw::net {
class HttpServer;
}

namespace cgw::gw {

struct Services;
struct Inventory;
class ActivationEngine;
class AuditLog;
class HttpApi;
class TenantQuotas;
class WebhookDispatcher;

// The io_context with its protected execution_context::shutdown() exposed:
// it destroys the handlers still queued (among them the frames of
// coroutines still suspended) while everything they use is alive, and
// keeps the services, so timers and sockets destroyed later stay valid. A
// second call, as ~io_context makes, finds nothing left.
struct GatewayIo : boost::asio::io_context {
  using boost::asio::execution_context::shutdown;
  using boost::asio::io_context::io_context;
};

struct AppOptions {
  std::string config_path;  // for messages that tell the operator what to run
  std::string port_file;    // "" for none: {"port": N} once listening
};

class App {
 public:
  App(Config config, AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Starts everything, serves until SIGINT/SIGTERM, stops in order.
  // The process exit code: 0 after a signal (at any point), 1 when start-up
  // failed.
  int run();

  // A plain handler for SIGINT/SIGTERM until the I/O loop takes the signals
  // over: main() installs it first thing, start-up checks it between steps.
  static void catch_startup_signals();

 private:
  // Start-up, step by step; false: stop (`exit_code_` says why).
  bool open_store();
  bool join_fleet();
  bool start_serving();
  bool load_carriers(const std::string& callback_base);
  void start_background();
  void serve();
  void begin_stop(int signal);
  void wait_stopped();
  // Once no I/O thread runs: the sync worker and the group commit end, then
  // every frame still suspended is destroyed. Repeating it does nothing.
  void stop_background_work();

  AppOptions options_;
  GatewayIo ioc_;  // first: everything below uses it
  std::unique_ptr<Services> svc_;
  BackgroundTasks tasks_{ioc_};
  std::unique_ptr<Inventory> inventory_;
  std::unique_ptr<ActivationEngine> engine_;
  std::unique_ptr<WebhookDispatcher> webhooks_;
  std::unique_ptr<TenantQuotas> quotas_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<net::HttpServer> server_;
  std::string base_url_;
  int exit_code_ = 0;
  bool feed_positioned_ = false;  // the change feed, before the first index build
  bool joined_ = false;           // registered as an instance of a shared store
  std::chrono::steady_clock::time_point deadline_;
  int stop_signal_ = 0;  // set on an I/O thread, read after they are joined
  std::unique_ptr<boost::asio::steady_timer> stop_timer_;
};

}  // namespace cgw::gw
