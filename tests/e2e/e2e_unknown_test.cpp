// Unknown outcomes end to end, with the real cgw-sim (mobile) and
// cgw-gateway on 127.0.0.1 (docs/reliability.md, "Unknown outcomes" and
// "Stale pooled connections").
//
// A carrier that cannot be asked by the gateway's order id is played by
// simulator faults: the order is created but its reply never comes (a
// timeout after serving; not a reset, which the host would answer by
// sending the replayable submit once more on a fresh connection), every
// status query by our id answers "order not found" (5001), and the
// resubmission is refused because the first submit consumed the lock
// (3003). The activation must stay `unknown` (a line is open at the
// carrier), be listed and counted, and be resolved only by an operator. The
// simulator's clock is frozen so that the carrier's callback cannot settle
// the order behind the test's back. Built on the shared harness
// (harness.hpp): every wait polls the gateway, the simulator or the webhook
// receiver with a deadline.
#include "cgw/common/crypto.hpp"
#include "harness.hpp"
#include "webhook_receiver.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <sstream>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "unknown-test-platform-key";       // no scopes list: all but resolve
const std::string kOperator = "unknown-test-operator-key";  // activations:read + resolve
const std::string kMetricsKey = "unknown-test-metrics-key";
const std::string kOtherOperator = "unknown-test-other-tenant-operator";
constexpr int kPoolSize = 2000;

struct Env {
  Stack stack{"cgw_e2e_unknown"};
  uint16_t sim_port = 0, gw_port = 0;
  std::unique_ptr<cgw::reliability::WebhookReceiver> hooks;
};
Env* env = nullptr;

HttpResult api(const std::string& key, const std::string& method, const std::string& target,
               const std::string& body = {},
               std::vector<std::pair<std::string, std::string>> extra = {}) {
  extra.emplace_back("Authorization", "Bearer " + key);
  if (!body.empty()) extra.emplace_back("Content-Type", "application/json");
  return http(method, env->gw_port, target, body, extra);
}
HttpResult sim(const std::string& method, const std::string& target, const json::value& body = {}) {
  return http(method, env->sim_port, target, body.is_null() ? "" : json::serialize(body));
}

bool start_sim(uint16_t port) {
  SimSpec mobile("mobile", 5, kPoolSize);
  mobile.listen = "127.0.0.1:" + std::to_string(port);
  mobile.activation_delay_ms = 2000;
  mobile.reservation_ttl_s = 7200;
  const auto why = env->stack.start_sim(sim_config({mobile}), 20s);
  EXPECT_EQ(why, "");
  env->sim_port = env->stack.sim_port("mobile");
  return why.empty();
}

class E2EUnknown : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    const std::string webhook_secret = "unknown-test-webhook-secret-0123";
    env->hooks = std::make_unique<cgw::reliability::WebhookReceiver>(webhook_secret, 0);
    ASSERT_EQ(env->hooks->start(), "");
    ASSERT_TRUE(start_sim(0));
    GatewaySpec gw;
    gw.extra =
        "audit: {path: audit.log}\n"
        "webhooks: {initial_backoff_ms: 200, max_backoff_ms: 2000, scan_interval_ms: 100, "
        "request_timeout_ms: 2000, max_in_flight: 16}\n";
    gw.tenants = {
        TenantSpec("demo",
                   {kKey, KeySpec(kOperator, "ops", "[activations:read, activations:resolve]"),
                    KeySpec(kMetricsKey, "", "[metrics:read]")},
                   "    webhook: {url: 'http://127.0.0.1:" + std::to_string(env->hooks->port()) +
                       "/hooks', secret: whsec_" + cgw::crypto::base64_encode(webhook_secret) +
                       "}\n"),
        TenantSpec("other",
                   {KeySpec(kOtherOperator, "", "[activations:read, activations:resolve]")}),
    };
    CarrierSpec mobile("mobile", env->stack.sim_url("mobile"));
    mobile.sync_page_size = 1000;
    mobile.activation_poll_interval_s = 1;
    // The breaker never opens: the last case restarts the carrier on
    // purpose, and calls failing meanwhile (a lock release retried) must
    // not leave it open for the call the case is about.
    mobile.extra =
        "    sync_interval_s: 3600\n    request_timeout_ms: 3000\n"
        "    circuit_breaker: {min_calls: 100000}\n";
    gw.carriers = {mobile};
    ASSERT_EQ(env->stack.start_gateway(gateway_config(gw), 'c', 20s), "");
    env->gw_port = env->stack.gw_port;
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, 1, 20s))
        << read_file(env->stack.dir / "gateway.log");
    // The carrier's clock stands still: orders stay in progress and send no
    // callback until a test moves it.
    ASSERT_EQ(sim("POST", "/admin/clock", json::object{{"freeze", true}}).status, 200);
  }

  static void TearDownTestSuite() {
    env->stack.finish(true);
    env->hooks.reset();
    delete env;
    env = nullptr;
  }

  static std::string fresh_number() {
    static std::set<std::string> used;
    return cgw::test::fresh_number(env->gw_port, kKey, "mobile", used);
  }
  static HttpResult reserve(const std::string& msisdn) {
    static int n = 0;
    return api(kKey, "POST", "/v1/reservations",
               json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}}),
               {{"Idempotency-Key", "unknown-reserve-" + std::to_string(++n)}});
  }

  // An activation whose submit reply was lost at a carrier that cannot be
  // asked by our id and refuses the resubmission. Returns its id once the
  // engine has left it to an operator.
  static std::string make_unknown() {
    static int n = 0;
    ++n;
    EXPECT_EQ(sim("DELETE", "/admin/faults").status / 100, 2);
    json::array faults{
        json::object{{"operation", "/open/v1/orders"},
                     {"kind", "timeout"},
                     {"after_serve", true},
                     {"first", 1}},
        json::object{
            {"operation", "/open/v1/orders/query"}, {"kind", "business_error"}, {"code", "5001"}},
        json::object{
            {"operation", "/open/v1/orders"}, {"kind", "business_error"}, {"code", "3003"}}};
    auto f = sim("POST", "/admin/faults", json::object{{"faults", faults}});
    EXPECT_EQ(f.status, 201) << f.body;
    auto res = reserve(fresh_number());
    EXPECT_EQ(res.status, 201) << res.body;
    auto kyc = api(
        kKey, "POST", "/v1/kyc/verifications",
        json::serialize(json::object{{"carrier", "mobile"},
                                     {"name", "未知测试"},
                                     {"id_number", make_id("19900101", std::to_string(300 + n))}}));
    EXPECT_EQ(kyc.status, 200) << kyc.body;
    if (res.status != 201 || kyc.status != 200) return {};
    json::object body{{"reservation_id", res.json().at("reservation_id")},
                      {"plan_id", "MB-DGDD-19"},
                      {"verification_id", kyc.json().at("verification_id")},
                      {"delivery", json::object{{"name", "未知测试"},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区示例路1号"}}}};
    auto act = api(kKey, "POST", "/v1/activations", json::serialize(body),
                   {{"Idempotency-Key", "unknown-act-" + std::to_string(n)}});
    EXPECT_EQ(act.status, 202) << act.body;
    if (act.status != 202) return {};
    const std::string id(act.json().at("activation_id").as_string());
    // Until the engine has tried the resubmission (or, without the rule,
    // failed the order).
    wait_until(
        [&] {
          auto a = api(kKey, "GET", "/v1/activations/" + id).json();
          if (a.at("status").as_string() == "failed") return true;
          bool held = false;
          for (const auto& h : a.at("history").as_array())
            held |= std::string(h.at("cause").as_string()).starts_with("resubmission refused");
          return held;
        },
        30s);
    EXPECT_EQ(sim("DELETE", "/admin/faults").status / 100, 2);
    return id;
  }

  static HttpResult resolve(const std::string& key, const std::string& id, const json::object& b) {
    return api(key, "POST", "/v1/activations/" + id + "/resolve", json::serialize(b));
  }
  static json::value wait_status(const std::string& id, const std::string& until) {
    return wait_activation(env->gw_port, kKey, id, {until});
  }
  static bool webhook_seen(const std::string& id, const std::string& status) {
    return wait_until([&] { return env->hooks->statuses(id).count(status) > 0; }, 20s);
  }
  static int64_t unknown_gauge() {
    auto r = api(kMetricsKey, "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string sample = "cgw_activations_unknown{carrier=\"mobile\"} ";
    auto at = r.body.find(sample);
    if (at == std::string::npos) return -1;
    return std::stoll(r.body.substr(at + sample.size()));
  }
  static std::set<std::string> listed(const std::string& key) {
    std::set<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 50; ++page) {
      auto r = api(key, "GET",
                   "/v1/activations?status=unknown&limit=1" +
                       (cursor.empty() ? std::string() : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const auto body = r.json();
      EXPECT_LE(body.at("activations").as_array().size(), 1u);
      for (const auto& a : body.at("activations").as_array()) {
        EXPECT_EQ(a.at("status").as_string(), "unknown");
        ids.emplace(a.at("activation_id").as_string());
      }
      if (body.at("next_cursor").is_null()) break;
      cursor = std::string(body.at("next_cursor").as_string());
    }
    return ids;
  }
};

}  // namespace

TEST_F(E2EUnknown, RefusedResubmissionLeavesTheOrderUnknownListedAndCounted) {
  const auto a = make_unknown();
  const auto b = make_unknown();
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  for (const auto& id : {a, b}) {
    auto act = api(kKey, "GET", "/v1/activations/" + id).json();
    EXPECT_EQ(act.at("status").as_string(), "unknown") << act;
    EXPECT_TRUE(act.at("failure").is_null()) << act;
  }
  // Paged one by one, the tenant sees both; another tenant sees neither.
  auto mine = listed(kKey);
  EXPECT_TRUE(mine.count(a) && mine.count(b)) << mine.size();
  auto theirs = listed(kOtherOperator);
  EXPECT_FALSE(theirs.count(a) || theirs.count(b));
  EXPECT_EQ(unknown_gauge(), static_cast<int64_t>(mine.size()));

  EXPECT_EQ(api(kKey, "GET", "/v1/activations?status=activated").error_code(), "INVALID_ARGUMENT");
  EXPECT_EQ(api(kKey, "GET", "/v1/activations").error_code(), "INVALID_ARGUMENT");
  EXPECT_EQ(api(kKey, "GET", "/v1/activations?status=unknown&limit=0").error_code(),
            "INVALID_ARGUMENT");
  EXPECT_EQ(api(kKey, "GET", "/v1/activations?status=unknown&cursor=x").error_code(),
            "INVALID_ARGUMENT");
}

TEST_F(E2EUnknown, ResolveByCarrierOrderIdAppliesTheCarriersAnswer) {
  const auto id = make_unknown();
  ASSERT_FALSE(id.empty());
  const int64_t before = unknown_gauge();
  ASSERT_GE(before, 1);

  // The scope is never implied by a key without a scopes list.
  auto denied = resolve(kKey, id, {{"status", "failed"}, {"reason", "x"}});
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(resolve(kOtherOperator, id, {{"status", "failed"}, {"reason", "x"}}).status, 404);
  EXPECT_EQ(resolve(kOperator, id, {{"status", "failed"}, {"carrier_order_id", "MO1"}}).status,
            400);
  EXPECT_EQ(resolve(kOperator, id, {{"status", "submitted"}, {"reason", "x"}}).status, 400);
  EXPECT_EQ(resolve(kOperator, id, {{"status", "failed"}}).status, 400);  // no reason
  EXPECT_EQ(resolve(kOperator, id, {{"carrier_order_id", "MO000000000000000000"}}).error_code(),
            "ORDER_NOT_FOUND");
  EXPECT_EQ(api(kKey, "GET", "/v1/activations/" + id).json().at("status").as_string(), "unknown");

  // The operator found the order at the carrier by other means.
  std::string order_id;
  const auto state = sim("GET", "/admin/state").json();
  for (const auto& o : state.at("orders").as_array())
    if (o.at("partnerOrderId").as_string() == id) order_id = o.at("orderId").as_string();
  ASSERT_FALSE(order_id.empty());
  auto r = resolve(kOperator, id, {{"carrier_order_id", order_id}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "submitted");  // the carrier is processing it
  EXPECT_EQ(r.json().at("carrier_order_id").as_string(), order_id);
  EXPECT_EQ(r.headers.count("idempotent-replayed"), 0u);
  EXPECT_EQ(unknown_gauge(), before - 1);

  auto again = resolve(kOperator, id, {{"carrier_order_id", order_id}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(resolve(kOperator, id, {{"status", "failed"}, {"reason", "x"}}).error_code(),
            "ACTIVATION_NOT_UNKNOWN");

  // The carrier finishes the order; the gateway follows it by its order id.
  ASSERT_EQ(sim("POST", "/admin/clock", json::object{{"advance_ms", 3000}}).status, 200);
  auto done = wait_status(id, "activated");
  EXPECT_EQ(done.at("status").as_string(), "activated") << done;
  EXPECT_TRUE(webhook_seen(id, "submitted"));
  EXPECT_TRUE(webhook_seen(id, "activated"));

  // Audited with who and what was decided; the refused attempt too.
  const auto audit = read_file(env->stack.dir / "audit.log");
  bool resolved = false, forbidden = false;
  std::istringstream lines(audit);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(id) == std::string::npos || line.find("activation.resolve") == std::string::npos)
      continue;
    auto e = json::parse(line).as_object();
    if (e.at("outcome").as_string() == "resolved:submitted" && e.at("key").as_string() == "ops")
      resolved = true;
    if (e.at("http_status").to_number<int>() == 403) forbidden = true;
  }
  EXPECT_TRUE(resolved) << audit;
  EXPECT_TRUE(forbidden) << audit;
}

TEST_F(E2EUnknown, ResolveByStatusIsFinalAndIdempotent) {
  const auto id = make_unknown();
  ASSERT_FALSE(id.empty());
  json::object decision{{"status", "failed"}, {"reason", "the carrier confirmed no line is open"}};
  auto r = resolve(kOperator, id, decision);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto act = r.json();
  EXPECT_EQ(act.at("status").as_string(), "failed");
  EXPECT_EQ(act.at("failure").at("code").as_string(), "RESOLVED_FAILED");
  const auto& last = act.at("history").as_array().back();
  EXPECT_TRUE(std::string(last.at("cause").as_string()).starts_with("operator resolve")) << last;

  auto again = resolve(kOperator, id, decision);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  auto other = resolve(kOperator, id, {{"status", "activated"}, {"reason", "x"}});
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(other.error_code(), "ACTIVATION_NOT_UNKNOWN");
  EXPECT_TRUE(webhook_seen(id, "failed"));
  EXPECT_FALSE(listed(kOperator).count(id));
}

TEST_F(E2EUnknown, PooledConnectionToARestartedCarrierIsNotReused) {
  // A reservation leaves a keep-alive connection in the gateway's pool.
  auto first = reserve(fresh_number());
  ASSERT_EQ(first.status, 201) << first.body;
  // The carrier restarts on the same port: the pooled connection is dead.
  const uint16_t port = env->sim_port;
  ASSERT_EQ(env->stack.sim.stop(SIGTERM, 10s), 0);
  ASSERT_TRUE(start_sim(port));
  ASSERT_EQ(env->sim_port, port);
  // A reservation (a POST nobody may resend) goes out on a fresh
  // connection instead of failing as "no complete reply".
  auto second = reserve(fresh_number());
  EXPECT_EQ(second.status, 201) << second.body;
}
