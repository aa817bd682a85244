// One carrier simulator as the simulator kit serves it: the carrier's own
// handler (CarrierSimulator::handler) wrapped with
//   - fault injection per operation (fault_injector.hpp), never on /admin
//     or /healthz, with the operation and fault written into the request
//     journal;
//   - /admin/faults (GET, POST, DELETE, DELETE /admin/faults/<id>);
//   - POST /admin/clock that steps through due work and awaits each step's
//     callback attempts, so retries happen at their own simulated times.
// Every other /admin path goes to the carrier (SimContext::handle_admin).
// NamespaceRouter holds one SimInstance per namespace.
#pragma once

#include "cgw/common/http_server.hpp"
#include "cgw/sim/config.hpp"
#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/sim_context.hpp"
#include "cgw/sim/simulator.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace cgw::sim {

// What cgw-sim's registry holds per carrier.
using SimulatorFactory = std::function<std::unique_ptr<CarrierSimulator>(
    boost::asio::any_io_executor, const SimulatorConfig&)>;

// "" when `chaos` can apply to `sim`; else why not (a carrier without
// callbacks).
std::string check_callback_chaos(const CarrierSimulator& sim, const CallbackChaos& chaos);

// How long a clock move waits for one step's callback attempts to answer.
inline constexpr int64_t kCallbackSettleLimitMs = 30'000;

class SimInstance : public std::enable_shared_from_this<SimInstance> {
 public:
  // Builds the carrier with `factory` (which may throw), finds the
  // SimContext it made (SimContextCapture) and applies config.faults and
  // config.callback_chaos. Throws std::invalid_argument for bad faults.
  // `ns_name` is the namespace's name ("" for the default instance): it
  // seeds the id stream (id_stream_seed).
  static std::shared_ptr<SimInstance> create(const SimulatorFactory& factory,
                                             boost::asio::any_io_executor executor,
                                             const SimulatorConfig& config,
                                             const std::string& ns_name = "");
  SimInstance(const SimInstance&) = delete;
  SimInstance& operator=(const SimInstance&) = delete;

  CarrierSimulator& simulator() { return *sim_; }
  // Null when the carrier keeps no SimContext: then faults still apply, but
  // time windows use the real clock and nothing is journaled by the kit.
  SimContext* context() { return ctx_; }
  FaultInjector& faults() { return faults_; }
  uint64_t seed() const { return seed_; }

  // For a saved namespace (instance_snapshot.cpp): the ledger, clock, id
  // stream, faults with their counters, callback chaos, pending callbacks
  // and the carrier's own state, as JSON; and back into an instance just
  // created from the same config ("" or what is wrong, naming the field).
  // The request journal and the callback journal are not kept.
  boost::json::object snapshot() const;
  std::string restore(const boost::json::object& snap);

  boost::asio::awaitable<net::Response> serve(net::Request& req, net::Peer peer);
  void start();
  void stop();  // also ends pending latency and timeout faults early

 private:
  SimInstance(std::unique_ptr<CarrierSimulator> sim, SimContext* ctx, uint64_t seed);
  boost::asio::awaitable<net::Response> serve_with_fault(net::Request& req, const net::Peer& peer,
                                                         const std::string& operation,
                                                         const FaultRule& fault);
  boost::asio::awaitable<net::Response> move_clock(const net::Request& req);
  boost::asio::awaitable<void> sleep_ms(int64_t ms);  // real time; ends early on stop()
  boost::asio::awaitable<void> callbacks_settled();
  net::Response handle_faults(const net::Request& req, const std::string& path);
  int64_t now_ms() const;
  std::string restore_faults(const boost::json::object& saved);

  std::unique_ptr<CarrierSimulator> sim_;
  SimContext* ctx_;
  net::Handler inner_;
  FaultInjector faults_;
  const uint64_t seed_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> moving_clock_{false};
};

}  // namespace cgw::sim
