// cgw-sim: simulated carriers for QA and CI.
//
//   cgw-sim --config <file> [--ports-file <file>] [--state-dir <dir>]
//           [--log-level info]
//
// Exit codes: 0 after a clean stop (SIGINT/SIGTERM), 1 when a listener
// cannot start or a saved namespace (state_dir) cannot be restored, 2 for
// bad arguments or an invalid config.
#include "cgw/common/http_server.hpp"
#include "cgw/common/log_setup.hpp"
#include "cgw/sim/config.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "cgw/sim/mvno/mvno_simulator.hpp"
#include "cgw/sim/namespace_router.hpp"
#include "cgw/sim/simulator.hpp"
#include "cgw/sim/telecom/telecom_simulator.hpp"
#include "cgw/sim/unicom/unicom_simulator.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace sim = cgw::sim;
namespace net = cgw::net;

namespace {

using Factory = std::function<std::unique_ptr<sim::CarrierSimulator>(asio::any_io_executor,
                                                                     const sim::SimulatorConfig&)>;

// The carriers this build simulates. A new carrier (unicom, telecom, mvno)
// is a sibling folder of simulators/mobile plus one line here.
const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> kCarriers = {
      {"mobile",
       [](asio::any_io_executor ex, const sim::SimulatorConfig& c) {
         return std::make_unique<sim::mobile::MobileSimulator>(ex, sim::mobile::settings_from(c));
       }},
      {"mvno",
       [](asio::any_io_executor ex, const sim::SimulatorConfig& c) {
         return std::make_unique<sim::mvno::MvnoSimulator>(ex, sim::mvno::settings_from(c));
       }},
      {"unicom",
       [](asio::any_io_executor ex, const sim::SimulatorConfig& c) {
         return std::make_unique<sim::unicom::UnicomSimulator>(ex, sim::unicom::settings_from(c));
       }},
      {"telecom", [](asio::any_io_executor ex, const sim::SimulatorConfig& c) {
         return std::make_unique<sim::telecom::TelecomSimulator>(ex,
                                                                 sim::telecom::settings_from(c));
       }}};
  return kCarriers;
}

// What the config checks faults and callback chaos against (config.hpp).
sim::CarrierSpecs carrier_specs() {
  return {{"mobile", {sim::mobile::MobileSimulator::operation_names(), true}},
          {"mvno", {sim::mvno::MvnoSimulator::operation_names(), true}},
          {"unicom",
           {sim::unicom::UnicomSimulator::operation_names(),
            sim::unicom::UnicomSimulator::kSendsCallbacks}},
          {"telecom", {sim::telecom::TelecomSimulator::operation_names(), true}}};
}

struct Args {
  std::string config, ports_file, state_dir, log_level = "info";
};

int usage(const std::string& why) {
  std::cerr << "cgw-sim: " << why << "\n"
            << "usage: cgw-sim --config <file> [--ports-file <file>] [--state-dir <dir>] "
               "[--log-level info]\n";
  return 2;
}

// Returns 0 when parsed, else the exit code.
int parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--config")
      ok = value(a.config);
    else if (arg == "--ports-file")
      ok = value(a.ports_file);
    else if (arg == "--state-dir")
      ok = value(a.state_dir);
    else if (arg == "--log-level")
      ok = value(a.log_level);
    else if (arg == "--help" || arg == "-h")
      return usage("simulated carriers for QA and CI"), 2;
    else
      return usage("unknown argument '" + arg + "'");
    if (!ok) return usage(arg + " needs a value");
  }
  if (a.config.empty()) return usage("--config is required");
  return 0;
}

// Readers of the ports file never see a half-written file.
bool write_ports_file(const std::string& path, const boost::json::object& ports) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << boost::json::serialize(ports) << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

struct Running {
  std::unique_ptr<sim::CarrierSimulator> simulator;
  std::unique_ptr<net::HttpServer> server;
  std::string url;
};

// Drains the servers, then stops the io_context once the last connection
// is done (or after a 3 s grace period, so a stuck client cannot block exit).
asio::awaitable<void> shutdown(asio::io_context& ioc, std::vector<Running>& running) {
  for (auto& r : running) {
    r.server->drain();
    r.simulator->stop();
  }
  asio::steady_timer timer(ioc);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    size_t active = 0;
    for (auto& r : running) active += r.server->active_connections();
    if (active == 0 || std::chrono::steady_clock::now() >= deadline) break;
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  ioc.stop();
}

// Sets up one simulator and its listener; false (logged) when it cannot.
bool start_listener(asio::io_context& ioc, const sim::SimulatorConfig& sc,
                    const std::filesystem::path& state_dir, Running& r) {
  try {
    sim::RouterOptions options;
    options.state_dir = state_dir;
    r.simulator = std::make_unique<sim::NamespaceRouter>(registry().at(sc.carrier),
                                                         ioc.get_executor(), sc, options);
  } catch (const std::exception& e) {
    spdlog::error("{}: cannot set up the simulator: {}", sc.carrier, e.what());
    return false;
  }
  net::ServerOptions opts;
  opts.address = sc.address;
  opts.port = sc.port;
  opts.server_name = "cgw-sim";
  opts.max_body_bytes = 4 * 1024 * 1024;  // room for base64 portraits
  if (!sc.tls_cert_pem.empty()) {
    std::string err;
    net::ServerTls tls;
    tls.cert_pem = sc.tls_cert_pem;
    tls.key_pem = sc.tls_key_pem;
    tls.cert_file = tls.key_file = "(" + sc.carrier + " tls)";
    opts.tls = net::make_server_tls(tls, err);
    if (!opts.tls) {
      spdlog::error("{}: {}", sc.carrier, err);
      return false;
    }
  }
  r.server = std::make_unique<net::HttpServer>(ioc, opts, r.simulator->handler());
  if (auto err = r.server->listen(); !err.empty()) {
    spdlog::error("{}: cannot listen: {}", sc.carrier, err);
    return false;
  }
  const bool v6 = sc.address.find(':') != std::string::npos;
  r.url = std::string(opts.tls ? "https://" : "http://") +
          (v6 ? "[" + sc.address + "]" : sc.address) + ":" + std::to_string(r.server->port());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (int rc = parse_args(argc, argv, args)) return rc;
  if (!cgw::init_logging("cgw-sim", args.log_level))
    return usage("unknown log level '" + args.log_level + "'");

  std::vector<std::string> known;
  for (const auto& [name, factory] : registry()) known.push_back(name);
  auto loaded = sim::load_config(args.config, known, carrier_specs());
  if (!loaded.ok()) {
    std::cerr << "cgw-sim: invalid config: " << loaded.error << "\n";
    return 2;
  }
  sim::SimConfig& cfg = loaded.config;
  if (!args.state_dir.empty()) cfg.state_dir = args.state_dir;  // the flag wins

  asio::io_context ioc(cfg.threads);
  std::vector<Running> running;
  boost::json::object ports;
  for (const auto& sc : cfg.simulators) {
    Running r;
    if (!start_listener(ioc, sc, cfg.state_dir, r)) return 1;
    ports[sc.carrier] = r.server->port();
    running.push_back(std::move(r));
  }

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signo);
    asio::co_spawn(ioc, shutdown(ioc, running), asio::detached);
  });

  for (size_t i = 0; i < running.size(); ++i) {
    running[i].simulator->start();
    running[i].server->start();
    std::cout << "cgw-sim: " << running[i].simulator->carrier() << " listening on "
              << running[i].url << std::endl;
  }
  if (!args.ports_file.empty() && !write_ports_file(args.ports_file, ports)) {
    spdlog::error("cannot write the ports file {}", args.ports_file);
    return 1;
  }

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  spdlog::info("stopped");
  return 0;
}
