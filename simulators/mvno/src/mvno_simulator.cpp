#include "cgw/sim/mvno/mvno_simulator.hpp"

#include "cgw/sim/carrier_state.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/mvno/catalog.hpp"
#include "cgw/sim/namespace_router.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace cgw::sim::mvno {

namespace json = boost::json;

std::string_view code_message(std::string_view code) {
  static const std::pair<std::string_view, std::string_view> kMessages[] = {
      {"0000", "success"},
      {"1001", "signature verification failed"},
      {"1002", "timestamp out of window"},
      {"1003", "nonce replayed"},
      {"1004", "unknown partner"},
      {"1005", "unsupported sign type"},
      {"1101", "parameter error"},
      {"1102", "encrypted field cannot be decrypted"},
      {"2001", "number not found"},
      {"2002", "number occupied or sold"},
      {"2003", "occupation not found or expired"},
      {"2004", "occupation belongs to another number"},
      {"2101", "product not found or off sale"},
      {"3001", "ID number invalid"},
      {"3002", "name does not match ID"},
      {"3003", "ID number not found"},
      {"3004", "under the minimum age (16)"},
      {"3005", "5 active lines at this MVNO already"},
      {"3006", "face does not match"},
      {"3007", "liveness check failed"},
      {"3008", "risk controlled"},
      {"3009", "ID number invalidated"},
      {"3101", "real-name channel unavailable"},
      {"4001", "order not found"},
      {"4002", "partner order no. used for another order"},
      {"4003", "daily order limit reached"},
      {"5001", "subscriber not found"},
      {"5002", "line closed"},
      {"5102", "partner recharge no. used for another recharge"},
      {"5201", "holder is not the registered owner"},
      {"5301", "line suspended by the carrier, re-verification pending"},
      {"9001", "system busy"},
      {"9002", "host network timeout"}};
  for (const auto& [c, m] : kMessages)
    if (c == code) return m;
  return "error";
}

std::string_view order_status_name(OrderStage s) {
  switch (s) {
    case OrderStage::kAccepted:
    case OrderStage::kReviewing:  // reviewed inside ACCEPTED: not reported
      return "ACCEPTED";
    case OrderStage::kShipped:
      return "SHIPPED";
    case OrderStage::kDelivered:
      return "DELIVERED";
    case OrderStage::kActivated:
      return "OPENED";
    case OrderStage::kFirstTopup:
      return "FIRST_RECHARGED";
    case OrderStage::kFailed:
      return "FAILED";
    case OrderStage::kCancelled:
      return "CANCELLED";
    case OrderStage::kReturned:
      return "RETURNED";
  }
  return "FAILED";
}

std::string_view line_status_name(LineStatus s) {
  switch (s) {
    case LineStatus::kActive:
      return "NORMAL";
    case LineStatus::kSuspended:
      return "SUSPENDED";
    case LineStatus::kCancelled:
      return "CLOSED";
  }
  return "CLOSED";
}

std::string_view number_status_name(NumberState s) {
  switch (s) {
    case NumberState::kIdle:
      return "FREE";
    case NumberState::kLocked:
      return "OCCUPIED";
    case NumberState::kSold:
      return "SOLD";
  }
  return "SOLD";
}

MvnoSettings settings_from(const SimulatorConfig& config) {
  auto setting = [&](const char* key) {
    auto it = config.settings.find(key);
    if (it == config.settings.end() || it->second.empty())
      throw std::invalid_argument(std::string("mvno: settings.") + key +
                                  " is required (a {file: ...} reference to a PEM key)");
    return it->second;
  };
  MvnoSettings s;
  s.partner_id = config.app_id;
  s.id_field_key = config.secret;
  s.gateway_public_key_pem = setting("gateway_public_key");
  s.carrier_private_key_pem = setting("carrier_private_key");
  s.seed = config.seed;
  s.pool_size = config.pool_size;
  s.activation_delay_ms = config.activation_delay_ms;
  s.reservation_ttl_s = config.reservation_ttl_s;
  s.lifecycle = config.lifecycle;
  return s;
}

namespace {

std::string decode_field_key(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  auto key = text.size() == 64 ? crypto::from_hex(text) : decode_base64_strict(text);
  if (!key || key->size() != 32)
    throw std::invalid_argument("mvno: the ID field key (secret) must be 32 bytes, hex or base64");
  return *key;
}

SimContextOptions context_options(const MvnoSettings& s, const KeyHandle& carrier_key) {
  SimContextOptions o;
  o.seed = s.seed;
  o.pool = generate_pool(PoolSpec{segments(), regions(), s.pool_size, s.seed});
  o.signer = [partner = s.partner_id, carrier_key](std::string_view target, std::string_view body) {
    return sign_headers(partner, carrier_key.get(), "POST", target, body, cgw::system_now_ms());
  };
  // The partner acknowledges with HTTP 200 and the literal text SUCCESS.
  o.is_ack = [](int status, std::string_view body) {
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' '))
      body.remove_suffix(1);
    return status == 200 && body == "SUCCESS";
  };
  o.callback_policy = s.callback_policy;
  o.tick_period = s.tick_period;
  o.fixed_clock_ms = s.fixed_clock_ms;
  o.lifecycle = s.lifecycle;
  return o;
}

boost::asio::awaitable<net::Response> ready(net::Response res) {
  co_return res;
}

constexpr std::string_view kApiPrefix = "/openapi/v1/";
// The endpoints under kApiPrefix; with '/' as '.' they are the operation
// names (operation_of).
constexpr std::string_view kEndpointPaths[] = {
    "product/list",   "number/query", "number/occupy",      "number/release",   "realname/check",
    "order/create",   "order/query",  "order/cancel",       "subscriber/query", "recharge/create",
    "recharge/query", "sim/replace",  "subscriber/suspend", "subscriber/resume"};

}  // namespace

std::vector<std::string> MvnoSimulator::operation_names() {
  std::vector<std::string> out;
  for (auto path : kEndpointPaths) {
    out.emplace_back(path);
    std::replace(out.back().begin(), out.back().end(), '/', '.');
  }
  return out;
}

MvnoSimulator::MvnoSimulator(boost::asio::any_io_executor executor, MvnoSettings settings)
    : settings_(std::move(settings)),
      gateway_public_key_(load_public_key(settings_.gateway_public_key_pem, "gateway_public_key")),
      carrier_private_key_(
          load_private_key(settings_.carrier_private_key_pem, "carrier_private_key")),
      field_key_(decode_field_key(settings_.id_field_key)),
      applicant_salt_(crypto::random_bytes(32)),
      nonces_(kNonceWindowMs),
      ctx_(executor, context_options(settings_, carrier_private_key_)) {
  // Every stage of the lifecycle is reported (reviewing inside ACCEPTED),
  // and so are the carrier's own suspensions.
  ctx_.set_stage_hook([this](const StageChange& change) { on_order_stage(change); });
  ctx_.set_line_hook([this](const Line& line) { on_line_change(line); });
}

net::Handler MvnoSimulator::handler() {
  // Not a coroutine lambda: a coroutine would refer to the lambda object's
  // captures after the call returns.
  return [this](net::Request& req, const net::Peer&) { return ready(handle(req)); };
}

std::string MvnoSimulator::operation_of(const net::Request& req) const {
  std::string_view path = req.target();
  path = path.substr(0, path.find('?'));
  if (!path.starts_with(kApiPrefix)) return std::string(path);
  std::string op(path.substr(kApiPrefix.size()));
  std::replace(op.begin(), op.end(), '/', '.');
  return op;
}

net::Response MvnoSimulator::business_error(const net::Request& req, std::string_view code) const {
  return json_response(req, net::http::status::ok,
                       json::object{{"code", code}, {"msg", "injected fault"}});
}

std::optional<std::string> MvnoSimulator::open_id_number(std::string_view cert_no_enc) const {
  auto sealed = decode_base64_strict(cert_no_enc);
  if (!sealed) return std::nullopt;
  return crypto::aes256gcm_decrypt(field_key_, *sealed, "");
}

std::string MvnoSimulator::applicant_key(std::string_view normalized_id) const {
  return crypto::hmac_sha256_hex(applicant_salt_, normalized_id);
}

MvnoSimulator::Reply MvnoSimulator::error(std::string code, int http_status) {
  Reply r;
  r.code = std::move(code);
  r.http_status = http_status;
  return r;
}

net::Response MvnoSimulator::handle(const net::Request& req) {
  const std::string_view target = req.target();
  if (SimContext::is_admin_target(target)) return ctx_.handle_admin(req);
  if (target.starts_with("/openapi/")) return handle_open(req);
  if (target == "/healthz")
    return json_response(req, net::http::status::ok, json::object{{"status", "ok"}});
  return json_response(req, net::http::status::not_found, json::object{{"error", "not found"}});
}

net::Response MvnoSimulator::handle_open(const net::Request& req) {
  auto auth = verify_request(req, settings_.partner_id, gateway_public_key_.get(), nonces_,
                             ctx_.clock.wall_ms());
  // In a namespace the target arrives without /ns/<name>. A partner whose
  // base URL holds that prefix (the cgw mvno plugin) signs the target as
  // sent, so that is accepted too, as mobile does (docs/simulators-reference.md,
  // Namespaces). A failed check remembers no nonce, so the second try sees
  // the nonce fresh.
  if (auth.code == "1001" && req.count(kNamespacePrefixHeader)) {
    net::Request as_sent = req;
    as_sent.target(target_as_sent(req));
    auth = verify_request(as_sent, settings_.partner_id, gateway_public_key_.get(), nonces_,
                          ctx_.clock.wall_ms());
  }
  Reply reply = auth.code.empty() ? route(req) : error(auth.code);
  json::object body{{"code", reply.code}, {"msg", code_message(reply.code)}};
  if (reply.code == "0000") body["data"] = std::move(reply.data);
  ctx_.journal.add(
      journal_entry(req, ctx_.clock.now_ms(), auth.signature_ok, reply.code, reply.http_status));
  // Targets carry no PII (paths only); bodies are never logged.
  spdlog::debug("mvno {} {} -> {} {}", std::string(req.method_string()), std::string(req.target()),
                reply.http_status, reply.code);
  return json_response(req, static_cast<net::http::status>(reply.http_status), body);
}

MvnoSimulator::Reply MvnoSimulator::route(const net::Request& req) {
  // Every endpoint is a POST without a query (the signed TARGET is the path).
  const std::string_view target = req.target();
  if (target.find('?') != std::string_view::npos) return error("1101", 404);
  using Endpoint = Reply (MvnoSimulator::*)(const json::object&);
  // One per entry of kEndpointPaths, in its order (product/list: nullptr).
  static constexpr Endpoint kHandlers[] = {nullptr,
                                           &MvnoSimulator::query_numbers,
                                           &MvnoSimulator::occupy_number,
                                           &MvnoSimulator::release_number,
                                           &MvnoSimulator::check_real_name,
                                           &MvnoSimulator::create_order,
                                           &MvnoSimulator::query_order,
                                           &MvnoSimulator::cancel_order,
                                           &MvnoSimulator::query_subscriber,
                                           &MvnoSimulator::create_recharge,
                                           &MvnoSimulator::query_recharge,
                                           &MvnoSimulator::replace_sim,
                                           &MvnoSimulator::suspend_subscriber,
                                           &MvnoSimulator::resume_subscriber};
  static_assert(std::size(kHandlers) == std::size(kEndpointPaths));
  static const auto kEndpoints = [] {
    std::array<std::pair<std::string_view, Endpoint>, std::size(kHandlers)> table;
    for (size_t i = 0; i < table.size(); ++i) table[i] = {kEndpointPaths[i], kHandlers[i]};
    return table;
  }();
  const std::pair<std::string_view, Endpoint>* ep = nullptr;
  if (target.starts_with(kApiPrefix))
    for (const auto& e : kEndpoints)
      if (e.first == target.substr(kApiPrefix.size())) ep = &e;
  if (!ep) return error("1101", 404);
  if (req.method() != net::http::verb::post) return error("1101", 405);
  boost::system::error_code ec;
  json::value body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) return error("1101");
  if (!ep->second) return list_products();
  return (this->*(ep->second))(body.as_object());
}

boost::json::value MvnoSimulator::save_state() const {
  boost::json::object out = carrier_state_with_salt(applicant_salt_);
  std::lock_guard lock(cancel_mu_);
  out["cancel_reasons"] = string_map_json(cancel_reasons_);
  return out;
}

std::string MvnoSimulator::restore_state(const boost::json::value& saved) {
  if (auto e = restore_carrier_salt(saved, applicant_salt_); !e.empty()) return e;
  std::lock_guard lock(cancel_mu_);
  return restore_string_map(saved, "cancel_reasons", cancel_reasons_);
}

}  // namespace cgw::sim::mvno
