#include "cgw/sim/telecom/telecom_simulator.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"
#include "cgw/sim/telecom/catalog.hpp"
#include "tokens.hpp"
#include "xml_io.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace cgw::sim::telecom {

namespace json = boost::json;
using net::http::status;

namespace {

struct CodeInfo {
  std::string_view code, message;
  int http_status;
};
constexpr CodeInfo kCodes[] = {
    {"0", "success", 200},
    {"10001", "access token missing", 401},
    {"10002", "access token invalid", 401},
    {"10003", "access token expired", 401},
    {"10004", "client not authorized for this API", 403},
    {"10005", "rate limit exceeded", 429},
    {"20001", "request body is not well-formed XML", 400},
    {"20002", "missing or invalid parameter", 400},
    {"20003", "unknown API or method", 404},
    {"30001", "number does not exist", 200},
    {"30002", "number reserved or sold", 200},
    {"30003", "reservation not found or expired", 200},
    {"30004", "reservation belongs to another number", 200},
    {"30005", "plan not found", 200},
    {"40001", "ID number invalid", 200},
    {"40002", "name does not match ID number", 200},
    {"40003", "ID number not found", 200},
    {"40004", "under the minimum age (16)", 200},
    {"40005", "5 active lines at this carrier already", 200},
    {"40006", "face does not match", 200},
    {"40007", "liveness check failed", 200},
    {"40008", "on the risk blacklist", 200},
    {"40009", "ID number invalidated", 200},
    {"50001", "order not found", 200},
    {"50002", "order status does not allow this call", 200},
    {"50003", "ID photos missing", 200},
    {"50004", "partner order id used for another order", 200},
    {"50005", "photo rejected (format or size)", 200},
    {"50006", "order already shipped: it can no longer be cancelled", 200},
    {"60001", "number is not a line of this partner", 200},
    {"60002", "line terminated", 200},
    {"60003", "holder is not the registered owner", 200},
    {"60101", "recharge not found", 200},
    {"60102", "partner recharge id used for another recharge", 200},
    {"60201", "recharge refused by billing", 200},
    {"90001", "system busy", 200},
    {"90002", "real-name system timed out", 200},
};

struct Route {
  std::string_view path, operation;
};
constexpr Route kRoutes[] = {
    {"/oauth/token", "oauth.token"},
    {"/api/v1/plans/list", "plans.list"},
    {"/api/v1/numbers/query", "numbers.query"},
    {"/api/v1/numbers/reserve", "numbers.reserve"},
    {"/api/v1/numbers/release", "numbers.release"},
    {"/api/v1/realname/check", "realname.check"},
    {"/api/v1/orders/create", "orders.create"},
    {"/api/v1/orders/photos", "orders.photos"},
    {"/api/v1/orders/confirm", "orders.confirm"},
    {"/api/v1/orders/query", "orders.query"},
    {"/api/v1/orders/cancel", "orders.cancel"},
    {"/api/v1/subscribers/query", "subscribers.query"},
    {"/api/v1/recharges/create", "recharges.create"},
    {"/api/v1/recharges/query", "recharges.query"},
    {"/api/v1/sim/replace", "sim.replace"},
};

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

int64_t setting_int(const SimulatorConfig& c, const char* key, int64_t fallback, int64_t lo,
                    int64_t hi) {
  auto it = c.settings.find(key);
  if (it == c.settings.end()) return fallback;
  int64_t v = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi)
    throw std::invalid_argument("settings." + std::string(key) + " must be an integer from " +
                                std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

net::Response xml_response(const net::Request& req, int http_status, std::string body) {
  return net::make_response(req, static_cast<status>(http_status), std::move(body),
                            "application/xml; charset=utf-8");
}

// RFC 6749 section 5.2 error of the token endpoint.
net::Response oauth_error(const net::Request& req, std::string_view error) {
  return json_response(req, error == "invalid_client" ? status::unauthorized : status::bad_request,
                       json::object{{"error", error}});
}

SimContextOptions context_options(const TelecomSettings& s) {
  SimContextOptions o;
  o.seed = s.seed;
  o.pool = generate_pool(PoolSpec{segments(), regions(), s.pool_size, s.seed});
  // Stamped with the real clock: the partner checks it against its own.
  o.signer = [secret = s.callback_secret](std::string_view, std::string_view body) {
    const std::string ts = std::to_string(cgw::system_now_ms() / 1000);
    std::string sts = ts;
    sts.append("\n").append(body);
    return net::HeaderList{{"X-Telecom-Timestamp", ts},
                           {"X-Telecom-Signature", crypto::hmac_sha256_hex(secret, sts)},
                           {"Content-Type", "application/xml; charset=utf-8"}};
  };
  // Acknowledged: HTTP 200 with <Response><Code>0</Code>...</Response>.
  o.is_ack = [](int http_status, std::string_view body) {
    pugi::xml_document doc;
    std::string code;
    return http_status == 200 && parse_document(body, doc, "Response") &&
           required_text(doc.document_element(), "Code", code) && code == "0";
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

// The Bearer token's verdict: "0" when valid, else the carrier's code
// (10001 missing, 10002 unknown, 10003 expired).
std::string check_bearer(std::string_view auth, TokenStore& tokens, int64_t now_ms) {
  if (!auth.starts_with("Bearer ") || auth.size() == 7) return "10001";
  switch (tokens.check(auth.substr(7), now_ms)) {
    case TokenStore::Check::kValid:
      return "0";
    case TokenStore::Check::kUnknown:
      return "10002";
    case TokenStore::Check::kExpired:
      return "10003";
  }
  return "10002";
}

}  // namespace

std::string_view code_message(std::string_view code) {
  for (const auto& c : kCodes)
    if (c.code == code) return c.message;
  return "error";
}

int http_status_for(std::string_view code) {
  for (const auto& c : kCodes)
    if (c.code == code) return c.http_status;
  return 200;
}

TelecomSettings settings_from(const SimulatorConfig& config) {
  for (const auto& [key, value] : config.settings)
    if (key != "callback_secret" && key != "token_ttl_s")
      throw std::invalid_argument("unknown setting settings." + key +
                                  " (known: callback_secret, token_ttl_s)");
  TelecomSettings s;
  s.client_id = config.app_id;
  s.client_secret = config.secret;
  auto cb = config.settings.find("callback_secret");
  if (cb == config.settings.end() || cb->second.empty())
    throw std::invalid_argument("settings.callback_secret is required (a {file: ...} reference)");
  s.callback_secret = cb->second;
  s.token_ttl_s = setting_int(config, "token_ttl_s", 300, 1, 86'400);
  s.seed = config.seed;
  s.pool_size = config.pool_size;
  s.activation_delay_ms = config.activation_delay_ms;
  s.reservation_ttl_s = config.reservation_ttl_s;
  s.lifecycle = config.lifecycle;
  return s;
}

TelecomSimulator::TelecomSimulator(boost::asio::any_io_executor executor, TelecomSettings settings)
    : settings_(std::move(settings)),
      applicant_salt_(crypto::random_bytes(32)),
      tokens_(std::make_unique<TokenStore>(settings_.token_ttl_s)),
      ctx_(executor, context_options(settings_)) {
  ctx_.set_final_hook([this](const Order& order) { on_order_final(order); });
  // Callbacks go out per reported stage (aftersales.cpp), not per final state.
  ctx_.set_stage_hook([this](const StageChange& change) { on_stage(change); });
}

TelecomSimulator::~TelecomSimulator() = default;

net::Handler TelecomSimulator::handler() {
  // Not a coroutine lambda: a coroutine would refer to the lambda object's
  // captures after the call returns.
  return [this](net::Request& req, const net::Peer&) { return ready(handle(req)); };
}

std::string TelecomSimulator::applicant_key(std::string_view normalized_id) const {
  return crypto::hmac_sha256_hex(applicant_salt_, normalized_id);
}

std::string TelecomSimulator::next_request_id() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "RQ%016llu", static_cast<unsigned long long>(++request_seq_));
  return buf;
}

net::Response TelecomSimulator::handle(const net::Request& req) {
  const std::string_view target = req.target();
  const std::string path = path_of(target);
  if (path == "/admin/telecom/orders") return admin_orders(req);
  if (SimContext::is_admin_target(target)) return ctx_.handle_admin(req);
  if (path == "/oauth/token") return handle_token(req);
  if (target.starts_with("/api/")) return handle_api(req);
  if (target == "/healthz") return json_response(req, status::ok, json::object{{"status", "ok"}});
  return json_response(req, status::not_found, json::object{{"error", "not found"}});
}

net::Response TelecomSimulator::handle_token(const net::Request& req) {
  std::string error;
  std::optional<TokenStore::Issued> issued;
  auto query = boost::urls::parse_query(req.body());
  if (req.method() != net::http::verb::post || !query) {
    error = "invalid_request";
  } else {
    // application/x-www-form-urlencoded: '+' is a space. (The string
    // constructor: Boost 1.81 does not export the one from a view.) It
    // cannot throw, parse_query() accepted the body above.
    boost::urls::params_view form(req.body(), boost::urls::encoding_opts(true));
    std::string grant, id, secret;
    for (auto p : form) {
      if (p.key == "grant_type") grant = p.value;
      if (p.key == "client_id") id = p.value;
      if (p.key == "client_secret") secret = p.value;
    }
    if (grant.empty() || id.empty() || secret.empty())
      error = "invalid_request";
    else if (grant != "client_credentials")
      error = "unsupported_grant_type";
    else if (id != settings_.client_id || !crypto::equal_ct(secret, settings_.client_secret))
      error = "invalid_client";
    else
      issued = tokens_->issue(ctx_.clock.now_ms());
  }
  const int http = error.empty() ? 200 : (error == "invalid_client" ? 401 : 400);
  ctx_.journal.add(
      journal_entry(req, ctx_.clock.now_ms(), error.empty(), error.empty() ? "0" : error, http));
  spdlog::debug("telecom POST /oauth/token -> {} {}", http, error.empty() ? "issued" : error);
  if (!issued) return oauth_error(req, error);
  auto res = json_response(req, status::ok,
                           json::object{{"access_token", issued->token},
                                        {"token_type", "Bearer"},
                                        {"expires_in", issued->expires_in_s}});
  res.set(net::http::field::cache_control, "no-store");  // RFC 6749 section 5.1
  return res;
}

net::Response TelecomSimulator::handle_api(const net::Request& req) {
  struct ApiRoute {
    std::string_view path;
    Endpoint endpoint;
  };
  static constexpr ApiRoute kApi[] = {
      {"/api/v1/plans/list", &TelecomSimulator::list_plans},
      {"/api/v1/numbers/query", &TelecomSimulator::query_numbers},
      {"/api/v1/numbers/reserve", &TelecomSimulator::reserve_number},
      {"/api/v1/numbers/release", &TelecomSimulator::release_number},
      {"/api/v1/realname/check", &TelecomSimulator::check_realname},
      {"/api/v1/orders/create", &TelecomSimulator::create_order},
      {"/api/v1/orders/photos", &TelecomSimulator::upload_photos},
      {"/api/v1/orders/confirm", &TelecomSimulator::confirm_order},
      {"/api/v1/orders/query", &TelecomSimulator::query_order},
      {"/api/v1/orders/cancel", &TelecomSimulator::cancel_order},
      {"/api/v1/subscribers/query", &TelecomSimulator::query_subscriber},
      {"/api/v1/recharges/create", &TelecomSimulator::create_recharge},
      {"/api/v1/recharges/query", &TelecomSimulator::query_recharge},
      {"/api/v1/sim/replace", &TelecomSimulator::replace_sim}};

  // Authentication first: an unauthenticated caller learns nothing else.
  Code code = check_bearer(req[net::http::field::authorization], *tokens_, ctx_.clock.now_ms());
  const bool token_ok = code == "0";

  const std::string request_id = next_request_id();
  pugi::xml_document reply;
  pugi::xml_node root = start_document(reply, "Response");
  pugi::xml_node data;
  int http = 200;
  if (token_ok) {
    const std::string path = path_of(req.target());
    const ApiRoute* route = nullptr;
    for (const auto& r : kApi)
      if (r.path == path) route = &r;
    pugi::xml_document request;
    if (!route || req.method() != net::http::verb::post) {
      code = "20003";
      http = route ? 405 : 404;
    } else if (!parse_document(req.body(), request, "Request")) {
      code = "20001";
    } else {
      add_text(root, "Code", "0");
      add_text(root, "Message", code_message("0"));
      add_text(root, "RequestId", request_id);
      data = root.append_child("Data");
      code = (this->*(route->endpoint))(request.document_element(), data);
    }
  }
  std::string body;
  if (code == "0") {
    body = serialize(reply);
  } else {
    if (http == 200) http = http_status_for(code);
    body = error_document(code, code_message(code), request_id);
  }
  ctx_.journal.add(journal_entry(req, ctx_.clock.now_ms(), token_ok, code, http));
  // Targets carry no PII; bodies are never logged.
  spdlog::debug("telecom {} {} -> {} {}", std::string(req.method_string()),
                std::string(req.target()), http, code);
  auto res = xml_response(req, http, std::move(body));
  if (http == 401)  // RFC 6750 section 3
    res.set(net::http::field::www_authenticate,
            code == "10001" ? "Bearer realm=\"telecom\"" : "Bearer error=\"invalid_token\"");
  return res;
}

net::Response TelecomSimulator::admin_orders(const net::Request& req) {
  if (req.method() != net::http::verb::get)
    return json_response(req, status::method_not_allowed, json::object{{"error", "use GET"}});
  json::array out;
  std::lock_guard lock(drafts_mu_);
  for (const auto& id : draft_seq_) {
    const Draft& d = drafts_.at(id);
    std::string fail_code;
    out.push_back(json::object{{"orderId", d.order_id},
                               {"partnerOrderId", d.partner_order_id},
                               {"number", d.number},
                               {"planCode", d.plan_code},
                               {"status", status_of(d, &fail_code)},
                               {"failCode", fail_code},
                               {"createCount", d.create_count},
                               {"photoUploads", d.photo_uploads}});
  }
  return json_response(req, status::ok, json::object{{"orders", std::move(out)}});
}

std::vector<std::string> TelecomSimulator::operation_names() {
  std::vector<std::string> out;
  for (const auto& r : kRoutes) out.emplace_back(r.operation);
  return out;
}

std::string TelecomSimulator::operation_of(const net::Request& req) const {
  const std::string path = path_of(req.target());
  for (const auto& r : kRoutes)
    if (r.path == path) return std::string(r.operation);
  return path;
}

net::Response TelecomSimulator::business_error(const net::Request& req,
                                               std::string_view code) const {
  if (path_of(req.target()) == "/oauth/token") return oauth_error(req, code);
  return xml_response(req, http_status_for(code),
                      error_document(code, "injected fault", "RQ-INJECTED"));
}

}  // namespace cgw::sim::telecom
