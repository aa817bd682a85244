// Namespaces: isolated copies of one carrier simulator on one port, so that
// test runs sharing a cgw-sim do not see each other's locks, orders, clock,
// faults or callbacks.
//
//   POST   /admin/namespaces {"name":"t1","seed":7}  a fresh instance, made by
//                                                    the same factory
//   GET    /admin/namespaces                         the list
//   DELETE /admin/namespaces/<name>                  removes one (DELETE
//                                                    /admin/namespaces: all)
//   /ns/<name>/...          served by that namespace, prefix stripped
//   /ns/<name>/admin/...    that namespace's admin API
//   POST /admin/reset, /ns/<name>/admin/reset
//                           the instance as at a fresh start (namespace_reset.cpp)
//   POST /ns/<name>/admin/state/save
//                           saves a namespace created with "persist": true
//                           (namespace_persist.cpp)
//   anything else           the default instance (built from the config)
//
// A carrier sees the target without /ns/<name> and verifies its signature
// over that. The prefix is in the request header kNamespacePrefixHeader
// (set by the router only), for a carrier that also accepts signatures over
// the target as sent (target_as_sent), as the mobile and mvno simulators do.
//
// The router is itself a CarrierSimulator, so cgw-sim serves it in place of
// the carrier.
#pragma once

#include "cgw/sim/config.hpp"
#include "cgw/sim/sim_instance.hpp"
#include "cgw/sim/simulator.hpp"
#include "cgw/sim/ticker.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw::sim {

inline constexpr std::string_view kNamespacePrefixHeader = "X-Cgw-Sim-Namespace-Prefix";

// prefix + target for a request the router forwarded to a namespace;
// req.target() for any other.
std::string target_as_sent(const net::Request& req);

struct RouterOptions {
  size_t max_namespaces = 64;
  // Saved namespaces live in <state_dir>/<carrier>/<name>.json; empty: none
  // can be saved. The router recreates those it finds when it is built.
  std::filesystem::path state_dir{};
  // How often saved namespaces are checked for changes (and written when
  // changed).
  std::chrono::milliseconds save_period{1'000};
};

// The format of a saved namespace's file ("format" and "version" in it).
inline constexpr std::string_view kNamespaceFileFormat = "cgw-sim-namespace";
inline constexpr int kNamespaceFileVersion = 1;

class NamespaceRouter final : public CarrierSimulator {
 public:
  // Builds the default instance from `config` (throws what the factory
  // throws), then the namespaces saved in options.state_dir; a saved file
  // that cannot be read or restored throws std::runtime_error naming the
  // file and the field.
  NamespaceRouter(SimulatorFactory factory, boost::asio::any_io_executor executor,
                  SimulatorConfig config, RouterOptions options = {});
  ~NamespaceRouter() override;

  std::string_view carrier() const override { return root_ptr()->simulator().carrier(); }
  net::Handler handler() override;
  void start() override;
  void stop() override;
  std::string operation_of(const net::Request& req) const override;
  std::vector<std::string> operations() const override {
    return root_ptr()->simulator().operations();
  }
  bool sends_callbacks() const override { return root_ptr()->simulator().sends_callbacks(); }
  net::Response business_error(const net::Request& req, std::string_view code) const override;

  // The default instance now (POST /admin/reset replaces it).
  SimInstance& root() { return *root_ptr(); }
  std::shared_ptr<SimInstance> root_ptr() const;
  std::shared_ptr<SimInstance> find(std::string_view name) const;
  size_t namespace_count() const;

 private:
  struct Namespace {
    std::shared_ptr<SimInstance> instance;
    uint64_t seed = 0;
    SimulatorConfig config;  // what it was made from (a reset makes it again)
    // Saved to a file (namespace_persist.cpp): the POST's body (the
    // overrides), and the state last written, so that an unchanged
    // namespace is not written again.
    bool persist = false;
    boost::json::object create{};
    std::string saved{};
  };
  boost::asio::awaitable<net::Response> route(net::Request& req, net::Peer peer);
  net::Response handle_namespaces(const net::Request& req, const std::string& path);
  net::Response create_namespace(const net::Request& req);
  // POST /admin/reset of the default instance (`name` "") or of a namespace.
  net::Response reset(const net::Request& req, const std::string& name);
  void retire(std::shared_ptr<SimInstance> inst);  // mu_ held
  void prune_retired();                            // mu_ held
  // ---- saved namespaces (namespace_persist.cpp) ----
  std::filesystem::path state_file(std::string_view name) const;
  void load_saved();  // throws std::runtime_error
  // Writes the namespace's file when its state differs from the last one
  // written (always with `force`); "" or what went wrong. save_mu_ held.
  std::string save(const std::string& name, bool force);
  void save_changed();                             // every persisted namespace; takes save_mu_
  std::string remove_file(std::string_view name);  // save_mu_ held
  net::Response handle_save(const net::Request& req, const std::string& name);

  SimulatorFactory factory_;
  boost::asio::any_io_executor executor_;
  const SimulatorConfig config_;
  const RouterOptions options_;
  std::shared_ptr<SimInstance> root_;  // written with mu_ and root_mu_ held
  mutable std::mutex mu_;
  // Guards reads of root_ from anywhere (carrier() is called with mu_ held).
  mutable std::mutex root_mu_;
  std::map<std::string, Namespace, std::less<>> namespaces_;
  // Removed namespaces are destroyed a while later, once no request uses
  // them, so that no periodic tick of theirs can still be running.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<SimInstance>>>
      retired_;
  bool started_ = false, stopped_ = false;
  // Taken before mu_ by whatever writes or removes a saved file, so a
  // deleted namespace's file is never written again.
  std::mutex save_mu_;
  std::unique_ptr<Ticker> saver_;  // save_changed() every save_period
};

}  // namespace cgw::sim
