#include "api/http_api.hpp"

#include "api/metrics_page.hpp"

#include "api/routes.hpp"
#include "api/support.hpp"
#include "cgw/common/crypto.hpp"
#include "core/test_mode_config.hpp"

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

}  // namespace

HttpApi::HttpApi(api::Deps deps) : deps_(deps), svc_(deps.svc) {
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

// Who is calling, by the route's Caller: 401 without a known key, 403
// without the scope, 429 past the tenant's request rate. On success the
// tenant and key label are set.
Status HttpApi::admit(api::Ctx& c, api::Caller caller, const char* scope, bool scope_listed) {
  if (caller == api::Caller::kAnyone || caller == api::Caller::kCarrier) return {};
  constexpr std::string_view kBearer = "Bearer ";
  const auto auth = c.req[net::http::field::authorization];
  const bool bearer = auth.size() > kBearer.size() && auth.starts_with(kBearer);
  const KeyEntry* key = bearer ? find_key(auth.substr(kBearer.size())) : nullptr;
  if (caller == api::Caller::kOperator && !key)
    return make_error(code::kUnauthenticated,
                      std::string("an API key with the scope ") + scope + " is required");
  if (!bearer)
    return make_error(code::kUnauthenticated,
                      "an API key is required: Authorization: Bearer <key>");
  if (!key) return make_error(code::kUnauthenticated, "unknown API key");
  c.tenant = key->tenant;
  c.key_label = key->label;
  // A key without a scopes list has every tenant scope, except those a key
  // must list (scope_listed).
  if (scope && (!key->scopes.empty() || scope_listed) && !key->scopes.count(scope))
    return make_error(code::kForbidden, std::string("this key lacks the scope ") + scope);
  if (caller == api::Caller::kTenant && deps_.quotas)
    if (auto wait_s = deps_.quotas->admit_request(c.tenant); wait_s > 0)
      return api::quota_exceeded(code::kRateLimited, "request rate", wait_s);
  return {};
}

// The path is parsed here, once, and matched against the route table;
// the caller is admitted by the route's rules, then its handler runs.
boost::asio::awaitable<api::Reply> HttpApi::dispatch(api::Ctx& c) {
  auto url = boost::urls::parse_origin_form(c.req.target());
  if (!url) co_return api::error_response(c, bad_argument("the request target is not a valid URL"));
  std::vector<std::string> segments;
  for (auto seg : url->segments()) segments.push_back(seg);
  for (auto p : url->params()) c.query[p.key] = p.value;
  if (auto checked = api::check_query(c.query); !checked)
    co_return api::error_response(c, checked.error());

  api::RouteMatch m = api::match(segments, c.req.method());
  // The test clock's routes exist only in a test deployment that turned
  // the clock on; elsewhere the path is an unknown /v1/ route.
  if (m.path_route && m.path_route->scope &&
      std::string_view(m.path_route->scope) == kTestClockScope && !svc_.clock.movable())
    m.route = m.path_route = nullptr;
  const api::Route* r = m.route ? m.route : m.path_route;
  if (!r) {
    // Every route below /v1/ is a tenant's: an unknown one is not told
    // apart from a known one before the key is.
    if (m.under_v1)
      if (auto admitted = admit(c, api::Caller::kTenant, nullptr, false); !admitted)
        co_return api::error_response(c, admitted.error());
    co_return api::error_response(c, not_found("no such route"));
  }
  c.route = r;
  c.param = m.param;
  // 405 names the methods the route has (RFC 9110 15.5.6); a tenant's
  // route tells them only to an admitted caller.
  auto method_not_allowed = [&] {
    auto reply = api::error_response(c, make_error(code::kMethodNotAllowed, "method not allowed"));
    reply.res.set(net::http::field::allow, m.allow);
    return reply;
  };
  if (!m.route && r->caller != api::Caller::kTenant) co_return method_not_allowed();
  if (auto admitted = admit(c, r->caller, r->scope, r->scope_listed); !admitted)
    co_return api::error_response(c, admitted.error());
  if (!m.route) co_return method_not_allowed();
  co_return co_await r->handler(c);
}

boost::asio::awaitable<net::Response> HttpApi::handle(net::Request& req, const net::Peer& peer) {
  (void)peer;
  auto started = std::chrono::steady_clock::now();
  api::Ctx c{deps_, svc_, req, net::request_id_of(req), {}, nullptr, {}, {}, {}};
  std::optional<api::Reply> reply;
  try {
    reply.emplace(co_await dispatch(c));
  } catch (const StoreError& e) {
    // The database is unreachable (down, restarting, no free connection):
    // 503, the client may retry; anything else from the store is a 500.
    spdlog::error("request_id={} store error: {}", c.request_id, e.what());
    reply.emplace(api::error_response(
        c, e.unavailable() ? make_error(code::kStoreUnavailable, "the store is unavailable", true)
                           : make_error(code::kInternal, "internal error", true)));
  } catch (const std::exception& e) {
    // Store or other unexpected failures: logged (no request body), 500.
    spdlog::error("request_id={} internal error: {}", c.request_id, e.what());
    reply.emplace(api::error_response(c, make_error(code::kInternal, "internal error", true)));
  }
  // A change is acknowledged only once it is on disk. The flush is shared
  // with every request that committed meanwhile (group_commit.hpp).
  const bool reads = req.method() == net::http::verb::get || req.method() == net::http::verb::head;
  if (svc_.store.db && !reads && !co_await svc_.store.db->durable())
    reply.emplace(api::error_response(
        c, make_error(code::kStoreUnavailable, "the change could not be made durable", true)));
  // A read answers with what a crash would keep: the store's writes it may
  // have seen are committed first (their batch, group_commit.hpp).
  if (svc_.store.db && reads && c.route && c.route->caller != api::Caller::kAnyone &&
      !co_await svc_.store.db->committed())
    reply.emplace(
        api::error_response(c, make_error(code::kStoreUnavailable, "the store failed", true)));
  if (c.route && c.route->caller == api::Caller::kTenant && !c.tenant.empty()) audit(c, *reply);
  log_access(c, started, reply->res);
  co_return std::move(reply->res);
}

void HttpApi::log_access(const api::Ctx& c, std::chrono::steady_clock::time_point started,
                         const net::Response& res) {
  if (!access_log_->should_log(spdlog::level::info)) return;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  const std::string_view target(c.req.target().data(), c.req.target().size());
  const std::string_view method(c.req.method_string().data(), c.req.method_string().size());
  access_log_->info("http method={} path={} status={} latency_us={} tenant={} request_id={}",
                    method, target.substr(0, target.find('?')), res.result_int(), us,
                    c.tenant.empty() ? std::string_view("-") : std::string_view(c.tenant),
                    c.request_id);
}

// Calls on reservations, verifications and activations are audited: who,
// what (the route's action), which object, the outcome. Only ids and codes;
// never a body field.
void HttpApi::audit(const api::Ctx& c, const api::Reply& reply) {
  const auto& action = c.route->audit_action;
  if (!deps_.audit || action.empty()) return;
  const int status = static_cast<int>(reply.res.result_int());
  std::string outcome = reply.outcome;
  if (outcome.empty()) outcome = status >= 400 ? "error" : "ok";
  deps_.audit->record({svc_.now(), c.request_id, c.tenant, c.key_label, std::string(action),
                       c.param.empty() ? reply.object_id : c.param, outcome, status});
}

}  // namespace cgw::gw

namespace cgw::gw::api {

Awaitable health(Ctx& c) {
  co_return json_response(c, 200, json::object{{"status", "ok"}});
}

Awaitable ready(Ctx& c) {
  if (!c.svc.ready.load())
    co_return error_response(c, make_error(code::kNotReady, "plugins or store not ready", true));
  // A round trip to a networked store (PostgreSQL): not ready while the
  // database is unreachable, so a load balancer sends traffic elsewhere.
  if (c.svc.store.db && !c.svc.store.db->reachable())
    co_return error_response(
        c, make_error(code::kNotReady, "the store's database is unreachable", true));
  if (const int pending = c.svc.first_syncs_pending.load(); pending > 0)
    co_return error_response(
        c, make_error(code::kNotReady,
                      "first inventory sync of " + std::to_string(pending) +
                          " carrier(s) still running: search would find nothing yet",
                      true));
  co_return json_response(c, 200, json::object{{"status", "ready"}});
}

// Prometheus scrapes (docs/metrics.md).
Awaitable metrics(Ctx& c) {
  Response res{net::http::status::ok, c.req.version()};
  res.set(net::http::field::content_type, kMetricsContentType);
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = render_metrics(c.svc, c.deps.numbers);
  res.prepare_payload();
  co_return res;
}

}  // namespace cgw::gw::api
