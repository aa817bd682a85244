// End to end: GET /metrics of the real cgw-gateway with all four carrier
// plugins against one real cgw-sim, after the first syncs: who may scrape,
// the staleness of every carrier (as GET /v1/carriers reports it), the sync
// counters and the request counters moving with real requests, no PII.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace cgw::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "metrics-e2e-tenant-key";      // no scopes list: every tenant scope
const std::string kMetricsKey = "metrics-e2e-scraper";  // scopes: [metrics:read]
const std::vector<std::string> kCarriers = {"mobile", "mvno", "telecom", "unicom"};

struct Env {
  Stack stack{"cgw_e2e_metrics"};
  uint16_t gw_port = 0;
};
Env* env = nullptr;

HttpResult api(const std::string& method, const std::string& target, const std::string& body = {},
               const std::string& key = kKey) {
  return http(method, env->gw_port, target, body, {{"Authorization", "Bearer " + key}});
}

// Series (name{labels}) -> value of one scrape.
using Samples = std::map<std::string, std::string>;

Samples parse(const std::string& text) {
  Samples out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

Samples scrape() {
  auto r = api("GET", "/metrics", {}, kMetricsKey);
  EXPECT_EQ(r.status, 200) << r.body;
  return parse(r.body);
}

// A value that must be there, as a number.
double value(const Samples& s, const std::string& series) {
  auto it = s.find(series);
  if (it == s.end()) {
    ADD_FAILURE() << "no sample " << series;
    return -1;
  }
  return std::stod(it->second);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class E2EMetrics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new Env;
    auto& s = env->stack;
    std::vector<SimSpec> sims;
    for (const char* carrier : {"mobile", "unicom", "mvno", "telecom"})
      sims.emplace_back(carrier, 3, 1500);
    ASSERT_EQ(s.start_sim(sim_config(sims)), "");
    GatewaySpec gw;
    gw.tenants = {TenantSpec("demo", {kKey}),
                  TenantSpec("monitoring", {KeySpec(kMetricsKey, "prometheus", "[metrics:read]")})};
    // Mobile syncs its changes every second; the others only once (full),
    // so their staleness grows while the suite runs.
    for (const char* carrier : {"mobile", "unicom", "mvno", "telecom"}) {
      CarrierSpec c(carrier, s.sim_url(carrier));
      c.extra = "    sync_interval_s: 3600\n    incremental_sync_interval_s: " +
                std::string(c.id == "mobile" ? "1" : "3600") + "\n";
      gw.carriers.push_back(c);
    }
    ASSERT_EQ(s.start_gateway(gateway_config(gw), 'e'), "");
    env->gw_port = s.gw_port;
    // Until every carrier has had its first full sync.
    ASSERT_TRUE(wait_first_sync(env->gw_port, kKey, kCarriers.size(), 30s))
        << read_file(s.dir / "gateway.log");
  }

  static void TearDownTestSuite() {
    env->stack.finish(true);
    delete env;
    env = nullptr;
  }
};

TEST_F(E2EMetrics, OnlyAKeyWithTheMetricsScopeMayScrape) {
  EXPECT_EQ(http("GET", env->gw_port, "/metrics").status, 401);
  EXPECT_EQ(api("GET", "/metrics", {}, "not-a-key").status, 401);
  // A tenant key without a scopes list has every tenant scope, not this one.
  auto tenant = api("GET", "/metrics");
  EXPECT_EQ(tenant.status, 403);
  EXPECT_EQ(tenant.error_code(), "FORBIDDEN");
  EXPECT_EQ(api("POST", "/metrics", "{}", kMetricsKey).status, 405);
  auto r = api("GET", "/metrics", {}, kMetricsKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.headers["content-type"].starts_with("text/plain; version=0.0.4"))
      << r.headers["content-type"];
  EXPECT_NE(r.body.find("# TYPE cgw_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE cgw_http_request_duration_seconds histogram\n"), std::string::npos);
}

TEST_F(E2EMetrics, StalenessOfEveryCarrierIsWhatTheCarriersRouteReports) {
  const auto t0 = std::chrono::steady_clock::now();
  auto carriers = api("GET", "/v1/carriers");
  ASSERT_EQ(carriers.status, 200);
  auto m = scrape();
  // Both read "now" within this span: the clock may tick that much between.
  const double span_s = seconds_since(t0);
  auto now_s = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  std::set<std::string> seen;
  const auto body = carriers.json();  // alive while iterated
  for (const auto& c : body.at("carriers").as_array()) {
    const std::string id(c.at("id").as_string());
    seen.insert(id);
    const auto& inv = c.at("inventory");
    ASSERT_FALSE(inv.at("staleness_s").is_null()) << id;
    const double staleness = value(m, "cgw_inventory_staleness_seconds{carrier=\"" + id + "\"}");
    const auto reported = static_cast<double>(inv.at("staleness_s").to_number<int64_t>());
    EXPECT_GE(staleness, 0) << id;
    // Read later; only mobile (changes every second) syncs in between.
    if (id != "mobile") {
      EXPECT_GE(staleness, reported) << id;
    }
    EXPECT_LE(staleness, reported + std::ceil(span_s)) << id;
    EXPECT_EQ(value(m, "cgw_inventory_available_numbers{carrier=\"" + id + "\"}"),
              static_cast<double>(inv.at("available").to_number<int64_t>()))
        << id;
    EXPECT_GE(
        value(m, "cgw_inventory_syncs_total{carrier=\"" + id + "\",kind=\"full\",outcome=\"ok\"}"),
        1)
        << id;
    const double full_at =
        value(m, "cgw_inventory_last_sync_timestamp_seconds{carrier=\"" + id + "\",kind=\"full\"}");
    EXPECT_LE(full_at, now_s + 1) << id;
    EXPECT_GT(full_at, now_s - 300) << id;
  }
  EXPECT_EQ(seen, std::set<std::string>(kCarriers.begin(), kCarriers.end()));

  // Computed at scrape time: without a sync in between (unicom syncs once
  // an hour) it grows with the clock.
  const std::string unicom = R"(cgw_inventory_staleness_seconds{carrier="unicom"})";
  const auto t1 = std::chrono::steady_clock::now();
  const double before = value(scrape(), unicom);
  double after = before;
  EXPECT_TRUE(wait_until(
      [&] {
        after = value(scrape(), unicom);
        return after - before >= 2;
      },
      10s, 100ms));
  EXPECT_GE(after - before, 2) << before << " -> " << after;
  EXPECT_LE(after - before, std::ceil(seconds_since(t1))) << before << " -> " << after;
}

TEST_F(E2EMetrics, IncrementalSyncsAreCountedAndKeepStalenessLow) {
  // Mobile's change feed is read every second.
  double ok = 0;
  Samples m;
  wait_until(
      [&] {
        m = scrape();
        ok = value(
            m, R"(cgw_inventory_syncs_total{carrier="mobile",kind="incremental",outcome="ok"})");
        return ok >= 2;
      },
      10s, 100ms);
  EXPECT_GE(ok, 2);
  EXPECT_LE(value(m, R"(cgw_inventory_staleness_seconds{carrier="mobile"})"), 5);
  EXPECT_EQ(
      m.count(R"(cgw_inventory_last_sync_timestamp_seconds{carrier="mobile",kind="incremental"})"),
      1u);
  EXPECT_EQ(
      value(m, R"(cgw_inventory_syncs_total{carrier="unicom",kind="incremental",outcome="ok"})"),
      0);
}

TEST_F(E2EMetrics, RequestCountersMoveWithRequests) {
  const std::string ok2xx = R"(cgw_http_requests_total{route="numbers",status_class="2xx"})";
  const std::string bad4xx = R"(cgw_http_requests_total{route="numbers",status_class="4xx"})";
  const std::string count = R"(cgw_http_request_duration_seconds_count{route="numbers"})";
  const std::string inf = R"(cgw_http_request_duration_seconds_bucket{route="numbers",le="+Inf"})";
  const std::string scrapes = R"(cgw_http_requests_total{route="metrics",status_class="2xx"})";
  auto before = scrape();
  ASSERT_EQ(api("GET", "/v1/numbers?carrier=mobile&limit=2").status, 200);
  ASSERT_EQ(api("GET", "/v1/numbers?carrier=unicom&limit=2").status, 200);
  ASSERT_EQ(api("GET", "/v1/numbers?carrier=no-such-carrier").status, 400);
  auto after = scrape();
  EXPECT_EQ(value(after, ok2xx) - value(before, ok2xx), 2);
  EXPECT_EQ(value(after, bad4xx) - value(before, bad4xx), 1);
  EXPECT_EQ(value(after, count) - value(before, count), 3);
  EXPECT_EQ(value(after, inf), value(after, count));
  // The earlier scrape itself is counted by the later one.
  EXPECT_GE(value(after, scrapes) - value(before, scrapes), 1);
  EXPECT_GT(value(after, R"(cgw_http_request_duration_seconds_sum{route="numbers"})"), 0);
}

TEST_F(E2EMetrics, NoPersonalDataOrObjectIdsInMetrics) {
  // A reservation and a verification: a number, a name and an ID number
  // pass through the gateway.
  auto numbers = api("GET", "/v1/numbers?carrier=mobile&limit=1");
  ASSERT_EQ(numbers.status, 200);
  const std::string msisdn(numbers.json().at("numbers").at(0).at("msisdn").as_string());
  auto res = http("POST", env->gw_port, "/v1/reservations",
                  R"({"carrier":"mobile","msisdn":")" + msisdn + "\"}",
                  {{"Authorization", "Bearer " + kKey}, {"Idempotency-Key", "metrics-e2e-1"}});
  ASSERT_EQ(res.status, 201) << res.body;
  const std::string id_number = make_id("19900307", "123");
  const std::string name = "王小明";
  auto kyc =
      api("POST", "/v1/kyc/verifications",
          R"({"carrier":"mobile","name":")" + name + R"(","id_number":")" + id_number + "\"}");
  ASSERT_EQ(kyc.status, 200) << kyc.body;

  auto r = api("GET", "/metrics", {}, kMetricsKey);
  ASSERT_EQ(r.status, 200);
  for (const std::string& needle :
       {msisdn, id_number, id_number.substr(0, 14), name,
        std::string(res.json().at("reservation_id").as_string()),
        std::string(kyc.json().at("verification_id").as_string()), std::string("demo"),
        std::string("monitoring"), std::string("prometheus")})
    EXPECT_EQ(r.body.find(needle), std::string::npos) << needle;
  // Only the documented labels (docs/metrics.md), each from a bounded set.
  static const std::regex kLabel(R"(([a-z_]+)=\"([^\"]*)\")");
  const std::set<std::string> allowed = {"route", "status_class", "le",   "carrier",
                                         "kind",  "outcome",      "lease"};
  for (const auto& [series, v] : parse(r.body))
    for (std::sregex_iterator it(series.begin(), series.end(), kLabel), end; it != end; ++it)
      EXPECT_TRUE(allowed.count((*it)[1].str())) << series;
}

}  // namespace
