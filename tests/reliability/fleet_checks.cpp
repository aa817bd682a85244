#include "fleet.hpp"

#include "http.hpp"

#include <iostream>
#include <thread>

namespace cgw::reliability {

namespace json = boost::json;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;

namespace {
const Headers kAuth = {{"Authorization", "Bearer cgw-demo-key"}};

// One reservation through instance `i` (another instance, round robin,
// while `i` is down), retried under its key until answered or `deadline`.
test::HttpResult reserve_through(Cluster& c, int i, const std::string& msisdn,
                                 const std::string& key, Clock::time_point deadline) {
  Headers h = kAuth;
  h.emplace_back("Idempotency-Key", key);
  const auto body = json::serialize(json::object{{"carrier", "mobile"}, {"msisdn", msisdn}});
  for (;;) {
    const uint16_t port = c.instance_up(i) ? c.instance_port(i) : c.gateway_port();
    auto r = test::http("POST", port, "/v1/reservations", body, h);
    const bool again = r.status == 0 || r.status >= 500 || r.status == 429 ||
                       (r.status == 409 && r.error_code() == "IDEMPOTENCY_KEY_IN_USE");
    if (!again || Clock::now() > deadline) return r;
    std::this_thread::sleep_for(50ms);
  }
}

void note(RaceTally& t, const std::string& what) {
  std::lock_guard lock(t.mu);
  t.violations.push_back(what);
}

// After a race: no instance that is up offers the number once the feed
// bound has passed.
void check_unoffered(Cluster& c, const std::string& msisdn, std::chrono::milliseconds bound,
                     RaceTally& t) {
  const auto start = Clock::now();
  for (int i = 0; i < c.instances(); ++i) {
    bool gone = false;
    while (!gone) {
      gone = !c.instance_up(i) || !offered(c.instance_port(i), msisdn);
      if (!gone && Clock::now() - start > bound) break;
      if (!gone) std::this_thread::sleep_for(20ms);
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (!gone) {
      ++t.still_offered;
      note(t, "instance " + std::to_string(i) + " still offers a reserved number after " +
                  std::to_string(ms.count()) + " ms");
    }
    if (ms.count() > t.max_unoffered_ms) t.max_unoffered_ms = ms.count();
  }
}

void one_race(Cluster& c, const std::string& msisdn, int round, std::chrono::milliseconds bound,
              RaceTally& t) {
  const int n = c.instances();
  std::vector<test::HttpResult> answers(static_cast<size_t>(n));
  std::atomic<int> ready{0};
  const auto deadline = Clock::now() + 30s;
  std::vector<std::thread> racers;
  for (int i = 0; i < n; ++i)
    racers.emplace_back([&, i] {
      // Released together: the requests overlap in the instances.
      ++ready;
      while (ready < n) std::this_thread::yield();
      answers[static_cast<size_t>(i)] = reserve_through(
          c, i, msisdn, "race-" + std::to_string(round) + "-" + std::to_string(i), deadline);
    });
  for (auto& r : racers) r.join();
  int winners = 0;
  for (const auto& a : answers) {
    if (a.status == 201)
      ++winners;
    else if (a.error_code() == "NUMBER_UNAVAILABLE")
      ++t.losers;
    else
      note(t, "race " + std::to_string(round) + ": HTTP " + std::to_string(a.status) + " " +
                  a.error_code());
  }
  ++t.races;
  if (winners == 1) {
    ++t.one_winner;
    check_unoffered(c, msisdn, bound, t);
  } else {
    note(t, "race " + std::to_string(round) + ": " + std::to_string(winners) + " winners");
  }
}
}  // namespace

bool offered(uint16_t port, const std::string& msisdn) {
  auto r = test::http("GET", port, "/v1/numbers?carrier=mobile&prefix=" + msisdn, {}, kAuth);
  if (r.status != 200) return false;  // down: offers nothing
  const auto body = r.json();
  if (!body.is_object()) return false;
  for (const auto& n : body.at("numbers").as_array())
    if (n.at("msisdn").as_string() == msisdn) return true;
  return false;
}

void run_races(Cluster& c, const std::vector<std::string>& numbers, Clock::time_point until,
               std::chrono::milliseconds feed_bound, RaceTally& tally) {
  for (size_t k = 0; k < numbers.size() && Clock::now() < until; ++k) {
    one_race(c, numbers[k], static_cast<int>(k), feed_bound, tally);
    std::this_thread::sleep_for(100ms);
  }
}

int lease_holder(Cluster& c, const std::string& lease, bool* seen) {
  const std::string sample = "cgw_lease_held{lease=\"" + lease + "\"} ";
  int holder = -1;
  if (seen) *seen = false;
  for (int i = 0; i < c.instances(); ++i) {
    if (!c.instance_up(i)) continue;
    auto r = test::http("GET", c.instance_port(i), "/metrics", {},
                        {{"Authorization", std::string("Bearer ") + kMetricsKey}});
    const auto at = r.body.find(sample);
    if (r.status != 200 || at == std::string::npos) continue;
    if (seen) *seen = true;
    if (r.body.compare(at + sample.size(), 1, "1") == 0) holder = i;
  }
  return holder;
}

}  // namespace cgw::reliability
