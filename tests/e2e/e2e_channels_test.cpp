// One gateway, two QA tenants, two simulator namespaces, in parallel
// (docs/security.md "Channels"). The real cgw-sim serves mobile and mvno;
// on each, namespaces qa1 and qa2 are made with the SAME seed, so they hold
// the same numbers. The real cgw-gateway has each carrier once, and tenants
// qa1 and qa2 each with their own base_url for both carriers
// (`tenants[].carriers`), so each tenant's requests reach its namespace
// through its own channel (mobile.qa1, mvno.qa2, ...). The four
// walkthroughs (search, reserve the SAME msisdn in both tenants, KYC,
// activate, reach `activated` by the namespace's signed callback) run at
// once; then each namespace must have seen only its tenant's requests, each
// tenant only its own objects, and the carrier order ids must differ.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kCarriers = {"mobile", "mvno"};
const std::vector<std::string> kTenants = {"qa1", "qa2"};
constexpr int kSameSeed = 21;

// The journal's names of the lock and order requests of each carrier
// (docs/carriers/; mvno names an endpoint with "." for "/").
const std::map<std::string, std::pair<std::string, std::string>> kWrites = {
    {"mobile", {"/open/v1/numbers/lock", "/open/v1/orders"}},
    {"mvno", {"number.occupy", "order.create"}}};

std::string key_of(const std::string& tenant) {
  return "channels-e2e-key-" + tenant;
}

struct Env {
  Stack stack{"cgw_e2e_channels"};
  std::map<std::string, uint16_t> sim_port;
  uint16_t gw_port = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& tenant, const std::string& method, const std::string& target,
               const std::string& body = {}, const Headers& extra = {}) {
  return api_call(env->gw_port, key_of(tenant), method, target, body, extra);
}

json::value sim_get(const std::string& carrier, const std::string& tenant,
                    const std::string& path) {
  auto r = http("GET", env->sim_port.at(carrier), "/ns/" + tenant + path);
  EXPECT_EQ(r.status, 200) << carrier << " " << tenant << path << ": " << r.body;
  return r.status == 200 ? r.json() : json::value();
}

std::string gateway_config() {
  GatewaySpec gw;
  for (const auto& t : kTenants) {
    // The tenant's own endpoint for each carrier; every other setting
    // (credentials included) is the carrier's.
    std::string channels = "    carriers:\n";
    for (const auto& c : kCarriers)
      channels += "      " + c + ": {base_url: '" + env->stack.sim_url(c) + "/ns/" + t + "'}\n";
    gw.tenants.emplace_back(t, std::vector<KeySpec>{key_of(t)}, channels);
  }
  // The carriers themselves point at the default instances, which no QA
  // tenant may reach. Polling once a minute: activations end by callback.
  for (const auto& c : kCarriers) {
    CarrierSpec spec(c, env->stack.sim_url(c));
    spec.activation_poll_interval_s = 60;
    gw.carriers.push_back(spec);
  }
  return cgw::test::gateway_config(gw);
}

class E2EChannels : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    std::vector<SimSpec> sims;
    for (const auto& c : kCarriers) sims.emplace_back(c, 3, 1500);
    ASSERT_EQ(s.start_sim(sim_config(sims)), "");
    for (const auto& c : kCarriers) {
      env->sim_port[c] = s.sim_port(c);
      for (const auto& t : kTenants) {
        auto made = http("POST", env->sim_port[c], "/admin/namespaces",
                         json::serialize(json::object{{"name", t}, {"seed", kSameSeed}}));
        ASSERT_EQ(made.status, 201) << c << " " << t << ": " << made.body;
      }
    }
    ASSERT_EQ(s.start_gateway(gateway_config(), 'c'), "") << read_file(s.dir / "gateway.log");
    env->gw_port = s.gw_port;
    for (const auto& t : kTenants)
      ASSERT_TRUE(wait_first_sync(env->gw_port, key_of(t), kCarriers.size(), 60s))
          << t << "\n"
          << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }

  void SetUp() override { ASSERT_NE(env->gw_port, 0) << "the suite set-up failed (see above)"; }
};

// What one tenant's walkthrough on one carrier made.
struct Walk {
  std::string carrier, tenant, msisdn;
  std::string reservation_id, verification_id, activation_id, carrier_order_id;
  json::value last;  // the activation's last view
};

// Reserve, KYC, activate, wait for `activated`: run on its own thread.
void walk(Walk& w, const std::string& plan) {
  const std::string& t = w.tenant;
  // The same Idempotency-Key in both tenants: keys are per tenant.
  auto res = api(t, "POST", "/v1/reservations",
                 json::serialize(json::object{{"carrier", w.carrier}, {"msisdn", w.msisdn}}),
                 {{"Idempotency-Key", "reserve-" + w.carrier}});
  if (res.status != 201) {
    ADD_FAILURE() << t << " " << w.carrier << ": " << res.body;
    return;
  }
  EXPECT_EQ(res.json().at("carrier").as_string(), w.carrier) << res.body;
  w.reservation_id = res.json().at("reservation_id").as_string();

  auto ver = api(t, "POST", "/v1/kyc/verifications",
                 json::serialize(json::object{{"carrier", w.carrier},
                                              {"name", "测试用户"},
                                              {"id_number", make_id("19900101", "903")}}));
  if (ver.status != 200 || ver.json().at("result").as_string() != "passed") {
    ADD_FAILURE() << t << " " << w.carrier << ": " << ver.body;
    return;
  }
  w.verification_id = ver.json().at("verification_id").as_string();

  json::object body{{"reservation_id", w.reservation_id},
                    {"plan_id", plan},
                    {"verification_id", w.verification_id},
                    {"delivery", json::object{{"name", "测试收件人"},
                                              {"phone", "13900000000"},
                                              {"address", "北京市东城区测试路1号"}}}};
  auto act = api(t, "POST", "/v1/activations", json::serialize(body),
                 {{"Idempotency-Key", "activate-" + w.carrier}});
  if (act.status != 202) {
    ADD_FAILURE() << t << " " << w.carrier << ": " << act.body;
    return;
  }
  w.activation_id = act.json().at("activation_id").as_string();
  w.last = wait_activation(env->gw_port, key_of(t), w.activation_id, {"activated", "failed"});
}

// A plan the carrier lists (not a simulator test plan), as `tenant` sees it.
std::string plan_of(const std::string& tenant, const std::string& carrier) {
  auto plans = api(tenant, "GET", "/v1/plans?carrier=" + carrier);
  EXPECT_EQ(plans.status, 200) << plans.body;
  if (plans.status != 200) return {};
  const auto list = plans.json();  // alive while iterated
  for (const auto& p : list.at("plans").as_array()) {
    EXPECT_EQ(p.at("carrier").as_string(), carrier);
    if (!std::string(p.at("plan_id").as_string()).starts_with("SIM-"))
      return std::string(p.at("plan_id").as_string());
  }
  return {};
}

TEST_F(E2EChannels, TwoTenantsOnTwoNamespacesInParallel) {
  // Each tenant sees each carrier once, under the carrier's own id.
  for (const auto& t : kTenants) {
    auto list = api(t, "GET", "/v1/carriers");
    ASSERT_EQ(list.status, 200) << list.body;
    std::set<std::string> ids;
    const auto body = list.json();  // alive while iterated
    for (const auto& c : body.at("carriers").as_array())
      ids.insert(std::string(c.at("id").as_string()));
    EXPECT_EQ(ids, std::set<std::string>(kCarriers.begin(), kCarriers.end())) << list.body;
  }

  // 1. Search: the same seed, the same first number in both namespaces.
  std::vector<Walk> walks;
  std::map<std::string, std::string> plans;
  for (const auto& c : kCarriers) {
    auto page = api("qa1", "GET", "/v1/numbers?carrier=" + c + "&limit=1");
    ASSERT_EQ(page.status, 200) << page.body;
    ASSERT_EQ(page.json().at("numbers").as_array().size(), 1u) << page.body;
    const std::string msisdn(page.json().at("numbers").at(0).at("msisdn").as_string());
    EXPECT_EQ(page.json().at("numbers").at(0).at("carrier").as_string(), c);
    auto other = api("qa2", "GET", "/v1/numbers?carrier=" + c + "&prefix=" + msisdn);
    ASSERT_EQ(other.status, 200) << other.body;
    ASSERT_EQ(other.json().at("numbers").as_array().size(), 1u)
        << c << ": qa2's namespace lacks " << msisdn.substr(0, 3) << ": " << other.body;
    plans[c] = plan_of("qa1", c);
    ASSERT_FALSE(plans[c].empty());
    for (const auto& t : kTenants) walks.push_back(Walk{c, t, msisdn, {}, {}, {}, {}, {}});
  }

  // 2-4. Both tenants on both carriers at once.
  {
    std::vector<std::jthread> threads;
    for (auto& w : walks) threads.emplace_back([&w, &plans] { walk(w, plans.at(w.carrier)); });
  }
  for (auto& w : walks) {
    ASSERT_TRUE(w.last.is_object()) << w.tenant << " " << w.carrier << ": no activation";
    ASSERT_EQ(w.last.at("status").as_string(), "activated") << json::serialize(w.last);
    EXPECT_EQ(w.last.at("carrier").as_string(), w.carrier);
    // Ended by the namespace's callback (polling is once a minute).
    const auto& history = w.last.at("history").as_array();
    EXPECT_NE(std::string(history.back().at("cause").as_string()).find("callback"),
              std::string::npos)
        << json::serialize(w.last);
    w.carrier_order_id = w.last.at("carrier_order_id").as_string();
    EXPECT_TRUE(wait_callback_acknowledged(env->sim_port.at(w.carrier), 10s, "/ns/" + w.tenant))
        << w.tenant << " " << w.carrier << ": no callback acknowledged";
  }

  for (size_t i = 0; i < walks.size(); i += 2) {
    const Walk &a = walks[i], &b = walks[i + 1];
    // Two numbers in two namespaces, two orders: two carrier order ids.
    EXPECT_NE(a.carrier_order_id, b.carrier_order_id) << a.carrier;
    for (const auto& [mine, theirs] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
      const std::string& t = mine->tenant;
      const std::string& c = mine->carrier;
      // The namespace saw this tenant's lock and order, and no other.
      for (const std::string& op : {kWrites.at(c).first, kWrites.at(c).second}) {
        auto journal = sim_get(c, t, "/admin/requests?limit=5000&operation=" + op);
        EXPECT_EQ(journal.at("requests").as_array().size(), 1u) << c << " " << t << " " << op;
        for (const auto& r : journal.at("requests").as_array())
          EXPECT_TRUE(r.at("signature_ok").as_bool()) << json::serialize(r);
      }
      const auto state = sim_get(c, t, "/admin/state");
      ASSERT_EQ(state.at("orders").as_array().size(), 1u) << json::serialize(state);
      EXPECT_EQ(state.at("orders").at(0).at("partnerOrderId").as_string(), mine->activation_id);
      EXPECT_EQ(state.at("orders").at(0).at("orderId").as_string(), mine->carrier_order_id);
      // The tenant sees its own objects and not the other's.
      EXPECT_EQ(api(t, "GET", "/v1/reservations/" + mine->reservation_id).status, 200);
      EXPECT_EQ(api(t, "GET", "/v1/reservations/" + theirs->reservation_id).status, 404);
      EXPECT_EQ(api(t, "GET", "/v1/kyc/verifications/" + theirs->verification_id).status, 404);
      EXPECT_EQ(api(t, "GET", "/v1/activations/" + theirs->activation_id).status, 404);
      // The number is sold in this tenant's namespace: reserving it again
      // is refused there.
      auto again = api(t, "POST", "/v1/reservations",
                       json::serialize(json::object{{"carrier", c}, {"msisdn", mine->msisdn}}),
                       {{"Idempotency-Key", "reserve-again-" + c}});
      EXPECT_EQ(again.status, 409) << t << " " << c << ": " << again.body;
    }
    // The default instance, which the carriers themselves point at, took
    // no order.
    auto root = http("GET", env->sim_port.at(a.carrier), "/admin/state");
    ASSERT_EQ(root.status, 200);
    EXPECT_TRUE(root.json().at("orders").as_array().empty()) << root.body;
  }

  // No tenant names a channel directly.
  auto direct = api("qa1", "GET", "/v1/numbers?carrier=mobile.qa1&limit=1");
  EXPECT_EQ(direct.status, 400) << direct.body;
  EXPECT_EQ(direct.error_code(), "UNKNOWN_CARRIER");
}

}  // namespace
