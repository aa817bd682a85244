#include "cgw/sim/sim_context.hpp"

#include <boost/json.hpp>

namespace cgw::sim {

namespace {
// Keeps the id stream independent of the pool stream for one seed.
constexpr uint64_t kIdStreamSalt = 0x9E3779B97F4A7C15ULL;

// FNV-1a 64 over the name, then splitmix64's finaliser so that names that
// differ in one character give unrelated seeds.
uint64_t mix_name(uint64_t seed, std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001B3ULL;
  uint64_t z = seed ^ h;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

thread_local SimContextCapture* t_capture = nullptr;

std::optional<int64_t> earliest(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}
}  // namespace

uint64_t id_stream_seed(uint64_t seed, std::string_view ns_name) {
  return ns_name.empty() ? seed ^ kIdStreamSalt : mix_name(seed ^ kIdStreamSalt, ns_name);
}

SimContextCapture::SimContextCapture() : previous_(t_capture) {
  t_capture = this;
}

SimContextCapture::~SimContextCapture() {
  t_capture = previous_;
}

SimContext::SimContext(boost::asio::any_io_executor executor, SimContextOptions options)
    : clock(options.fixed_clock_ms),
      ids(id_stream_seed(options.seed, "")),
      ledger(std::move(options.pool)),
      callbacks(executor, clock, std::move(options.signer), std::move(options.is_ack),
                options.callback_policy),
      ticker_(executor, options.tick_period, [this] { tick(); }),
      seed_(options.seed) {
  ledger.set_lifecycle(options.lifecycle);
  if (t_capture && !t_capture->captured_) t_capture->captured_ = this;
}

void SimContext::run_due_locked(std::vector<FiredTimer>* fired) {
  const int64_t now = clock.now_ms();
  for (const Reservation& r : ledger.expire_due(now))
    if (fired) fired->push_back(FiredTimer{now, "lock_expired", r.lock_id, r.number});
  const std::vector<Order> done = ledger.run_due(now);
  // Stage changes first (they include the ones requests made since the
  // last tick, e.g. a cancellation), then the final states.
  for (const StageChange& change : ledger.take_stage_changes()) {
    if (fired)
      fired->push_back(
          FiredTimer{change.at_ms, "order_stage", change.order.order_id, to_string(change.stage)});
    if (on_stage_) on_stage_(change);
  }
  for (const Order& order : done) {
    if (fired)
      fired->push_back(FiredTimer{now, "order_final", order.order_id, to_string(order.state)});
    if (on_final_) on_final_(order);
  }
  callbacks.tick();
}

void SimContext::tick() {
  // A clock step in progress runs the due work itself.
  std::unique_lock lock(step_mu_, std::try_to_lock);
  if (lock) run_due_locked(nullptr);
}

bool SimContext::step_toward(int64_t target_ms, std::vector<FiredTimer>& fired) {
  std::lock_guard lock(step_mu_);
  const int64_t now = clock.now_ms();
  const auto next = earliest(ledger.next_due_ms(), callbacks.next_due_ms());
  // Due work at or before `now` runs now; nothing due by the target: jump.
  const bool more = next && *next < target_ms;
  clock.set_ms(more ? std::max(*next, now) : target_ms);
  run_due_locked(&fired);
  return more && clock.now_ms() < target_ms;
}

void SimContext::start() {
  ticker_.start();
}

void SimContext::stop() {
  ticker_.stop();
  callbacks.stop();
}

bool SimContext::is_admin_target(std::string_view target) {
  return target == "/admin" || target.starts_with("/admin/") || target.starts_with("/admin?");
}

net::Response json_response(const net::Request& req, net::http::status status,
                            const boost::json::value& body) {
  return net::make_response(req, status, boost::json::serialize(body));
}

}  // namespace cgw::sim
