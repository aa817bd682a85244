// GET /metrics: the Prometheus text format (0.0.4) the gateway renders, the
// request counters and histogram, the sync counters and the gauges.
#include "core/metrics.hpp"
#include "store/repositories.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace cgw::gw;
using namespace std::chrono_literals;

namespace {

struct Exposition {
  std::map<std::string, std::string> samples;  // series (name{labels}) -> value
  std::map<std::string, std::string> types;    // family -> type
  std::vector<std::string> problems;
};

// Parses and checks the exposition line by line: every sample's family has
// HELP and TYPE before it, names and labels are well formed, every value is
// a number, no series appears twice, the text ends with a newline.
Exposition parse(const std::string& text) {
  Exposition e;
  static const std::regex kSample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? (\S+)$)");
  static const std::regex kValue(R"(^([+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?|\+Inf|-Inf|NaN)$)");
  std::set<std::string> helped;
  if (!text.empty() && text.back() != '\n') e.problems.push_back("no final newline");
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# HELP ")) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      if (!helped.count(name)) e.problems.push_back("TYPE before HELP: " + line);
      if (type != "counter" && type != "gauge" && type != "histogram")
        e.problems.push_back("type: " + line);
      if (!e.types.emplace(name, type).second) e.problems.push_back("family twice: " + name);
      continue;
    }
    std::smatch m;
    if (!std::regex_match(line, m, kSample)) {
      e.problems.push_back("malformed: " + line);
      continue;
    }
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (!e.types.count(family) && family.ends_with(suffix))
        family = family.substr(0, family.size() - std::string_view(suffix).size());
    if (!e.types.count(family)) e.problems.push_back("no TYPE for " + line);
    const std::string value = m[m.size() - 1];
    if (!std::regex_match(value, kValue)) e.problems.push_back("value: " + line);
    const std::string series = line.substr(0, line.rfind(' '));
    if (!e.samples.emplace(series, value).second) e.problems.push_back("series twice: " + series);
  }
  return e;
}

std::string at(const Exposition& e, const std::string& series) {
  auto it = e.samples.find(series);
  return it == e.samples.end() ? "(absent)" : it->second;
}

}  // namespace

TEST(PromText, EscapesLabelValuesAndHelp) {
  PromText t;
  t.family("x_total", "counter", "a \\ b\nc");
  t.sample("x_total", {{"a", "q\"uote"}, {"b", "back\\slash\nnl"}}, uint64_t{3});
  t.sample("x_total", {}, int64_t{-2});
  t.sample("x_total", {{"le", "+Inf"}}, 0.25);
  t.sample("x_total", {}, std::numeric_limits<double>::infinity());
  EXPECT_EQ(t.take(),
            "# HELP x_total a \\\\ b\\nc\n"
            "# TYPE x_total counter\n"
            "x_total{a=\"q\\\"uote\",b=\"back\\\\slash\\nnl\"} 3\n"
            "x_total -2\n"
            "x_total{le=\"+Inf\"} 0.25\n"
            "x_total +Inf\n");
}

TEST(Metrics, RouteClasses) {
  EXPECT_EQ(Metrics::route_of("/healthz"), Metrics::kHealth);
  EXPECT_EQ(Metrics::route_of("/readyz?x=1"), Metrics::kHealth);
  EXPECT_EQ(Metrics::route_of("/metrics"), Metrics::kMetrics);
  EXPECT_EQ(Metrics::route_of("/v1/numbers?carrier=mobile&suffix=8888"), Metrics::kNumbers);
  EXPECT_EQ(Metrics::route_of("/v1/carriers"), Metrics::kCarriers);
  EXPECT_EQ(Metrics::route_of("/v1/plans"), Metrics::kPlans);
  EXPECT_EQ(Metrics::route_of("/v1/reservations/res_1"), Metrics::kReservations);
  EXPECT_EQ(Metrics::route_of("/v1/kyc/verifications"), Metrics::kKyc);
  EXPECT_EQ(Metrics::route_of("/v1/activations/act_1/webhooks"), Metrics::kActivations);
  EXPECT_EQ(Metrics::route_of("/v1/callbacks/mobile"), Metrics::kCallbacks);
  EXPECT_EQ(Metrics::route_of("/v1/numbersx"), Metrics::kOther);
  EXPECT_EQ(Metrics::route_of("/v2/numbers"), Metrics::kOther);
  EXPECT_EQ(Metrics::route_of("/"), Metrics::kOther);
  EXPECT_EQ(Metrics::route_of("/metrics/x"), Metrics::kOther);
}

TEST(Metrics, RequestCountersAndHistogram) {
  Metrics m;
  m.observe_request(Metrics::kNumbers, 200, 300us);     // le 0.0005
  m.observe_request(Metrics::kNumbers, 200, 3ms);       // le 0.005
  m.observe_request(Metrics::kNumbers, 404, 5ms);       // le 0.005 (bounds are inclusive)
  m.observe_request(Metrics::kNumbers, 503, 20s);       // +Inf only
  m.observe_request(Metrics::kReservations, 201, 1ms);  // another route
  m.observe_request(Metrics::kOther, 99, 0us);          // odd statuses clamp to a class
  const auto e = parse(m.render({}, std::nullopt));
  EXPECT_TRUE(e.problems.empty()) << ::testing::PrintToString(e.problems);
  EXPECT_EQ(e.types.at("cgw_http_requests_total"), "counter");
  EXPECT_EQ(e.types.at("cgw_http_request_duration_seconds"), "histogram");

  const std::string req = "cgw_http_requests_total";
  EXPECT_EQ(at(e, req + R"({route="numbers",status_class="2xx"})"), "2");
  EXPECT_EQ(at(e, req + R"({route="numbers",status_class="4xx"})"), "1");
  EXPECT_EQ(at(e, req + R"({route="numbers",status_class="5xx"})"), "1");
  EXPECT_EQ(at(e, req + R"({route="numbers",status_class="3xx"})"), "0");  // present at 0
  EXPECT_EQ(at(e, req + R"({route="reservations",status_class="2xx"})"), "1");
  EXPECT_EQ(at(e, req + R"({route="other",status_class="1xx"})"), "1");
  EXPECT_EQ(at(e, req + R"({route="metrics",status_class="2xx"})"), "0");

  const std::string b = "cgw_http_request_duration_seconds_bucket{route=\"numbers\",le=";
  EXPECT_EQ(at(e, b + "\"0.0005\"}"), "1");
  EXPECT_EQ(at(e, b + "\"0.001\"}"), "1");
  EXPECT_EQ(at(e, b + "\"0.005\"}"), "3");
  EXPECT_EQ(at(e, b + "\"10\"}"), "3");
  EXPECT_EQ(at(e, b + "\"+Inf\"}"), "4");
  EXPECT_EQ(at(e, R"(cgw_http_request_duration_seconds_count{route="numbers"})"), "4");
  EXPECT_DOUBLE_EQ(std::stod(at(e, R"(cgw_http_request_duration_seconds_sum{route="numbers"})")),
                   20.0083);
  EXPECT_EQ(at(e, R"(cgw_http_request_duration_seconds_count{route="reservations"})"), "1");
  // Buckets never decrease, and +Inf equals the count, on every route.
  for (size_t r = 0; r < Metrics::kRouteCount; ++r) {
    const std::string route = Metrics::route_name(static_cast<Metrics::Route>(r));
    double last = 0;
    for (uint64_t bound : Metrics::kLatencyBucketsUs) {
      std::ostringstream le;
      le << static_cast<double>(bound) / 1e6;
      const auto v = at(e, "cgw_http_request_duration_seconds_bucket{route=\"" + route +
                               "\",le=\"" + le.str() + "\"}");
      ASSERT_NE(v, "(absent)") << route << " " << le.str();
      EXPECT_GE(std::stod(v), last);
      last = std::stod(v);
    }
    EXPECT_EQ(
        at(e, "cgw_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"}"),
        at(e, "cgw_http_request_duration_seconds_count{route=\"" + route + "\"}"));
  }
}

TEST(Metrics, CountersAreExactUnderConcurrency) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m] {
      for (int i = 0; i < 20'000; ++i) m.observe_request(Metrics::kCarriers, 200, 2ms);
    });
  for (auto& t : threads) t.join();
  const auto e = parse(m.render({}, std::nullopt));
  EXPECT_EQ(at(e, R"(cgw_http_requests_total{route="carriers",status_class="2xx"})"), "80000");
  EXPECT_EQ(at(e, R"(cgw_http_request_duration_seconds_count{route="carriers"})"), "80000");
  EXPECT_EQ(at(e, R"(cgw_http_request_duration_seconds_sum{route="carriers"})"), "160");
}

TEST(Metrics, InventoryGaugesAndSyncCounters) {
  Metrics m;
  m.observe_sync("mobile", Metrics::kFull, true, 1'700'000'000'000);
  m.observe_sync("mobile", Metrics::kIncremental, true, 1'700'000'015'500);
  m.observe_sync("mobile", Metrics::kIncremental, false, 1'700'000'030'000);
  m.observe_sync("unicom", Metrics::kFull, false, 1'700'000'000'000);
  std::vector<CarrierGauges> carriers = {
      {"mobile", 12, 1'700'000'000'000, 2999},
      {"unicom", std::nullopt, std::nullopt, 0},  // never synced
  };
  const auto e = parse(m.render(carriers, 3));
  EXPECT_TRUE(e.problems.empty()) << ::testing::PrintToString(e.problems);

  EXPECT_EQ(at(e, R"(cgw_inventory_staleness_seconds{carrier="mobile"})"), "12");
  EXPECT_EQ(at(e, R"(cgw_inventory_staleness_seconds{carrier="unicom"})"), "(absent)");
  EXPECT_EQ(at(e, R"(cgw_inventory_available_numbers{carrier="mobile"})"), "2999");
  EXPECT_EQ(at(e, R"(cgw_inventory_available_numbers{carrier="unicom"})"), "0");
  const std::string ts = "cgw_inventory_last_sync_timestamp_seconds";
  EXPECT_EQ(at(e, ts + R"({carrier="mobile",kind="full"})"), "1700000000");
  EXPECT_EQ(at(e, ts + R"({carrier="mobile",kind="incremental"})"), "1700000015.5");
  EXPECT_EQ(at(e, ts + R"({carrier="unicom",kind="full"})"), "(absent)");
  EXPECT_EQ(at(e, ts + R"({carrier="unicom",kind="incremental"})"), "(absent)");
  const std::string syncs = "cgw_inventory_syncs_total";
  EXPECT_EQ(at(e, syncs + R"({carrier="mobile",kind="full",outcome="ok"})"), "1");
  EXPECT_EQ(at(e, syncs + R"({carrier="mobile",kind="incremental",outcome="ok"})"), "1");
  EXPECT_EQ(at(e, syncs + R"({carrier="mobile",kind="incremental",outcome="failed"})"), "1");
  EXPECT_EQ(at(e, syncs + R"({carrier="unicom",kind="full",outcome="failed"})"), "1");
  EXPECT_EQ(at(e, syncs + R"({carrier="unicom",kind="incremental",outcome="ok"})"), "0");
  EXPECT_EQ(e.types.at("cgw_inventory_syncs_total"), "counter");
  EXPECT_EQ(e.types.at("cgw_inventory_staleness_seconds"), "gauge");
  EXPECT_EQ(at(e, "cgw_activations_open"), "3");
}

TEST(Metrics, StalenessIsTheAgeOfTheLastSyncInWholeSeconds) {
  CarrierInventory inv;
  EXPECT_EQ(inv.staleness_s(1'000'000), std::nullopt);
  inv.last_sync_at_ms = 1'000'000;
  EXPECT_EQ(inv.staleness_s(1'000'000), 0);
  EXPECT_EQ(inv.staleness_s(1'012'999), 12);
  EXPECT_EQ(inv.staleness_s(999'000), 0);  // a clock step back never goes negative
}
