// The subscriber services in the route table and the error table: each
// route's scope, audit action and parameter, and the statuses of the codes
// they add (docs/after-sales.md, docs/openapi.yaml).
#include "api/error.hpp"
#include "api/routes.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace cgw::gw;
using verb = boost::beast::http::verb;

namespace {
std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path.substr(1));
  for (std::string s; std::getline(in, s, '/');) out.push_back(s);
  return out;
}

struct Expected {
  verb method;
  const char* path;
  api::Awaitable (*handler)(api::Ctx&);
  const char* scope;
  const char* audit;
  const char* param;
};
}  // namespace

TEST(SubscriberRoutes, EachRouteHasItsScopeAuditAndParameter) {
  const Expected expected[] = {
      {verb::get, "/v1/subscribers/13800138000", api::get_subscriber, api::scope::kSubscribersRead,
       "subscriber.read", "13800138000"},
      {verb::post, "/v1/subscribers/13800138000/recharges", api::create_recharge,
       api::scope::kSubscribersWrite, "recharge.create", "13800138000"},
      {verb::get, "/v1/recharges/rch_1", api::get_recharge, api::scope::kSubscribersRead,
       "recharge.read", "rch_1"},
      {verb::post, "/v1/subscribers/13800138000/sim-replacements", api::create_sim_replacement,
       api::scope::kSubscribersWrite, "sim_replacement.create", "13800138000"},
      {verb::get, "/v1/sim-replacements/rpl_1", api::get_sim_replacement,
       api::scope::kSubscribersRead, "sim_replacement.read", "rpl_1"},
      {verb::post, "/v1/subscribers/13800138000/suspend", api::suspend_subscriber,
       api::scope::kSubscribersWrite, "subscriber.suspend", "13800138000"},
      {verb::post, "/v1/subscribers/13800138000/resume", api::resume_subscriber,
       api::scope::kSubscribersWrite, "subscriber.resume", "13800138000"},
  };
  for (const auto& e : expected) {
    auto m = api::match(segments(e.path), e.method);
    ASSERT_NE(m.route, nullptr) << e.path;
    EXPECT_EQ(m.route->handler, e.handler) << e.path;
    EXPECT_EQ(m.route->caller, api::Caller::kTenant) << e.path;
    EXPECT_STREQ(m.route->scope, e.scope) << e.path;
    // A platform's own scopes: implied by a key without a scopes list.
    EXPECT_FALSE(m.route->scope_listed) << e.path;
    EXPECT_EQ(m.route->audit_action, e.audit) << e.path;
    EXPECT_EQ(m.param, e.param) << e.path;
  }
}

TEST(SubscriberRoutes, WriteRoutesArePostOnly) {
  auto m = api::match(segments("/v1/subscribers/13800138000/suspend"), verb::get);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "POST");
  m = api::match(segments("/v1/subscribers/13800138000"), verb::post);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, HEAD");
}

TEST(SubscriberRoutes, TheirCodesHaveTheirStatuses) {
  EXPECT_EQ(http_status_for(code::kSubscriberNotFound), 404);
  EXPECT_EQ(http_status_for(code::kIdentityMismatch), 422);
  EXPECT_EQ(http_status_for(code::kNotSupported), 501);
  // A refusal is a carrier's (502), except a line whose state refuses the
  // request that targets it (resume of a carrier suspension: 409).
  EXPECT_EQ(http_status_for(code::kCarrierRejected), 502);
  EXPECT_EQ(http_status_for(code::kCarrierRejected, ErrorSubject::kTarget), 409);
}
