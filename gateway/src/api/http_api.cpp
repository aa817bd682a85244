#include "api/http_api.hpp"

#include "api/support.hpp"
#include "cgw/common/crypto.hpp"

#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>

namespace cgw::gw {

namespace {

uint64_t key_slot_hash(std::string_view key, uint64_t seed) {
  uint64_t h = std::hash<std::string_view>{}(key) ^ seed;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

const char* scope_for(const std::vector<std::string>& seg, net::http::verb verb) {
  using namespace api::scope;
  const std::string& head = seg.size() > 1 ? seg[1] : "";
  if (head == "carriers" || head == "plans" || head == "numbers") return kInventoryRead;
  if (head == "reservations") return kNumbersReserve;
  if (head == "kyc") return kKycVerify;
  if (head == "activations" && seg.size() == 4 && seg[3] == "resolve") return kActivationsResolve;
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
  const auto seed = crypto::random_bytes(sizeof key_cache_seed_);
  std::memcpy(&key_cache_seed_, seed.data(), sizeof key_cache_seed_);
  access_log_ = api::make_access_log();
}

HttpApi::~HttpApi() = default;

const HttpApi::KeyEntry* HttpApi::find_key(std::string_view key) {
  CachedKey& slot = key_cache_[key_slot_hash(key, key_cache_seed_) % kKeyCacheSlots];
  {
    std::lock_guard lock(key_cache_mu_);
    if (slot.entry && crypto::equal_ct(slot.key, key)) return slot.entry;
  }
  auto it = keys_.find(crypto::sha256_hex(key));
  if (it == keys_.end()) return nullptr;
  std::lock_guard lock(key_cache_mu_);
  slot.key.assign(key);
  slot.entry = &it->second;
  return slot.entry;
}

boost::asio::awaitable<net::Response> HttpApi::handle(net::Request& req, const net::Peer& peer) {
  (void)peer;
  auto started = std::chrono::steady_clock::now();
  api::Ctx c{svc_, req, {}, {}, {}, {}};
  c.request_id = net::request_id_of(req);

  std::string key_label;
  auto route = [&]() -> api::Awaitable {
    auto url = boost::urls::parse_origin_form(req.target());
    if (!url)
      co_return api::error_response(c, bad_argument("the request target is not a valid URL"));
    for (auto seg : url->segments()) c.segments.push_back(seg);
    for (auto p : url->params()) c.query[p.key] = p.value;
    if (auto bad = api::check_query(c.query)) co_return api::error_response(c, *bad);
    const auto& s = c.segments;
    // HEAD is routed as GET; the HTTP layer sends the head of the answer
    // without its body (RFC 9110 9.3.2).
    const auto verb = req.method() == net::http::verb::head ? net::http::verb::get : req.method();
    // 405 names the methods the route has (RFC 9110 15.5.6).
    auto method_not_allowed = [&](std::string_view allow) {
      auto res = api::error_response(c, ApiError{405, "METHOD_NOT_ALLOWED", "method not allowed"});
      res.set(net::http::field::allow, allow);
      return res;
    };
    constexpr std::string_view kGet = "GET, HEAD";
    constexpr std::string_view kPost = "POST";

    if (s.size() == 1 && s[0] == "healthz") {
      if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
      co_return api::json_response(c, 200, boost::json::object{{"status", "ok"}});
    }
    if (s.size() == 1 && s[0] == "readyz") {
      if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
      if (svc_.ready.load())
        co_return api::json_response(c, 200, boost::json::object{{"status", "ready"}});
      co_return api::error_response(c,
                                    ApiError{503, "NOT_READY", "plugins or store not ready", true});
    }
    // Prometheus scrapes (docs/metrics.md). The metrics span every tenant,
    // so only a key that lists the scope metrics:read gets them; a key
    // without a scopes list (every tenant scope) does not.
    if (s.size() == 1 && s[0] == "metrics") {
      if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
      const auto bearer = req[net::http::field::authorization];
      const KeyEntry* key =
          bearer.starts_with("Bearer ") && bearer.size() > 7 ? find_key(bearer.substr(7)) : nullptr;
      if (!key)
        co_return api::error_response(
            c,
            ApiError{401, "UNAUTHENTICATED", "an API key with the scope metrics:read is required"});
      c.tenant = key->tenant;
      key_label = key->label;
      if (!key->scopes.count(kMetricsScope))
        co_return api::error_response(
            c,
            ApiError{403, "FORBIDDEN", std::string("this key lacks the scope ") + kMetricsScope});
      net::Response res{net::http::status::ok, req.version()};
      res.set(net::http::field::content_type, kMetricsContentType);
      res.set("X-Request-Id", c.request_id);
      res.keep_alive(req.keep_alive());
      res.body() = render_metrics(svc_);
      res.prepare_payload();
      co_return res;
    }
    // Every route below names at least /v1/<resource>.
    if (s.size() < 2 || s[0] != "v1") co_return api::error_response(c, not_found("no such route"));
    // Callbacks authenticate by the carrier's signature, not by API key.
    if (s.size() == 3 && s[1] == "callbacks") {
      if (verb != net::http::verb::post) co_return method_not_allowed(kPost);
      co_return co_await api::receive_callback(c, s[2]);
    }

    // Authentication: Authorization: Bearer <key>.
    auto auth = req[net::http::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer)
      co_return api::error_response(
          c,
          ApiError{401, "UNAUTHENTICATED", "an API key is required: Authorization: Bearer <key>"});
    const KeyEntry* entry = find_key(auth.substr(kBearer.size()));
    if (!entry)
      co_return api::error_response(c, ApiError{401, "UNAUTHENTICATED", "unknown API key"});
    c.tenant = entry->tenant;
    key_label = entry->label;
    // A key without a scopes list has every tenant scope, except the
    // operator's activations:resolve, which a key must list.
    if (const char* need = scope_for(s, verb);
        need &&
        (!entry->scopes.empty() || std::string_view(need) == api::scope::kActivationsResolve) &&
        !entry->scopes.count(need))
      co_return api::error_response(
          c, ApiError{403, "FORBIDDEN", std::string("this key lacks the scope ") + need});
    if (svc_.quotas)
      if (auto wait_s = svc_.quotas->admit_request(c.tenant); wait_s > 0)
        co_return api::quota_response(c, "RATE_LIMITED", "request rate", wait_s);

    if (s.size() == 2 && s[1] == "carriers") {
      if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
      co_return co_await api::list_carriers(c);
    }
    if (s.size() == 2 && s[1] == "plans") {
      if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
      co_return co_await api::list_plans(c);
    }
    if (s.size() == 2 && s[1] == "numbers") {
      if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
      co_return co_await api::search_numbers(c);
    }
    if (s[1] == "reservations") {
      if (s.size() == 2) {
        if (verb != net::http::verb::post) co_return method_not_allowed(kPost);
        co_return co_await api::create_reservation(c);
      }
      if (s.size() == 3) {
        if (verb == net::http::verb::get) co_return co_await api::get_reservation(c, s[2]);
        if (verb == net::http::verb::delete_) co_return co_await api::delete_reservation(c, s[2]);
        co_return method_not_allowed("GET, HEAD, DELETE");
      }
    }
    if (s.size() >= 3 && s[1] == "kyc" && s[2] == "verifications") {
      if (s.size() == 3) {
        if (verb != net::http::verb::post) co_return method_not_allowed(kPost);
        co_return co_await api::create_verification(c);
      }
      if (s.size() == 4) {
        if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
        co_return co_await api::get_verification(c, s[3]);
      }
    }
    if (s[1] == "activations") {
      if (s.size() == 2) {
        if (verb == net::http::verb::post) co_return co_await api::create_activation(c);
        if (verb == net::http::verb::get) co_return co_await api::list_activations(c);
        co_return method_not_allowed("GET, HEAD, POST");
      }
      if (s.size() == 4 && s[3] == "resolve") {
        if (verb != net::http::verb::post) co_return method_not_allowed(kPost);
        co_return co_await api::resolve_activation(c, s[2]);
      }
      if (s.size() == 3) {
        if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
        co_return co_await api::get_activation(c, s[2]);
      }
      if (s.size() == 4 && s[3] == "webhooks") {
        if (verb != net::http::verb::get) co_return method_not_allowed(kGet);
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
  if (access_log_->should_log(spdlog::level::info)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view method(req.method_string().data(), req.method_string().size());
    access_log_->info("http method={} path={} status={} latency_us={} tenant={} request_id={}",
                      method, target.substr(0, target.find('?')), res.result_int(), us,
                      c.tenant.empty() ? std::string_view("-") : std::string_view(c.tenant),
                      c.request_id);
  }
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
  if (s.size() == id_at + 2 && s[id_at + 1] == "resolve") action = object + ".resolve";
  if (s.size() == id_at && verb != net::http::verb::post) action = object + ".list";
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
  // An operator's resolve is audited with what it decided.
  if (action == "activation.resolve" && res.result_int() == 200 && !ec && body.is_object())
    if (auto* st = body.as_object().if_contains("status"); st && st->is_string())
      outcome = "resolved:" + std::string(st->as_string());
  svc_.audit->record({svc_.now(), c.request_id, c.tenant, key_label, action, id, outcome,
                      static_cast<int>(res.result_int())});
}

}  // namespace cgw::gw
