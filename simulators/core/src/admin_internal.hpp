// Helpers shared by the admin API of SimContext (admin_api.cpp,
// admin_clock.cpp) and the kit's wrappers (sim_instance.cpp,
// namespace_router.cpp). Private to cgw_sim_core.
#pragma once

#include "cgw/sim/config.hpp"
#include "cgw/sim/sim_context.hpp"

#include <boost/json.hpp>
#include <boost/url/url_view.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim::admin {

// A namespace's name: 1-64 characters of A-Z, a-z, 0-9, '-' and '_'.
bool valid_namespace_name(std::string_view name);
// Applies the optional overrides of POST /admin/namespaces (seed,
// pool_size, delays, faults, callback_chaos...) to `c`; "" or what is
// wrong. "name" and "persist" are allowed and left to the caller.
std::string read_overrides(const boost::json::object& o, SimulatorConfig& c);

net::Response error(const net::Request& req, net::http::status st, std::string_view message);
// The path of a target without its query ("" when malformed).
std::string path_of(std::string_view target);
// The body as JSON; nullopt (and `err` set) when it is not valid JSON.
std::optional<boost::json::value> parse_body(const net::Request& req, std::string& err);

// POST /admin/clock {"freeze":bool, "set_ms":N | "advance_ms":N}
struct ClockCommand {
  std::optional<bool> freeze;
  std::optional<int64_t> set_ms, advance_ms;
};
// "" or what is wrong; checks `set_ms` against the clock's present.
std::string parse_clock_command(const net::Request& req, const SimClock& clock, ClockCommand& out);
boost::json::object clock_json(const SimClock& clock);
// The reply of a clock move: the clock, then every piece of due work run
// from `from_ms` on, in time order (callback attempts from the journal).
boost::json::object clock_move_json(SimContext& ctx, int64_t from_ms, std::vector<FiredTimer> fired,
                                    size_t steps);

// GET/POST /admin/clock without awaiting callback attempts (for a carrier
// served without SimInstance).
net::Response handle_clock_sync(SimContext& ctx, const net::Request& req);

// GET /admin/state, /admin/requests, /admin/callbacks bodies.
boost::json::object state_json(SimContext& ctx);
boost::json::object callbacks_json(const SimContext& ctx, size_t limit);

// GET|DELETE /admin/requests, GET /admin/requests/count, POST
// /admin/requests/verify (admin_requests.cpp).
net::Response handle_requests(SimContext& ctx, const net::Request& req, boost::urls::url_view url);

// GET /admin/lines, POST /admin/lines/{msisdn}/suspend|resume (admin_lines.cpp).
net::Response handle_lines(SimContext& ctx, const net::Request& req, std::string_view path);
boost::json::object line_json(const Line& line);

}  // namespace cgw::sim::admin
