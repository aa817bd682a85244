// The README's after-sales walkthrough (docs/after-sales.md) for every
// carrier, through the real cgw-gateway and one real cgw-sim playing all
// four: an order tracked to activated (through shipped and delivered where
// the carrier reports them, forward only), a cancel before shipping, the
// line queried, topped up once per key and queried again, suspended and
// resumed, and a new SIM for the holder tracked to activated. What a
// carrier does not offer (the table "What each carrier offers") is
// 501 NOT_SUPPORTED and absent from its capabilities.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "after-sales-all-key";
const std::string kName = "测试用户";

// docs/after-sales.md, "What each carrier offers".
struct Offer {
  std::string carrier;
  std::string id_address;  // the ID number's region the carrier's KYC accepts
  bool reports_delivered;
  bool suspend;
  bool sim_replace;
};
const std::vector<Offer> kOffers = {{"mobile", "110101", true, true, true},
                                    {"unicom", "110101", true, true, false},
                                    {"telecom", "440106", false, false, true},
                                    {"mvno", "110101", true, true, true}};

// Statuses in the lifecycle's order (docs/after-sales.md).
const std::vector<std::string> kOrder = {"pending", "unknown",   "submitted", "reviewing",
                                         "shipped", "delivered", "activated", "first_topup"};
int rank(const std::string& s) {
  for (size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == s) return static_cast<int>(i);
  return -1;
}

struct Env {
  Stack stack{"cgw_e2e_after_sales_carriers"};
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const Headers& extra = {}) {
  return api_call(env->stack.gw_port, kKey, method, target, body, extra);
}
Headers keyed(const std::string& key) {
  return {{"Idempotency-Key", key}, {"Content-Type", "application/json"}};
}
std::string header(const HttpResult& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

class AfterSales : public ::testing::TestWithParam<Offer> {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    std::vector<SimSpec> sims;
    for (const auto& o : kOffers) {
      SimSpec s(o.carrier, 23, 600);
      // Shipped at 1/3 and delivered at 2/3 of the delay; no simulated
      // first top-up, so the balances checked are the test's own.
      s.activation_delay_ms = 1500;
      s.extra = "    first_topup_delay_ms: -1\n    replacement_delay_ms: 600\n";
      sims.push_back(s);
    }
    ASSERT_EQ(env->stack.start_sim(sim_config(sims)), "");
    GatewaySpec gw;
    gw.tenants = {TenantSpec("demo", {kKey})};
    for (const auto& o : kOffers) {
      CarrierSpec c(o.carrier, env->stack.sim_url(o.carrier));
      c.activation_poll_interval_s = 1;
      gw.carriers.push_back(c);
    }
    ASSERT_EQ(env->stack.start_gateway(gateway_config(gw)), "");
    ASSERT_TRUE(wait_first_sync(env->stack.gw_port, kKey, kOffers.size(), 30s))
        << read_file(env->stack.dir / "gateway.log");
  }
  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }

  const Offer& offer() const { return GetParam(); }
  std::string id_number() const { return make_id("19900101", "902", offer().id_address); }
  std::string k(const std::string& what) const { return offer().carrier + "-" + what; }

  // Reserves a fresh number, verifies the holder and orders `plan`; the
  // activation id and the number.
  std::pair<std::string, std::string> place_order(const std::string& plan, const std::string& n) {
    const auto msisdn = fresh_number(env->stack.gw_port, kKey, offer().carrier, used_);
    auto res = api("POST", "/v1/reservations",
                   json::serialize(json::object{{"carrier", offer().carrier}, {"msisdn", msisdn}}),
                   keyed(k("res-" + n)));
    EXPECT_EQ(res.status, 201) << res.body;
    auto ver = api("POST", "/v1/kyc/verifications",
                   json::serialize(json::object{
                       {"carrier", offer().carrier}, {"name", kName}, {"id_number", id_number()}}));
    EXPECT_EQ(ver.status, 200) << ver.body;
    EXPECT_EQ(ver.json().at("result").as_string(), "passed") << ver.body;
    json::object body{{"reservation_id", res.json().at("reservation_id")},
                      {"plan_id", plan},
                      {"verification_id", ver.json().at("verification_id")},
                      {"delivery", json::object{{"name", kName},
                                                {"phone", "13900000000"},
                                                {"address", "北京市东城区测试路1号"}}}};
    auto a = api("POST", "/v1/activations", json::serialize(body), keyed(k("act-" + n)));
    EXPECT_EQ(a.status, 202) << a.body;
    return {std::string(a.json().at("activation_id").as_string()), msisdn};
  }
  std::string first_plan() {
    auto plans = api("GET", "/v1/plans?carrier=" + offer().carrier);
    EXPECT_EQ(plans.status, 200) << plans.body;
    return std::string(plans.json().at("plans").at(0).at("plan_id").as_string());
  }
  json::object line(const std::string& msisdn) {
    auto q = api("GET", "/v1/subscribers/" + msisdn);
    EXPECT_EQ(q.status, 200) << q.body;
    return q.status == 200 ? q.json().as_object() : json::object{};
  }

  std::set<std::string> used_;
};

TEST_P(AfterSales, TheWalkthroughRunsAsFarAsTheCarrierOffersIt) {
  const auto& o = offer();
  // The capabilities listed match the table.
  auto carriers = api("GET", "/v1/carriers");
  ASSERT_EQ(carriers.status, 200) << carriers.body;
  const auto listed = carriers.json();  // alive while iterated
  std::set<std::string> caps;
  for (const auto& c : listed.at("carriers").as_array())
    if (c.at("id").as_string() == o.carrier)
      for (const auto& cap : c.at("capabilities").as_array()) caps.emplace(cap.as_string());
  for (const char* always : {"cancel", "subscriber_query", "recharge"})
    EXPECT_TRUE(caps.count(always)) << o.carrier << " lacks " << always;
  EXPECT_EQ(caps.count("suspend") > 0, o.suspend) << o.carrier;
  EXPECT_EQ(caps.count("sim_replace") > 0, o.sim_replace) << o.carrier;

  // 1. An order tracked to activated, forward only, with the courier.
  const auto [activation, msisdn] = place_order(first_plan(), "1");
  auto done = wait_activation(env->stack.gw_port, kKey, activation, {"activated"}, 30s);
  ASSERT_FALSE(done.is_null()) << o.carrier << ": " << activation << " did not reach activated";
  std::vector<std::string> seen;
  int last = -1;
  for (const auto& h : done.at("history").as_array()) {
    const std::string s(h.at("status").as_string());
    seen.push_back(s);
    EXPECT_GT(rank(s), last) << o.carrier << ": history moved back at " << s;
    last = std::max(last, rank(s));
    if (s == "shipped") {
      EXPECT_FALSE(h.at("courier").as_string().empty()) << json::serialize(h);
      EXPECT_FALSE(h.at("waybill").as_string().empty()) << json::serialize(h);
    }
  }
  auto has = [&](const std::string& s) { return std::count(seen.begin(), seen.end(), s) > 0; };
  // unicom sends no callbacks: the engine's polls may land past a stage.
  if (o.carrier != "unicom") {
    EXPECT_TRUE(has("shipped")) << o.carrier << ": " << json::serialize(done);
    EXPECT_EQ(has("delivered"), o.reports_delivered) << o.carrier << ": " << json::serialize(done);
  }

  // 2. A cancel before shipping (SIM-STUCK never ships), replayed by its key.
  const auto stuck = place_order("SIM-STUCK", "2").first;
  ASSERT_FALSE(wait_activation(env->stack.gw_port, kKey, stuck, {"submitted"}, 15s).is_null());
  const std::string cancel_path = "/v1/activations/" + stuck + "/cancel";
  auto c = api("POST", cancel_path, R"({"reason":"customer_request"})", keyed(k("cancel")));
  ASSERT_EQ(c.status, 200) << o.carrier << ": " << c.body;
  EXPECT_EQ(c.json().at("cancel").as_string(), "cancelled");
  EXPECT_EQ(api("GET", "/v1/activations/" + stuck).json().at("status").as_string(), "cancelled");
  // The activated order is past cancelling.
  auto late = api("POST", "/v1/activations/" + activation + "/cancel", "", keyed(k("late")));
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(late.error_code(), "CANCEL_REFUSED");

  // 3. The line, a top-up exactly once per key, the balance after it.
  auto before = line(msisdn);
  ASSERT_EQ(before.at("status").as_string(), "active") << json::serialize(before);
  EXPECT_EQ(before.at("carrier").as_string(), o.carrier);
  const int64_t balance = before.at("balance_fen").as_int64();
  const std::string topup_path = "/v1/subscribers/" + msisdn + "/recharges";
  auto r = api("POST", topup_path, R"({"amount_fen":5000})", keyed(k("top")));
  ASSERT_EQ(r.status, 201) << o.carrier << ": " << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "succeeded");
  auto again = api("POST", topup_path, R"({"amount_fen":5000})", keyed(k("top")));
  EXPECT_EQ(header(again, "idempotent-replayed"), "true");
  EXPECT_EQ(again.json().at("recharge_id"), r.json().at("recharge_id"));
  EXPECT_EQ(line(msisdn).at("balance_fen").as_int64(), balance + 5000) << o.carrier;

  // 4. Suspend and resume at the holder's request.
  const std::string base = "/v1/subscribers/" + msisdn;
  auto s = api("POST", base + "/suspend", R"({"reason":"lost_phone"})", keyed(k("sus")));
  if (o.suspend) {
    ASSERT_EQ(s.status, 200) << o.carrier << ": " << s.body;
    EXPECT_EQ(s.json().at("status").as_string(), "suspended");
    EXPECT_EQ(line(msisdn).at("status").as_string(), "suspended");
    auto back = api("POST", base + "/resume", "", keyed(k("resume")));
    ASSERT_EQ(back.status, 200) << back.body;
    EXPECT_EQ(back.json().at("status").as_string(), "active");
  } else {
    EXPECT_EQ(s.status, 501) << s.body;
    EXPECT_EQ(s.error_code(), "NOT_SUPPORTED");
    EXPECT_EQ(line(msisdn).at("status").as_string(), "active");
  }

  // Each call is an audit line naming the number, with its outcome.
  std::set<std::string> audited;
  std::istringstream audit(read_file(env->stack.dir / "audit.log"));
  for (std::string l; std::getline(audit, l);) {
    const auto e = json::parse(l);
    if (e.at("object_id").is_string() && e.at("object_id").as_string() == msisdn)
      audited.emplace(std::string(e.at("action").as_string()) + " " +
                      json::serialize(e.at("http_status")));
  }
  for (const std::string a : {"subscriber.read 200", "recharge.create 201",
                              o.suspend ? "subscriber.suspend 200" : "subscriber.suspend 501"})
    EXPECT_TRUE(audited.count(a)) << o.carrier << ": no audit line " << a;

  // 5. A new SIM for the holder, tracked like an order.
  json::object rpl{{"name", kName},
                   {"id_number", id_number()},
                   {"reason", "lost"},
                   {"delivery", json::object{{"name", kName},
                                             {"phone", "13900000001"},
                                             {"address", "北京市东城区测试路2号"}}}};
  auto p = api("POST", base + "/sim-replacements", json::serialize(rpl), keyed(k("rpl")));
  if (!o.sim_replace) {
    EXPECT_EQ(p.status, 501) << p.body;
    EXPECT_EQ(p.error_code(), "NOT_SUPPORTED");
    return;
  }
  ASSERT_EQ(p.status, 202) << o.carrier << ": " << p.body;
  EXPECT_EQ(p.body.find(id_number()), std::string::npos);
  const std::string id(p.json().at("replacement_id").as_string());
  std::string status;
  EXPECT_TRUE(wait_until(
      [&] {
        auto g = api("GET", "/v1/sim-replacements/" + id);
        status = g.status == 200 ? std::string(g.json().at("status").as_string()) : "";
        return status == "activated";
      },
      30s))
      << o.carrier << ": replacement " << id << " stuck at " << status;
  EXPECT_EQ(env->stack.run_files().find(id_number()), std::string::npos)
      << o.carrier << ": the holder's ID number is in a file of the run";
}

INSTANTIATE_TEST_SUITE_P(EveryCarrier, AfterSales, ::testing::ValuesIn(kOffers),
                         [](const auto& info) { return info.param.carrier; });

}  // namespace
