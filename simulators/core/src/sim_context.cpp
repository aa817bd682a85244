#include "cgw/sim/sim_context.hpp"

#include <boost/json.hpp>

namespace cgw::sim {

namespace {
// Keeps the id stream independent of the pool stream for one seed.
constexpr uint64_t kIdStreamSalt = 0x9E3779B97F4A7C15ULL;
}  // namespace

SimContext::SimContext(boost::asio::any_io_executor executor, SimContextOptions options)
    : clock(options.fixed_clock_ms),
      ids(options.seed ^ kIdStreamSalt),
      ledger(std::move(options.pool)),
      callbacks(executor, clock, std::move(options.signer), std::move(options.is_ack),
                options.callback_policy),
      ticker_(executor, options.tick_period, [this] { tick(); }) {}

void SimContext::tick() {
  for (const Order& order : ledger.run_due(clock.now_ms()))
    if (on_final_) on_final_(order);
  callbacks.tick();
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
