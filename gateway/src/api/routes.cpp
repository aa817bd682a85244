#include "api/routes.hpp"

#include "core/metrics.hpp"
#include "core/test_mode_config.hpp"

namespace cgw::gw::api {

namespace {

using verb = net::http::verb;

// Order matters in one way only: a path's routes are listed GET first, as
// its Allow header lists them (RFC 9110 15.5.6; HEAD follows GET).
constexpr Route kRoutes[] = {
    {verb::get, "healthz", Caller::kAnyone, nullptr, false, health, ""},
    {verb::get, "readyz", Caller::kAnyone, nullptr, false, ready, ""},
    // The metrics span every tenant: only a key that lists metrics:read.
    {verb::get, "metrics", Caller::kOperator, kMetricsScope, true, metrics, ""},
    {verb::post, "v1/callbacks/{carrier}", Caller::kCarrier, nullptr, false, receive_callback, ""},
    {verb::get, "v1/carriers", Caller::kTenant, scope::kInventoryRead, false, list_carriers, ""},
    {verb::get, "v1/plans", Caller::kTenant, scope::kInventoryRead, false, list_plans, ""},
    {verb::get, "v1/numbers", Caller::kTenant, scope::kInventoryRead, false, search_numbers, ""},
    {verb::post, "v1/reservations", Caller::kTenant, scope::kNumbersReserve, false,
     create_reservation, "reservation.create"},
    {verb::get, "v1/reservations/{id}", Caller::kTenant, scope::kNumbersReserve, false,
     get_reservation, "reservation.read"},
    {verb::delete_, "v1/reservations/{id}", Caller::kTenant, scope::kNumbersReserve, false,
     delete_reservation, "reservation.release"},
    {verb::post, "v1/kyc/verifications", Caller::kTenant, scope::kKycVerify, false,
     create_verification, "verification.create"},
    {verb::get, "v1/kyc/verifications/{id}", Caller::kTenant, scope::kKycVerify, false,
     get_verification, "verification.read"},
    {verb::get, "v1/activations", Caller::kTenant, scope::kActivationsRead, false, list_activations,
     "activation.list"},
    {verb::post, "v1/activations", Caller::kTenant, scope::kActivationsWrite, false,
     create_activation, "activation.create"},
    {verb::get, "v1/activations/{id}", Caller::kTenant, scope::kActivationsRead, false,
     get_activation, "activation.read"},
    {verb::get, "v1/activations/{id}/webhooks", Caller::kTenant, scope::kActivationsRead, false,
     list_activation_webhooks, "activation.webhooks.read"},
    // Resolving an unknown outcome is an operator's decision (scope_listed).
    {verb::post, "v1/activations/{id}/resolve", Caller::kTenant, scope::kActivationsResolve, true,
     resolve_activation, "activation.resolve"},
    {verb::post, "v1/activations/{id}/cancel", Caller::kTenant, scope::kActivationsWrite, false,
     cancel_activation, "activation.cancel"},
    // Subscriber services: numbers the tenant sold (docs/after-sales.md).
    {verb::get, "v1/subscribers/{msisdn}", Caller::kTenant, scope::kSubscribersRead, false,
     get_subscriber, "subscriber.read"},
    {verb::post, "v1/subscribers/{msisdn}/recharges", Caller::kTenant, scope::kSubscribersWrite,
     false, create_recharge, "recharge.create"},
    {verb::get, "v1/recharges/{id}", Caller::kTenant, scope::kSubscribersRead, false, get_recharge,
     "recharge.read"},
    {verb::post, "v1/subscribers/{msisdn}/sim-replacements", Caller::kTenant,
     scope::kSubscribersWrite, false, create_sim_replacement, "sim_replacement.create"},
    {verb::get, "v1/sim-replacements/{id}", Caller::kTenant, scope::kSubscribersRead, false,
     get_sim_replacement, "sim_replacement.read"},
    {verb::post, "v1/subscribers/{msisdn}/suspend", Caller::kTenant, scope::kSubscribersWrite,
     false, suspend_subscriber, "subscriber.suspend"},
    {verb::post, "v1/subscribers/{msisdn}/resume", Caller::kTenant, scope::kSubscribersWrite, false,
     resume_subscriber, "subscriber.resume"},
    // A test deployment's clock (docs/test-clock.md): absent unless the
    // clock is movable (http_api.cpp), scope never implied.
    {verb::get, "v1/test/clock", Caller::kTenant, kTestClockScope, true, get_test_clock, ""},
    {verb::post, "v1/test/clock", Caller::kTenant, kTestClockScope, true, move_test_clock,
     "test_clock.move"},
};

// Whether `segments` fit `pattern`; the "{...}" segment goes to `param`.
bool fits(std::string_view pattern, const std::vector<std::string>& segments, std::string& param) {
  size_t i = 0;
  for (;;) {
    const size_t slash = pattern.find('/');
    const std::string_view part = pattern.substr(0, slash);
    if (i == segments.size()) return false;
    if (part.starts_with('{'))
      param = segments[i];
    else if (segments[i] != part)
      return false;
    ++i;
    if (slash == std::string_view::npos) return i == segments.size();
    pattern.remove_prefix(slash + 1);
  }
}

}  // namespace

std::span<const Route> routes() {
  return kRoutes;
}

RouteMatch match(const std::vector<std::string>& segments, net::http::verb method) {
  RouteMatch m;
  m.under_v1 = segments.size() >= 2 && segments[0] == "v1";
  // HEAD is routed as GET; the HTTP layer sends the head of the answer
  // without its body (RFC 9110 9.3.2).
  if (method == verb::head) method = verb::get;
  std::string param;
  for (const Route& r : kRoutes) {
    if (!fits(r.pattern, segments, param)) continue;
    if (!m.path_route) m.path_route = &r;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method == verb::get ? "GET, HEAD" : std::string(net::http::to_string(r.method));
    if (r.method == method && !m.route) {
      m.route = &r;
      m.param = param;
    }
  }
  if (!m.route && m.path_route) {
    // A 405 is checked, scoped and audited as the path's GET route, or as
    // its first. (The routes a path fits all share one pattern.)
    for (const Route& r : kRoutes)
      if (r.method == verb::get && r.pattern == m.path_route->pattern) {
        m.path_route = &r;
        break;
      }
    fits(m.path_route->pattern, segments, m.param);
  }
  return m;
}

}  // namespace cgw::gw::api
