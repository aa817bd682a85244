// What one carrier simulator is made of, whatever its protocol: the
// simulated clock, the id generator, the ledger, the request journal, the
// callback sender, the periodic "due work" and the admin API. A carrier
// (simulators/<carrier>/) adds its protocol on top.
//
// Time: business logic uses clock.now_ms() (simulated). The carrier's
// signature window uses clock.wall_ms(): partners sign with their real
// clock, and advancing the simulated clock (to expire a lock, say) must not
// make every later request "stale".
#pragma once

#include "cgw/common/http_server.hpp"
#include "cgw/sim/callback_sender.hpp"
#include "cgw/sim/clock.hpp"
#include "cgw/sim/ledger.hpp"
#include "cgw/sim/request_journal.hpp"
#include "cgw/sim/rng.hpp"
#include "cgw/sim/ticker.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace cgw::sim {

struct SimContextOptions {
  uint64_t seed = 42;
  std::vector<NumberRecord> pool;
  CallbackSigner signer;
  AckPredicate is_ack;
  CallbackPolicy callback_policy;
  std::chrono::milliseconds tick_period{100};
  std::optional<int64_t> fixed_clock_ms;  // tests: a clock that only moves by advance()
};

class SimContext {
 public:
  // Called once per order reaching SUCCESS or FAILED (e.g. to send the
  // callback). Set it before start() and before serving requests.
  using FinalHook = std::function<void(const Order&)>;

  SimContext(boost::asio::any_io_executor executor, SimContextOptions options);

  SimClock clock;
  SeededRng ids;  // seeded apart from the pool so ids do not shift the pool
  Ledger ledger;
  RequestJournal journal;
  CallbackSender callbacks;

  void set_final_hook(FinalHook hook) { on_final_ = std::move(hook); }
  // Due work: lock expiry, order completion (and the hook), callback sends.
  void tick();
  void start();
  void stop();

  // The unsigned admin API for tests (paths under /admin). Never exposes ID
  // numbers or names: the ledger does not hold them.
  static bool is_admin_target(std::string_view target);
  net::Response handle_admin(const net::Request& req);

 private:
  FinalHook on_final_;
  Ticker ticker_;
};

// A JSON response with the given status.
net::Response json_response(const net::Request& req, net::http::status status,
                            const boost::json::value& body);

}  // namespace cgw::sim
