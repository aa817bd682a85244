// The route table: every route's method, path pattern, how the caller is
// authenticated, the scope it needs, its handler and its audit action. The
// router (http_api.cpp), the scope check and the audit log all read it; the
// request path is parsed once, by match().
#pragma once

#include "api/support.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw::api {

// Who may call a route.
enum class Caller {
  kAnyone,    // /healthz, /readyz
  kOperator,  // /metrics: a key that lists the route's scope; no tenant quota
  kCarrier,   // /v1/callbacks/{carrier}: the carrier's signature, checked by its plugin
  kTenant,    // /v1/*: a tenant's API key with the route's scope, within its request quota
};

struct Route {
  net::http::verb method;  // GET routes answer HEAD too
  // Segments after the leading '/'; "{name}" matches any one segment,
  // which the handler reads as Ctx::param.
  std::string_view pattern;
  Caller caller;
  // The scope the key needs (nullptr: none). A key without a scopes list
  // has every tenant scope, unless `scope_listed`: then only a key that
  // names the scope has it (operators' routes, docs/security.md).
  const char* scope;
  bool scope_listed;
  Awaitable (*handler)(Ctx&);
  // The audit log's action ("" : not audited, docs/security.md "Audit").
  std::string_view audit_action;
};

std::span<const Route> routes();

// What a request path is, by the table.
struct RouteMatch {
  // The route for the method (HEAD as GET); null when the path has none.
  const Route* route = nullptr;
  // The first route of the path when the method does not match: the caller
  // check, scope and audit of a 405 are its.
  const Route* path_route = nullptr;
  std::string param;      // the "{...}" segment
  std::string allow;      // the path's methods, for 405 ("GET, HEAD, POST")
  bool under_v1 = false;  // "/v1/<something>": unknown ones need a tenant key before 404
};

// `segments`: the decoded path segments ("/v1/reservations/r1" is v1,
// reservations, r1).
RouteMatch match(const std::vector<std::string>& segments, net::http::verb method);

}  // namespace cgw::gw::api
