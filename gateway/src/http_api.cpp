#include "http_api.hpp"

#include "api_support.hpp"
#include "cgw/common/crypto.hpp"

#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include <chrono>

namespace cgw::gw {

namespace {

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      return false;
  return true;
}

const char* scope_for(const std::vector<std::string>& seg, net::http::verb verb) {
  using namespace api::scope;
  const std::string& head = seg.size() > 1 ? seg[1] : "";
  if (head == "carriers" || head == "plans" || head == "numbers") return kInventoryRead;
  if (head == "reservations") return kNumbersReserve;
  if (head == "kyc") return kKycVerify;
  if (head == "activations")
    return verb == net::http::verb::post ? kActivationsWrite : kActivationsRead;
  return nullptr;
}

}  // namespace

HttpApi::HttpApi(Services& services) : svc_(services) {
  for (const auto& t : svc_.config.tenants)
    for (const auto& k : t.api_keys)
      keys_[k.sha256_hex] =
          KeyEntry{t.id, k.label.empty() ? k.sha256_hex.substr(0, 8) : k.label, k.scopes};
}

boost::asio::awaitable<net::Response> HttpApi::handle(net::Request& req, const net::Peer& peer) {
  (void)peer;
  auto started = std::chrono::steady_clock::now();
  api::Ctx c{svc_, req, {}, {}, {}, {}};
  auto rid = req["X-Request-Id"];
  c.request_id = valid_request_id(rid) ? std::string(rid) : crypto::random_hex(8);

  std::string key_label;
  auto route = [&]() -> api::Awaitable {
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url)
      co_return api::error_response(c, bad_argument("the request target is not a valid URL"));
    for (auto seg : url->segments()) c.segments.push_back(seg);
    for (auto p : url->params()) c.query[p.key] = p.value;
    const auto& s = c.segments;
    const auto verb = req.method();
    auto method_not_allowed = [&] {
      return api::error_response(c, ApiError{405, "METHOD_NOT_ALLOWED", "method not allowed"});
    };

    if (s.size() == 1 && s[0] == "healthz") {
      co_return api::json_response(c, 200, boost::json::object{{"status", "ok"}});
    }
    if (s.size() == 1 && s[0] == "readyz") {
      if (svc_.ready.load())
        co_return api::json_response(c, 200, boost::json::object{{"status", "ready"}});
      co_return api::error_response(c,
                                    ApiError{503, "NOT_READY", "plugins or store not ready", true});
    }
    // Every route below names at least /v1/<resource>.
    if (s.size() < 2 || s[0] != "v1") co_return api::error_response(c, not_found("no such route"));
    // Callbacks authenticate by the carrier's signature, not by API key.
    if (s.size() == 3 && s[1] == "callbacks") {
      if (verb != net::http::verb::post) co_return method_not_allowed();
      co_return co_await api::receive_callback(c, s[2]);
    }

    // Authentication: Authorization: Bearer <key>.
    auto auth = req[net::http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer)
      co_return api::error_response(
          c,
          ApiError{401, "UNAUTHENTICATED", "an API key is required: Authorization: Bearer <key>"});
    auto it = keys_.find(crypto::sha256_hex(auth.substr(kBearer.size())));
    if (it == keys_.end())
      co_return api::error_response(c, ApiError{401, "UNAUTHENTICATED", "unknown API key"});
    c.tenant = it->second.tenant;
    key_label = it->second.label;
    if (const char* need = scope_for(s, verb);
        need && !it->second.scopes.empty() && !it->second.scopes.count(need))
      co_return api::error_response(
          c, ApiError{403, "FORBIDDEN", std::string("this key lacks the scope ") + need});
    if (svc_.quotas)
      if (auto wait_s = svc_.quotas->admit_request(c.tenant); wait_s > 0)
        co_return api::quota_response(c, "RATE_LIMITED", "request rate", wait_s);

    if (s.size() == 2 && s[1] == "carriers") {
      if (verb != net::http::verb::get) co_return method_not_allowed();
      co_return co_await api::list_carriers(c);
    }
    if (s.size() == 2 && s[1] == "plans") {
      if (verb != net::http::verb::get) co_return method_not_allowed();
      co_return co_await api::list_plans(c);
    }
    if (s.size() == 2 && s[1] == "numbers") {
      if (verb != net::http::verb::get) co_return method_not_allowed();
      co_return co_await api::search_numbers(c);
    }
    if (s[1] == "reservations") {
      if (s.size() == 2) {
        if (verb != net::http::verb::post) co_return method_not_allowed();
        co_return co_await api::create_reservation(c);
      }
      if (s.size() == 3) {
        if (verb == net::http::verb::get) co_return co_await api::get_reservation(c, s[2]);
        if (verb == net::http::verb::delete_) co_return co_await api::delete_reservation(c, s[2]);
        co_return method_not_allowed();
      }
    }
    if (s.size() >= 3 && s[1] == "kyc" && s[2] == "verifications") {
      if (s.size() == 3) {
        if (verb != net::http::verb::post) co_return method_not_allowed();
        co_return co_await api::create_verification(c);
      }
      if (s.size() == 4) {
        if (verb != net::http::verb::get) co_return method_not_allowed();
        co_return co_await api::get_verification(c, s[3]);
      }
    }
    if (s[1] == "activations") {
      if (s.size() == 2) {
        if (verb != net::http::verb::post) co_return method_not_allowed();
        co_return co_await api::create_activation(c);
      }
      if (s.size() == 3) {
        if (verb != net::http::verb::get) co_return method_not_allowed();
        co_return co_await api::get_activation(c, s[2]);
      }
      if (s.size() == 4 && s[3] == "webhooks") {
        if (verb != net::http::verb::get) co_return method_not_allowed();
        co_return co_await api::list_activation_webhooks(c, s[2]);
      }
    }
    co_return api::error_response(c, not_found("no such route"));
  };

  net::Response res;
  try {
    res = co_await route();
  } catch (const std::exception& e) {
    // Store or other unexpected failures: logged (no request body), 500.
    spdlog::error("request_id={} internal error: {}", c.request_id, e.what());
    res = api::error_response(c, ApiError{500, "INTERNAL", "internal error", true});
  }
  // A change is acknowledged only once it is on disk. The flush is shared
  // with every request that committed meanwhile (group_commit.hpp).
  if (svc_.store && req.method() != net::http::verb::get && req.method() != net::http::verb::head &&
      !co_await svc_.store->durable())
    res = api::error_response(
        c, ApiError{503, "STORE_UNAVAILABLE", "the change could not be made durable", true});
  if (!c.tenant.empty()) audit(c, key_label, res);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  auto target = std::string(req.target());
  auto q = target.find('?');
  spdlog::info("http method={} path={} status={} latency_us={} tenant={} request_id={}",
               std::string(req.method_string()), target.substr(0, q), res.result_int(), us,
               c.tenant.empty() ? "-" : c.tenant, c.request_id);
  co_return res;
}

// Calls on reservations, verifications and activations are audited: who,
// what, which object, the outcome. Only ids and codes; never a body field.
void HttpApi::audit(const api::Ctx& c, const std::string& key_label, const net::Response& res) {
  const auto& s = c.segments;
  if (!svc_.audit || s.size() < 2) return;
  std::string object, id;
  size_t id_at = 2;
  if (s[1] == "reservations") {
    object = "reservation";
  } else if (s[1] == "activations") {
    object = "activation";
  } else if (s[1] == "kyc" && s.size() >= 3 && s[2] == "verifications") {
    object = "verification";
    id_at = 3;
  } else {
    return;
  }
  const auto verb = c.req.method();
  std::string action = object + (verb == net::http::verb::post      ? ".create"
                                 : verb == net::http::verb::delete_ ? ".release"
                                                                    : ".read");
  if (s.size() == id_at + 2 && s[id_at + 1] == "webhooks") action = object + ".webhooks.read";
  if (s.size() > id_at) id = s[id_at];
  boost::system::error_code ec;
  auto body = boost::json::parse(res.body(), ec);
  std::string outcome = "ok";
  if (!ec && body.is_object()) {
    const auto& o = body.as_object();
    if (id.empty())
      if (auto* v = o.if_contains(object + "_id"); v && v->is_string()) id = v->as_string();
    if (auto* e = o.if_contains("error"); e && e->is_object())
      if (auto* code = e->as_object().if_contains("code"); code && code->is_string())
        outcome = code->as_string();
  }
  if (res.result_int() >= 400 && outcome == "ok") outcome = "error";
  svc_.audit->record({svc_.now(), c.request_id, c.tenant, key_label, action, id, outcome,
                      static_cast<int>(res.result_int())});
}

}  // namespace cgw::gw
