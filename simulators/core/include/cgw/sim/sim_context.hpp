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
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

struct SimContextOptions {
  uint64_t seed = 42;
  std::vector<NumberRecord> pool;
  CallbackSigner signer;
  AckPredicate is_ack;
  CallbackPolicy callback_policy;
  std::chrono::milliseconds tick_period{100};
  std::optional<int64_t> fixed_clock_ms;  // tests: a clock that only moves by advance()
  LifecycleSettings lifecycle;            // the ledger's (SimulatorConfig::lifecycle)
};

// The seed of the id stream (order, lock, event ids) of the instance
// `ns_name` ("" for the default instance) with config seed `seed`. The
// default instance keeps the stream it always had; a namespace mixes its
// name in, so two namespaces created with the same seed give different
// carrier order ids (each still the same in every run).
uint64_t id_stream_seed(uint64_t seed, std::string_view ns_name);

// One piece of due work that a clock advance ran, for its reply.
struct FiredTimer {
  int64_t at_ms = 0;   // simulated time it ran at
  std::string kind;    // lock_expired, order_stage, order_final, callback_attempt
  std::string id;      // lock id, order id or event id
  std::string detail;  // order stage or state, or the attempt's HTTP status / error
};

// A clock advance runs at most this many steps (distinct due times); past
// that the clock jumps to the target and runs the rest at once.
inline constexpr size_t kMaxClockSteps = 10'000;

class SimContext {
 public:
  // Called once per order reaching SUCCESS or FAILED (e.g. to send the
  // callback). Set it before start() and before serving requests.
  using FinalHook = std::function<void(const Order&)>;
  // Called once per stage change of an order (Ledger::take_stage_changes),
  // in order: a carrier that reports the lifecycle sends its callbacks
  // from here (and usually sets no final hook).
  using StageHook = std::function<void(const StageChange&)>;
  // Called when the carrier itself suspends or resumes a line (the admin
  // API's POST /admin/lines/{msisdn}/suspend|resume), for a carrier that
  // reports such events by callback.
  using LineHook = std::function<void(const Line&)>;

  SimContext(boost::asio::any_io_executor executor, SimContextOptions options);

  SimClock clock;
  SeededRng ids;  // seeded apart from the pool so ids do not shift the pool
  Ledger ledger;
  RequestJournal journal;
  CallbackSender callbacks;

  void set_final_hook(FinalHook hook) { on_final_ = std::move(hook); }
  void set_stage_hook(StageHook hook) { on_stage_ = std::move(hook); }
  void set_line_hook(LineHook hook) { on_line_ = std::move(hook); }
  void notify_line_change(const Line& line) {
    if (on_line_) on_line_(line);
  }
  // Due work: lock expiry, order completion (and the hook), callback sends.
  // Skipped while a clock move (step_toward) runs the due work itself.
  void tick();
  void start();
  void stop();

  // The unsigned admin API for tests (paths under /admin). Never exposes ID
  // numbers or names: the ledger does not hold them. Serves state, clock,
  // requests, callbacks and callback-chaos (docs/simulators-admin.yaml).
  static bool is_admin_target(std::string_view target);
  net::Response handle_admin(const net::Request& req);

  uint64_t seed() const { return seed_; }

  // One step of moving the clock forward to `target_ms`: the clock moves to
  // the earliest due time (a lock expiry, an order's end, a callback
  // attempt), or to `target_ms` when nothing is due before it, and what is
  // due then runs (recorded in `fired`). Returns false once the clock is at
  // `target_ms`. Stepping makes each piece of due work happen at its own
  // simulated time and in time order, e.g. a callback's eventTime is the
  // order's due time, and a retry is due after the attempt before it.
  bool step_toward(int64_t target_ms, std::vector<FiredTimer>& fired);

 private:
  void run_due_locked(std::vector<FiredTimer>* fired);  // step_mu_ held

  FinalHook on_final_;
  StageHook on_stage_;
  LineHook on_line_;
  Ticker ticker_;
  uint64_t seed_;
  // Held while due work runs, so the periodic tick never takes a step's
  // work (and the step's report stays complete).
  std::mutex step_mu_;
};

// For the simulator kit (SimInstance): while a capture lives on a thread,
// the first SimContext constructed on that thread is recorded in it. This is
// how the kit finds the context of a carrier built by a registry factory,
// without any code in the carrier.
class SimContextCapture {
 public:
  SimContextCapture();
  ~SimContextCapture();
  SimContextCapture(const SimContextCapture&) = delete;
  SimContextCapture& operator=(const SimContextCapture&) = delete;
  SimContext* captured() const { return captured_; }

 private:
  friend class SimContext;
  SimContext* captured_ = nullptr;
  SimContextCapture* previous_;
};

// A JSON response with the given status.
net::Response json_response(const net::Request& req, net::http::status status,
                            const boost::json::value& body);

}  // namespace cgw::sim
