// The route table (api/routes.hpp): what a path and method match, the Allow
// list of a 405, and the rules every route keeps.
#include "api/routes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace cgw::gw;
using verb = boost::beast::http::verb;

namespace {
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path.substr(1));
  for (std::string s; std::getline(in, s, '/');) out.push_back(s);
  if (path.ends_with('/')) out.emplace_back();
  return out;
}
}  // namespace

TEST(Routes, MatchesMethodAndPattern) {
  auto m = api::match(segments("/v1/reservations/r-1"), verb::delete_);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, &api::delete_reservation);
  EXPECT_EQ(m.route->audit_action, "reservation.release");
  EXPECT_STREQ(m.route->scope, api::scope::kNumbersReserve);
  EXPECT_EQ(m.param, "r-1");
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");

  m = api::match(segments("/v1/activations/a-1/webhooks"), verb::get);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->audit_action, "activation.webhooks.read");
  EXPECT_EQ(m.param, "a-1");

  m = api::match(segments("/v1/callbacks/mobile"), verb::post);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->caller, api::Caller::kCarrier);
  EXPECT_EQ(m.param, "mobile");
}

TEST(Routes, HeadIsRoutedAsGet) {
  auto m = api::match(segments("/v1/carriers"), verb::head);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->handler, &api::list_carriers);
  EXPECT_EQ(m.route->method, verb::get);
}

TEST(Routes, WrongMethodKeepsThePathsRulesAndNamesItsMethods) {
  // PUT /v1/activations: 405 after the rules of GET /v1/activations.
  auto m = api::match(segments("/v1/activations"), verb::put);
  EXPECT_EQ(m.route, nullptr);
  ASSERT_NE(m.path_route, nullptr);
  EXPECT_EQ(m.path_route->handler, &api::list_activations);
  EXPECT_EQ(m.allow, "GET, HEAD, POST");

  m = api::match(segments("/v1/activations/a-2/resolve"), verb::get);
  EXPECT_EQ(m.route, nullptr);
  ASSERT_NE(m.path_route, nullptr);
  EXPECT_STREQ(m.path_route->scope, api::scope::kActivationsResolve);
  EXPECT_TRUE(m.path_route->scope_listed);
  EXPECT_EQ(m.param, "a-2");
  EXPECT_EQ(m.allow, "POST");

  m = api::match(segments("/healthz"), verb::post);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, HEAD");
}

TEST(Routes, UnknownPaths) {
  for (const char* path : {"/v1/reservations/r/extra", "/v1/kyc", "/v1/nothing", "/v1/"}) {
    auto m = api::match(segments(path), verb::get);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_EQ(m.path_route, nullptr) << path;
    EXPECT_TRUE(m.under_v1) << path;
  }
  for (const char* path : {"/", "/v1", "/healthz/x", "/v2/carriers"}) {
    auto m = api::match(segments(path), verb::get);
    EXPECT_EQ(m.path_route, nullptr) << path;
    EXPECT_FALSE(m.under_v1) << path;
  }
}

TEST(Routes, EveryRouteIsOnceAndAuditedOnlyForTenants) {
  std::set<std::pair<verb, std::string_view>> seen;
  for (const auto& r : api::routes()) {
    EXPECT_TRUE(seen.insert({r.method, r.pattern}).second) << r.pattern;
    EXPECT_NE(r.handler, nullptr) << r.pattern;
    EXPECT_TRUE(r.audit_action.empty() || r.caller == api::Caller::kTenant) << r.pattern;
    EXPECT_TRUE(r.caller != api::Caller::kTenant || r.scope != nullptr) << r.pattern;
    EXPECT_TRUE(r.caller != api::Caller::kOperator || r.scope_listed) << r.pattern;
  }
}
