#include "cgw/sim/unicom/unicom_simulator.hpp"

#include "cgw/sim/carrier_state.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/sim/unicom/catalog.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace cgw::sim::unicom {

namespace json = boost::json;

std::string_view code_message(std::string_view code) {
  static const std::pair<std::string_view, std::string_view> kMessages[] = {
      {"0000", "success"},
      {"1001", "app_key missing or unknown"},
      {"1002", "invalid sign"},
      {"1003", "timestamp missing, malformed or out of window"},
      {"2001", "required parameter missing"},
      {"2002", "parameter malformed"},
      {"2003", "method or version not supported"},
      {"3001", "number not found"},
      {"3002", "number already locked or sold"},
      {"3003", "lock not found or expired"},
      {"3004", "lock does not belong to this number"},
      {"3005", "product not found"},
      {"4001", "cert_no invalid"},
      {"4002", "cert_name does not match cert_no"},
      {"4003", "cert_no not found"},
      {"4004", "cert_no invalidated"},
      {"4005", "under the minimum age (16)"},
      {"4006", "portrait does not match"},
      {"4007", "liveness check failed"},
      {"4008", "5 active lines at this carrier already"},
      {"4009", "on the risk blacklist"},
      {"4010", "real-name service unavailable"},
      {"5001", "order not found"},
      {"5002", "order already shipped: it can no longer be cancelled"},
      {"5003", "order already finished"},
      {"6001", "number is not a line of this partner"},
      {"6002", "line closed"},
      {"6003", "line stopped by the carrier: only the carrier restarts it"},
      {"6101", "recharge not found"},
      {"6102", "out_recharge_id used for another recharge"},
      {"6201", "recharge refused by billing"},
      {"9999", "system busy"}};
  for (const auto& [c, m] : kMessages)
    if (c == code) return m;
  return "error";
}

UnicomSettings settings_from(const SimulatorConfig& config) {
  UnicomSettings s;
  s.app_id = config.app_id;
  s.secret = config.secret;
  s.seed = config.seed;
  s.pool_size = config.pool_size;
  s.activation_delay_ms = config.activation_delay_ms;
  s.reservation_ttl_s = config.reservation_ttl_s;
  s.lifecycle = config.lifecycle;
  return s;
}

namespace {

// The methods of the protocol, in the order of the doc.
constexpr std::string_view kMethods[] = {
    "plan.list",      "number.query", "number.lock",  "number.unlock", "cert.check",
    "order.create",   "order.query",  "order.cancel", "user.query",    "recharge.create",
    "recharge.query", "user.stop",    "user.restart"};

bool known_method(std::string_view m) {
  return std::find(std::begin(kMethods), std::end(kMethods), m) != std::end(kMethods);
}

bool is_form(const net::Request& req) {
  auto it = req.find(net::http::field::content_type);
  if (it == req.end()) return false;
  std::string type(it->value().substr(0, it->value().find(';')));
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type == "application/x-www-form-urlencoded";
}

std::string path_of(const net::Request& req) {
  auto url = boost::urls::parse_origin_form(req.target());
  return url ? std::string(url->path()) : std::string();
}

net::Response envelope(const net::Request& req, int http_status, std::string_view code,
                       std::string_view msg, json::object* data) {
  json::object body{{"code", code}, {"msg", msg}};
  if (data) body["data"] = std::move(*data);
  return json_response(req, static_cast<net::http::status>(http_status), body);
}

SimContextOptions context_options(const UnicomSettings& s, std::vector<NumberRecord> pool) {
  SimContextOptions o;
  o.seed = s.seed;
  o.pool = std::move(pool);
  // No callbacks in this protocol: the sender is never given a job. These
  // keep it well-formed all the same.
  o.signer = [](std::string_view, std::string_view) { return net::HeaderList{}; };
  o.is_ack = [](int, std::string_view) { return false; };
  o.tick_period = s.tick_period;
  o.fixed_clock_ms = s.fixed_clock_ms;
  o.lifecycle = s.lifecycle;
  return o;
}

std::vector<std::string> numbers_of(const std::vector<NumberRecord>& pool) {
  std::vector<std::string> out;
  out.reserve(pool.size());
  for (const auto& r : pool) out.push_back(r.number);
  return out;
}

boost::asio::awaitable<net::Response> ready(net::Response res) {
  co_return res;
}

}  // namespace

UnicomSimulator::UnicomSimulator(boost::asio::any_io_executor executor, UnicomSettings settings)
    : UnicomSimulator(
          executor, settings,
          generate_pool(PoolSpec{segments(), regions(), settings.pool_size, settings.seed})) {}

UnicomSimulator::UnicomSimulator(boost::asio::any_io_executor executor, UnicomSettings settings,
                                 std::vector<NumberRecord> pool)
    : settings_(std::move(settings)),
      applicant_salt_(crypto::random_bytes(32)),
      numbers_(numbers_of(pool)),
      ctx_(executor, context_options(settings_, std::move(pool))) {
  ctx_.set_final_hook([this](const Order& order) { on_order_final(order); });
}

net::Handler UnicomSimulator::handler() {
  // Not a coroutine lambda: a coroutine would refer to the lambda object's
  // captures after the call returns.
  return [this](net::Request& req, const net::Peer&) { return ready(handle(req)); };
}

std::string UnicomSimulator::applicant_key(std::string_view normalized_id) const {
  return crypto::hmac_sha256_hex(applicant_salt_, normalized_id);
}

UnicomSimulator::Reply UnicomSimulator::error(std::string code, int http_status) {
  Reply r;
  r.code = std::move(code);
  r.http_status = http_status;
  return r;
}

std::vector<std::string> UnicomSimulator::operation_names() {
  return {std::begin(kMethods), std::end(kMethods)};
}

std::string UnicomSimulator::operation_of(const net::Request& req) const {
  const std::string path = path_of(req);
  if (path != kRouterPath || !is_form(req)) return path;
  const auto params = parse_form(req.body());
  if (!params) return path;
  auto it = params->find("method");
  return it != params->end() && known_method(it->second) ? it->second : path;
}

net::Response UnicomSimulator::business_error(const net::Request& req,
                                              std::string_view code) const {
  return envelope(req, 200, code, "injected fault", nullptr);
}

net::Response UnicomSimulator::handle(const net::Request& req) {
  const std::string_view target = req.target();
  if (SimContext::is_admin_target(target)) return ctx_.handle_admin(req);
  const std::string path = path_of(req);
  if (path == kRouterPath) return handle_router(req);
  if (path == "/healthz")
    return json_response(req, net::http::status::ok, json::object{{"status", "ok"}});
  return json_response(req, net::http::status::not_found, json::object{{"error", "not found"}});
}

net::Response UnicomSimulator::handle_router(const net::Request& req) {
  Reply reply;
  AuthOutcome auth;
  std::string method;
  std::optional<FormParams> params;
  if (req.method() != net::http::verb::post) {
    // Parameters travel in a form body only, so nothing else can be a call.
    reply = error("2003", 405);
  } else if (!is_form(req) || !(params = parse_form(req.body()))) {
    reply = error("2002");
  } else if (auth =
                 verify_request(*params, settings_.app_id, settings_.secret, ctx_.clock.wall_ms());
             !auth.code.empty()) {
    reply = error(auth.code);
  } else {
    if (auto it = params->find("method"); it != params->end() && known_method(it->second))
      method = it->second;
    reply = route(*params);
  }
  // The target as received (always the router; operation_of() tells the
  // method). Parameter values are never recorded: they may be personal data.
  ctx_.journal.add(
      journal_entry(req, ctx_.clock.now_ms(), auth.signature_ok, reply.code, reply.http_status));
  spdlog::debug("unicom {} {} -> {} {}", std::string(req.target()),
                method.empty() ? std::string_view("-") : std::string_view(method),
                reply.http_status, reply.code);
  return envelope(req, reply.http_status, reply.code, code_message(reply.code),
                  reply.code == "0000" ? &reply.data : nullptr);
}

UnicomSimulator::Reply UnicomSimulator::route(const FormParams& params) {
  auto get = [&](const char* name) -> std::string_view {
    auto it = params.find(name);
    return it == params.end() ? std::string_view() : std::string_view(it->second);
  };
  if (get("v") != kApiVersion) return error(get("v").empty() ? "2001" : "2003");
  const std::string_view method = get("method");
  if (method.empty()) return error("2001");
  if (method == "plan.list") return list_products();
  if (method == "number.query") return query_numbers(params);
  if (method == "number.lock") return lock_number(params);
  if (method == "number.unlock") return unlock_number(params);
  if (method == "cert.check") return check_cert(params);
  if (method == "order.create") return create_order(params);
  if (method == "order.query") return query_order(params);
  if (method == "order.cancel") return cancel_order(params);
  if (method == "user.query") return query_user(params);
  if (method == "recharge.create") return create_recharge(params);
  if (method == "recharge.query") return query_recharge(params);
  if (method == "user.stop") return change_user(params, true);
  if (method == "user.restart") return change_user(params, false);
  return error("2003");
}

boost::json::value UnicomSimulator::save_state() const {
  boost::json::object out = carrier_state_with_salt(applicant_salt_);
  std::lock_guard lock(cancel_mu_);
  out["cancel_reasons"] = string_map_json(cancel_reasons_);
  return out;
}

std::string UnicomSimulator::restore_state(const boost::json::value& saved) {
  if (auto e = restore_carrier_salt(saved, applicant_salt_); !e.empty()) return e;
  std::lock_guard lock(cancel_mu_);
  return restore_string_map(saved, "cancel_reasons", cancel_reasons_);
}

}  // namespace cgw::sim::unicom
