// cgw-conformance: runs a carrier plugin through the gateway's own plugin
// host against a carrier (simulator) and reports what the plugin gets right.
//
//   cgw-conformance --plugin <so> --settings <yaml> --base-url <url>
//                   [--sim-admin <url>] [--only <check>[,<check>...]] [--log-level error]
//   cgw-conformance --describe <so>
//   cgw-conformance --list
//
// Output: one line per check, "PASS|FAIL|SKIP <check> — detail", then
// "N passed, N failed, N skipped". Exit code 0 when nothing failed, 1 when a
// check failed, 2 for bad arguments or settings.
#include "suite.hpp"

#include "cgw/common/log_setup.hpp"
#include "cgw/common/secret_ref.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <iostream>
#include <sstream>

namespace conf = cgw::conformance;
namespace gw = cgw::gw;
namespace asio = boost::asio;

namespace {

int usage(const std::string& why) {
  std::cerr << "cgw-conformance: " << why << "\n"
            << "usage: cgw-conformance --plugin <so> --settings <yaml> --base-url <url>\n"
            << "                       [--sim-admin <url>] [--only <check>[,<check>...]]\n"
            << "                       [--log-level error]\n"
            << "       cgw-conformance --describe <so>\n"
            << "       cgw-conformance --list\n";
  return 2;
}

std::string capability_names(uint64_t caps) {
  static const std::pair<uint64_t, const char*> kNames[] = {
      {CGW_CAP_PLANS, "plans"},
      {CGW_CAP_INVENTORY_SYNC, "inventory_sync"},
      {CGW_CAP_RESERVE, "reserve"},
      {CGW_CAP_KYC, "kyc"},
      {CGW_CAP_ACTIVATION, "activation"},
      {CGW_CAP_CALLBACKS, "callbacks"},
      {CGW_CAP_FULFILMENT, "fulfilment"},
      {CGW_CAP_CANCEL, "cancel"},
      {CGW_CAP_SUBSCRIBER_QUERY, "subscriber_query"},
      {CGW_CAP_RECHARGE, "recharge"},
      {CGW_CAP_SIM_REPLACE, "sim_replace"},
      {CGW_CAP_SUSPEND, "suspend"}};
  std::string out;
  for (const auto& [bit, name] : kNames)
    if (caps & bit) out += (out.empty() ? "" : " ") + std::string(name);
  return out.empty() ? "(none)" : out;
}

std::string descriptor(const gw::PluginLibrary& lib) {
  const cgw_plugin_v1* t = lib.table;
  std::string kinds;
  if (t->carrier_kinds & CGW_CARRIER_MNO) kinds += "mno";
  if (t->carrier_kinds & CGW_CARRIER_MVNO) kinds += kinds.empty() ? "mvno" : " mvno";
  std::ostringstream s;
  s << "name " << lib.name << ", version " << lib.version << ", abi " << lib.abi
    << ", carrier kinds " << (kinds.empty() ? "(none)" : kinds) << ", capabilities "
    << capability_names(t->capabilities);
  return s.str();
}

int describe_only(const std::string& path) {
  auto loaded = gw::load_plugin(path, gw::host_table());
  if (!loaded) {
    std::cerr << "cgw-conformance: refused: " << loaded.error().message << "\n";
    return 1;
  }
  const auto& lib = loaded.value();
  std::cout << "file: " << path << "\n"
            << "name: " << lib->name << "\n"
            << "version: " << lib->version << "\n"
            << "abi: " << lib->abi << "\n"
            << "struct_size: " << lib->table->struct_size << "\n"
            << "carrier_kinds: " << lib->table->carrier_kinds << "\n"
            << "capabilities: " << capability_names(lib->table->capabilities) << "\n";
  return 0;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

bool known_check_or_group(const std::string& name) {
  for (auto c : conf::all_checks())
    if (c == name || (c.starts_with(name) && c[name.size()] == '.')) return true;
  return false;
}

// The settings block, with {file: ...} references relative to its file.
bool load_settings(const std::string& file, YAML::Node& out, std::string& why) {
  try {
    out = YAML::LoadFile(file);
  } catch (const std::exception& e) {
    why = file + ": " + e.what();
    return false;
  }
  if (out.IsNull()) out = YAML::Node(YAML::NodeType::Map);
  if (!out.IsMap()) {
    why = file + ": the settings block must be a mapping";
    return false;
  }
  const auto base = std::filesystem::absolute(file).parent_path();
  if (auto err = cgw::resolve_secret_refs(out, base); !err.empty()) {
    why = file + ": " + err;
    return false;
  }
  return true;
}

conf::Awaitable run_all(conf::Suite& suite) {
  co_await conf::check_instance(suite);
  if (!suite.carrier) co_return;
  suite.listener.attach(suite.carrier.get());
  if (suite.runner.any_selected("plans")) co_await conf::check_plans(suite);
  if (suite.runner.any_selected("inventory")) co_await conf::check_inventory(suite);
  if (suite.runner.any_selected("number")) co_await conf::check_reserve(suite);
  if (suite.runner.any_selected("inventory.changes")) co_await conf::check_change_feed(suite);
  if (suite.runner.any_selected("kyc")) co_await conf::check_kyc(suite);
  co_await conf::check_activation(suite);
  // After-sales on the line the activation order opened; the lifecycle
  // checks last, so that a first top-up the recharge caused is seen.
  co_await conf::check_subscriber(suite);
  co_await conf::check_lifecycle(suite);
  co_await conf::check_transport(suite);
  co_await conf::check_sim_faults(suite);
  if (suite.runner.selected("errors.no_pii")) conf::check_no_pii(suite);
}

// Drains both servers, then stops the loop once their connections are gone.
conf::Awaitable shut_down(asio::io_context& ioc, conf::CallbackListener& listener,
                          conf::FaultProxy& proxy) {
  listener.attach(nullptr);
  listener.drain();
  proxy.drain();
  for (int i = 0; i < 60 && listener.active_connections() + proxy.active_connections() > 0; ++i)
    co_await conf::sleep_ms(50);
  co_await conf::sleep_ms(50);  // let the accept loops see their acceptors close
  ioc.stop();
}

}  // namespace

int main(int argc, char** argv) {
  conf::Options opt;
  std::string describe_path, log_level = "error";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string only;
    bool ok = true;
    if (a == "--plugin")
      ok = value(opt.plugin);
    else if (a == "--settings")
      ok = value(opt.settings_file);
    else if (a == "--base-url")
      ok = value(opt.base_url);
    else if (a == "--sim-admin")
      ok = value(opt.sim_admin);
    else if (a == "--describe")
      ok = value(describe_path);
    else if (a == "--log-level")
      ok = value(log_level);
    else if (a == "--only") {
      ok = value(only);
      for (auto& o : split_commas(only)) {
        if (!known_check_or_group(o)) return usage("unknown check '" + o + "' (see --list)");
        opt.only.push_back(o);
      }
    } else if (a == "--list") {
      for (auto c : conf::all_checks()) std::cout << c << "\n";
      return 0;
    } else if (a == "--help" || a == "-h") {
      return usage("conformance checks for cgw carrier plugins");
    } else {
      return usage("unknown argument '" + a + "'");
    }
    if (!ok) return usage(a + " needs a value");
  }
  if (!cgw::init_logging("cgw-conformance", log_level))
    return usage("unknown log level '" + log_level + "'");
  if (!describe_path.empty()) return describe_only(describe_path);
  if (opt.plugin.empty() || opt.settings_file.empty() || opt.base_url.empty())
    return usage("--plugin, --settings and --base-url are required");
  while (!opt.base_url.empty() && opt.base_url.back() == '/') opt.base_url.pop_back();
  while (!opt.sim_admin.empty() && opt.sim_admin.back() == '/') opt.sim_admin.pop_back();

  YAML::Node settings;
  std::string why;
  if (!load_settings(opt.settings_file, settings, why)) return usage(why);

  conf::Runner runner(opt.only);
  auto loaded = gw::load_plugin(opt.plugin, gw::host_table());
  if (!loaded) {
    runner.fail("load", "refused by the gateway's loader: " + loaded.error().message);
    runner.print_summary();
    return 1;
  }
  const auto& library = loaded.value();
  runner.pass("load", descriptor(*library));

  asio::io_context ioc(1);
  conf::CallbackListener listener(ioc);
  conf::FaultProxy proxy(ioc, opt.base_url);
  for (auto err : {listener.listen(), proxy.listen()})
    if (!err.empty()) {
      std::cerr << "cgw-conformance: cannot listen on 127.0.0.1: " << err << "\n";
      return 2;
    }
  listener.start();
  proxy.start();

  conf::Suite suite{runner, opt, ioc.get_executor(), library, settings, listener, proxy};
  bool kit_failed = false;
  asio::co_spawn(ioc, run_all(suite), [&](std::exception_ptr e) {
    if (e) {
      // A bug of the kit, not a verdict on the plugin: say so, fail the run.
      kit_failed = true;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "cgw-conformance: internal error: " << ex.what() << "\n";
      } catch (...) {
        std::cerr << "cgw-conformance: internal error\n";
      }
    }
    asio::co_spawn(ioc, shut_down(ioc, listener, proxy), asio::detached);
  });
  ioc.run();
  runner.print_summary();
  if (kit_failed) return 1;
  return runner.failed() > 0 ? 1 : 0;
}
