#include "cgw/sim/mobile/mobile_simulator.hpp"

#include "cgw/sim/carrier_state.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/mobile/catalog.hpp"
#include "cgw/sim/mobile/signature.hpp"
#include "cgw/sim/namespace_router.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace cgw::sim::mobile {

namespace json = boost::json;

std::string_view code_message(std::string_view code) {
  static const std::pair<std::string_view, std::string_view> kMessages[] = {
      {"0", "ok"},
      {"1001", "bad signature"},
      {"1002", "timestamp out of window"},
      {"1003", "nonce replayed"},
      {"1004", "unknown app id"},
      {"2001", "parameter error"},
      {"3001", "number not found"},
      {"3002", "number already locked or sold"},
      {"3003", "lock not found or expired"},
      {"3004", "plan not found"},
      {"4001", "ID number invalid"},
      {"4002", "name does not match ID"},
      {"4003", "ID number not found"},
      {"4004", "under the minimum age (16)"},
      {"4005", "5 active lines at this carrier already"},
      {"4006", "face does not match"},
      {"4007", "liveness check failed"},
      {"4008", "on the risk blacklist"},
      {"4009", "ID number invalidated"},
      {"5001", "order not found"},
      {"5002", "lock does not belong to this number"},
      {"5003", "order already shipped, cannot be cancelled"},
      {"5004", "order already activated, cannot be cancelled"},
      {"5005", "order already ended (failed or returned), cannot be cancelled"},
      {"6001", "subscriber not found"},
      {"6002", "recharge not found"},
      {"6003", "holder does not match the registered owner"},
      {"6004", "recharge amount out of range"},
      {"6006", "line cancelled"},
      {"6007", "suspended by the carrier, re-verification required"},
      {"9999", "system busy"}};
  for (const auto& [c, m] : kMessages)
    if (c == code) return m;
  return "error";
}

MobileSettings settings_from(const SimulatorConfig& config) {
  MobileSettings s;
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

SimContextOptions context_options(const MobileSettings& s) {
  SimContextOptions o;
  o.seed = s.seed;
  o.pool = generate_pool(PoolSpec{segments(), regions(), s.pool_size, s.seed});
  o.signer = [app_id = s.app_id, secret = s.secret](std::string_view target,
                                                    std::string_view body) {
    return sign_headers(app_id, secret, "POST", target, body, cgw::system_now_ms());
  };
  // The partner acknowledges with HTTP 200 and {"code":"0",...}.
  o.is_ack = [](int status, std::string_view body) {
    if (status != 200) return false;
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return false;
    const auto* code = v.as_object().if_contains("code");
    return code && code->is_string() && code->as_string() == "0";
  };
  o.callback_policy = s.callback_policy;
  o.tick_period = s.tick_period;
  o.fixed_clock_ms = s.fixed_clock_ms;
  o.lifecycle = s.lifecycle;
  return o;
}

}  // namespace

MobileSimulator::MobileSimulator(boost::asio::any_io_executor executor, MobileSettings settings)
    : settings_(std::move(settings)),
      applicant_salt_(crypto::random_bytes(32)),
      nonces_(kNonceWindowMs),
      ctx_(executor, context_options(settings_)) {
  // Every stage is reported (docs/after-sales.md: mobile reports all).
  ctx_.set_stage_hook([this](const StageChange& change) { on_stage(change); });
  ctx_.set_line_hook([this](const Line& line) { on_line_change(line); });
}

namespace {
boost::asio::awaitable<net::Response> ready(net::Response res) {
  co_return res;
}

// The endpoints; their paths are also this carrier's operation names.
struct Endpoint {
  std::string_view path;
  bool is_post;
};
constexpr Endpoint kEndpoints[] = {{"/open/v1/plans", false},
                                   {"/open/v1/numbers", false},
                                   {"/open/v1/numbers/lock", true},
                                   {"/open/v1/numbers/unlock", true},
                                   {"/open/v1/realname/verify", true},
                                   {"/open/v1/orders", true},
                                   {"/open/v1/orders/query", false},
                                   {"/open/v1/orders/cancel", true},
                                   {"/open/v1/subscribers/query", false},
                                   {"/open/v1/subscribers/sim-replace", true},
                                   {"/open/v1/subscribers/suspend", true},
                                   {"/open/v1/subscribers/resume", true},
                                   {"/open/v1/recharges", true},
                                   {"/open/v1/recharges/query", false}};
}  // namespace

std::vector<std::string> MobileSimulator::operation_names() {
  std::vector<std::string> out;
  for (const auto& e : kEndpoints) out.emplace_back(e.path);
  return out;
}

net::Handler MobileSimulator::handler() {
  // Not a coroutine lambda: a coroutine would refer to the lambda object's
  // captures after the call returns.
  return [this](net::Request& req, const net::Peer&) { return ready(handle(req)); };
}

std::string MobileSimulator::applicant_key(std::string_view normalized_id) const {
  return crypto::hmac_sha256_hex(applicant_salt_, normalized_id);
}

MobileSimulator::Reply MobileSimulator::error(std::string code, int http_status) {
  Reply r;
  r.code = std::move(code);
  r.http_status = http_status;
  return r;
}

net::Response MobileSimulator::handle(const net::Request& req) {
  const std::string_view target = req.target();
  if (SimContext::is_admin_target(target)) return ctx_.handle_admin(req);
  if (target.starts_with("/open/")) return handle_open(req);
  if (target == "/healthz")
    return json_response(req, net::http::status::ok, json::object{{"status", "ok"}});
  return json_response(req, net::http::status::not_found, json::object{{"error", "not found"}});
}

net::Response MobileSimulator::handle_open(const net::Request& req) {
  auto auth =
      verify_request(req, settings_.app_id, settings_.secret, nonces_, ctx_.clock.wall_ms());
  // In a namespace the target arrives without /ns/<name>. A partner whose
  // base URL holds that prefix (the cgw mobile plugin) signs the target as
  // sent, so that is accepted too (docs/simulators-reference.md, Namespaces).
  if (auth.code == "1001" && req.count(kNamespacePrefixHeader)) {
    net::Request as_sent = req;
    as_sent.target(target_as_sent(req));
    auth =
        verify_request(as_sent, settings_.app_id, settings_.secret, nonces_, ctx_.clock.wall_ms());
  }
  Reply reply;
  if (!auth.code.empty()) {
    reply = error(auth.code);
  } else if (auto url = boost::urls::parse_origin_form(req.target()); !url) {
    reply = error("2001");
  } else {
    reply = route(req, *url);
  }
  json::object body{{"code", reply.code}, {"message", code_message(reply.code)}};
  if (reply.code == "0") body["data"] = std::move(reply.data);
  ctx_.journal.add(
      journal_entry(req, ctx_.clock.now_ms(), auth.signature_ok, reply.code, reply.http_status));
  // Targets carry no PII (ids and cursors only); bodies are never logged.
  spdlog::debug("mobile {} {} -> {} {}", std::string(req.method_string()),
                std::string(req.target()), reply.http_status, reply.code);
  return json_response(req, static_cast<net::http::status>(reply.http_status), body);
}

MobileSimulator::Reply MobileSimulator::route(const net::Request& req, boost::urls::url_view url) {
  using net::http::verb;
  const std::string path = url.path();
  const bool get = req.method() == verb::get, post = req.method() == verb::post;
  const Endpoint* ep = nullptr;
  for (const auto& e : kEndpoints)
    if (e.path == path) ep = &e;
  if (!ep) return error("2001", 404);
  if (ep->is_post ? !post : !get) return error("2001", 405);

  if (!ep->is_post) {
    if (path == "/open/v1/plans") return list_plans();
    if (path == "/open/v1/numbers") return list_numbers(url);
    if (path == "/open/v1/subscribers/query") return query_subscriber(url);
    if (path == "/open/v1/recharges/query") return query_recharge(url);
    return query_order(url);
  }
  boost::system::error_code ec;
  json::value body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) return error("2001");
  const auto& obj = body.as_object();
  if (path == "/open/v1/numbers/lock") return lock_number(obj);
  if (path == "/open/v1/numbers/unlock") return unlock_number(obj);
  if (path == "/open/v1/realname/verify") return verify_identity(obj);
  if (path == "/open/v1/orders/cancel") return cancel_order(obj);
  if (path == "/open/v1/subscribers/sim-replace") return replace_sim(obj);
  if (path == "/open/v1/subscribers/suspend") return change_line(obj, true);
  if (path == "/open/v1/subscribers/resume") return change_line(obj, false);
  if (path == "/open/v1/recharges") return recharge(obj);
  return submit_order(obj);
}

boost::json::value MobileSimulator::save_state() const {
  return carrier_state_with_salt(applicant_salt_);
}

std::string MobileSimulator::restore_state(const boost::json::value& saved) {
  return restore_carrier_salt(saved, applicant_salt_);
}

}  // namespace cgw::sim::mobile
