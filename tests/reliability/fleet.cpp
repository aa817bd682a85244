// The fleet run (fleet.hpp): N instances on one PostgreSQL, orders through a
// round-robin client, races for the same numbers through every instance,
// one instance SIGKILLed and restarted every --kill-every-ms, then the
// crash run's checks against the simulator's ledger and the fleet's own:
// one winner per race, the change feed's bound, and background work taken
// over by a survivor when its lease holder dies.
#include "fleet.hpp"

#include "cgw/common/crypto.hpp"
#include "local_postgres.hpp"
#include "options.hpp"
#include "verdict.hpp"
#include "webhook_receiver.hpp"
#include "workload.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <thread>

namespace cgw::reliability {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kSyncLease = "inventory_sync:mobile";

struct FleetArgs {
  int instances = 3, kill_every_ms = 3000, duration_s = 40, orders = 400, races = 200;
  int workers = 8, recovery_s = 30, lease_ttl_s = 5, feed_bound_ms = 2000;
  uint64_t seed = 1;
  bool sabotage = false, keep = false;
  std::string dir;
};

int usage(const std::string& why) {
  std::cerr << "cgw-reliability: " << why << "\n"
            << "usage: cgw-reliability fleet [--instances N] [--kill-every-ms MS] "
               "[--duration-s S]\n       [--orders N] [--races N] [--workers W] [--seed S] "
               "[--recovery-s S] [--lease-ttl-s S]\n       [--feed-bound-ms MS] [--sabotage] "
               "[--keep] [--dir DIR]\n"
               "  N gateway instances (2-8) on one PostgreSQL 15 the run starts; one is\n"
               "  SIGKILLed and restarted every MS while orders and races run for S seconds\n";
  return 2;
}

// The run could not be set up (exit status 2).
int setup_failed(const std::string& why) {
  std::cerr << "cgw-reliability: setup failed: " << why << "\n";
  return 2;
}

bool parse(int argc, char** argv, FleetArgs& a, std::string& err) {
  for (int i = 2; i < argc; ++i)
    if (std::string_view(argv[i]) == "--help") return err = "the fleet run's options", false;
  OptionTable t;
  t.flags = {{"--sabotage", &a.sabotage}, {"--keep", &a.keep}};
  t.ints = {{"--instances", &a.instances},
            {"--kill-every-ms", &a.kill_every_ms},
            {"--duration-s", &a.duration_s},
            {"--orders", &a.orders},
            {"--races", &a.races},
            {"--workers", &a.workers},
            {"--recovery-s", &a.recovery_s},
            {"--lease-ttl-s", &a.lease_ttl_s},
            {"--feed-bound-ms", &a.feed_bound_ms}};
  t.u64s = {{"--seed", &a.seed}};
  t.strings = {{"--dir", &a.dir}};
  if (!parse_options(argc, argv, 2, t, err)) return false;
  if (a.instances < 2 || a.instances > 8) return err = "--instances must be 2 to 8", false;
  if (a.orders < 1 || a.workers < 1 || a.kill_every_ms < 100 || a.duration_s < 1)
    return err = "--orders, --workers, --duration-s positive; --kill-every-ms >= 100", false;
  return true;
}

// What the killer saw of the lease: each kill of its holder, and whether a
// survivor reported holding it within the ttl and a margin.
struct LeaseTally {
  bool seen = false;  // any instance exposes the lease's gauge
  int holder_kills = 0, taken_over = 0;
  int64_t max_takeover_ms = 0;
  std::vector<std::string> misses;
};

// While `victim` (the holder) is down: polls the others until one holds.
void await_takeover(Cluster& c, int victim, std::chrono::milliseconds bound, LeaseTally& t) {
  const auto start = Clock::now();
  ++t.holder_kills;
  for (;;) {
    const int holder = lease_holder(c, kSyncLease);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (holder >= 0 && holder != victim) {
      ++t.taken_over;
      t.max_takeover_ms = std::max<int64_t>(t.max_takeover_ms, ms.count());
      return;
    }
    if (ms > bound) break;
    std::this_thread::sleep_for(100ms);
  }
  t.misses.push_back("no survivor held " + std::string(kSyncLease) + " within " +
                     std::to_string(bound.count()) + " ms of killing instance " +
                     std::to_string(victim));
}

// The killer: every kill_every_ms until `until`, one instance SIGKILLed and
// restarted; every other kill takes the lease holder when there is one.
// With `lose`, each restart first deletes an acknowledged activation (the
// vacuity run). Returns "" or why an instance did not come back.
std::string run_killer(Cluster& c, const FleetArgs& a, Clock::time_point until, LeaseTally& lease,
                       int& kills, const std::function<void()>& lose) {
  std::mt19937_64 rng(a.seed);
  const std::chrono::milliseconds bound(a.lease_ttl_s * 1000 + 5000);
  while (Clock::now() + std::chrono::milliseconds(a.kill_every_ms) < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(a.kill_every_ms));
    bool seen = false;
    const int holder = lease_holder(c, kSyncLease, &seen);
    lease.seen = lease.seen || seen;
    int victim = static_cast<int>(rng() % static_cast<uint64_t>(c.instances()));
    if (kills % 2 == 0 && holder >= 0) victim = holder;
    auto err = c.kill_and_restart(
        [&] {
          if (victim == holder) await_takeover(c, victim, bound, lease);
          if (lose) lose();
        },
        victim);
    ++kills;
    if (!err.empty()) return err;
  }
  return {};
}

std::vector<Order> make_orders(const std::vector<std::string>& numbers, size_t count) {
  std::vector<Order> orders(count);
  for (size_t i = 0; i < count; ++i) {
    orders[i].msisdn = numbers[i];
    orders[i].id_number = synthetic_id(static_cast<int>(i));
    orders[i].plan_id = i % 5 == 4 ? "SIM-REJECT" : i % 7 == 6 ? "SIM-NOCALLBACK" : "MB-DGDD-19";
  }
  return orders;
}

// The fleet's own checks, added to the verdict.
void check_fleet(Verdict& v, const FleetArgs& a, RaceTally& races, const LeaseTally& lease,
                 int kills, size_t acked) {
  auto line = [&v](bool ok, const std::string& what, const std::vector<std::string>& examples) {
    ++v.checks;
    if (!ok) ++v.violations;
    std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
    for (size_t i = 0; i < examples.size() && i < 5; ++i)
      std::cout << "       " << examples[i] << "\n";
  };
  {
    std::lock_guard lock(races.mu);
    line(races.violations.empty() && races.races > 0,
         "every race for one number through " + std::to_string(a.instances) +
             " instances had exactly one winner (" + std::to_string(races.one_winner) + "/" +
             std::to_string(races.races) + " races, " + std::to_string(races.losers) +
             " refused NUMBER_UNAVAILABLE; no instance offered a reserved number after " +
             std::to_string(a.feed_bound_ms) + " ms, slowest " +
             std::to_string(races.max_unoffered_ms) + " ms)",
         races.violations);
  }
  std::vector<std::string> lease_problems = lease.misses;
  if (!lease.seen)
    lease_problems.push_back("no instance exposes cgw_lease_held{lease=\"" +
                             std::string(kSyncLease) + "\"}");
  else if (lease.holder_kills == 0)
    lease_problems.push_back("the lease holder was never killed");
  line(lease_problems.empty(),
       "background work resumed by a survivor (" + std::to_string(lease.taken_over) + "/" +
           std::to_string(lease.holder_kills) + " kills of the " + kSyncLease +
           " holder taken over, slowest " + std::to_string(lease.max_takeover_ms) + " ms)",
       lease_problems);
  line(acked > 0 && kills >= 2,
       "the run exercised enough (" + std::to_string(acked) + " acknowledged, " +
           std::to_string(kills) + " kills)",
       {});
}

// The load, the races and the kills until the duration is up, then the
// settle window and every check. nullopt when an instance did not come back.
std::optional<Verdict> run_and_check(Cluster& cluster, LocalPostgres& pg, WebhookReceiver& receiver,
                                     const FleetArgs& a, const std::vector<std::string>& numbers) {
  auto orders = make_orders(numbers, static_cast<size_t>(a.orders));
  const std::vector<std::string> race_numbers(numbers.begin() + a.orders, numbers.end());
  const auto started = Clock::now();
  const auto until = started + std::chrono::seconds(a.duration_s);
  WorkloadOptions wo;
  wo.workers = a.workers;
  wo.deadline = std::chrono::seconds(a.duration_s + a.recovery_s);
  wo.stop_starting = until;
  RaceTally races;
  std::thread load([&] { run_orders(cluster, orders, wo); });
  std::thread racer([&] {
    run_races(cluster, race_numbers, until, std::chrono::milliseconds(a.feed_bound_ms), races);
  });
  LeaseTally lease;
  int kills = 0;
  std::function<void()> lose;
  if (a.sabotage)
    lose = [&pg] {
      // A store that forgets: the oldest activation, long acknowledged, goes.
      pg.psql(
          "DELETE FROM activations WHERE id = (SELECT id FROM activations ORDER BY created_at, "
          "id LIMIT 1)");
    };
  // The kills come from this thread, which outlives every gateway it starts
  // (a child started with PR_SET_PDEATHSIG dies with the thread that forked it).
  const auto kill_error = run_killer(cluster, a, until, lease, kills, lose);
  load.join();
  racer.join();
  if (!kill_error.empty()) {
    std::cerr << "cgw-reliability: an instance did not come back: " << kill_error << "\n";
    return std::nullopt;
  }
  size_t acked = 0, refused = 0;
  for (const auto& o : orders) {
    acked += !o.activation_id.empty();
    refused += !o.refused.empty();
  }
  std::cout << "load: " << acked << " activations acknowledged, " << refused << " refused, "
            << races.races << " races, " << kills << " kills, in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count()
            << " s" << std::endl;
  const size_t open = wait_for_final(cluster, orders, std::chrono::seconds(a.recovery_s));
  std::cout << "settle: " << open << " activations not final after the window" << std::endl;
  Verdict v = check_run(cluster, orders, &receiver, std::chrono::seconds(a.recovery_s));
  check_fleet(v, a, races, lease, kills, acked);
  return v;
}

}  // namespace

int fleet_main(int argc, char** argv) {
  FleetArgs a;
  if (std::string err; !parse(argc, argv, a, err)) return usage(err);
  const auto dir = a.dir.empty() ? std::filesystem::temp_directory_path() /
                                       ("cgw_reliability_fleet_" + std::to_string(getpid()))
                                 : std::filesystem::path(a.dir);
  std::filesystem::remove_all(dir);
  std::cout << "cgw-reliability fleet: " << a.instances << " instances, a kill every "
            << a.kill_every_ms << " ms for " << a.duration_s << " s, seed " << a.seed
            << (a.sabotage ? ", SABOTAGED store (vacuity check)" : "") << "\n  files: " << dir
            << std::endl;
  const std::string secret = crypto::random_bytes(32);
  WebhookReceiver receiver(secret, 7);
  if (auto err = receiver.start(); !err.empty()) return setup_failed("webhook receiver: " + err);
  auto pg = std::make_unique<LocalPostgres>(dir / "pg");
  if (auto err = pg->start(); !err.empty()) return setup_failed("postgres: " + err);
  ClusterOptions co;
  co.dir = dir;
  co.postgres_dsn = pg->dsn();
  co.instances = a.instances;
  co.seed = a.seed;
  co.pool_size = a.orders + a.races + 1000;
  co.webhook_port = receiver.port();
  co.webhook_secret_b64 = crypto::base64_encode(secret);
  Cluster cluster(co);
  if (auto err = cluster.start(); !err.empty()) return setup_failed(err);
  const auto numbers =
      available_numbers(cluster.gateway_port(), static_cast<size_t>(a.orders + a.races));
  if (numbers.size() < static_cast<size_t>(a.orders + a.races))
    return setup_failed("only " + std::to_string(numbers.size()) + " numbers available");
  const auto v = run_and_check(cluster, *pg, receiver, a, numbers);
  if (!v) return 2;
  std::cout << "summary: " << v->checks - v->violations << "/" << v->checks << " checks held"
            << std::endl;
  cluster.stop();
  pg.reset();  // the server stops before its folder goes
  if (!a.keep && v->violations == 0) std::filesystem::remove_all(dir);
  if (a.sabotage) {
    // Caught by the check made for it, not by any other failing.
    const bool caught =
        std::find(v->failed.begin(), v->failed.end(), kLostCheck) != v->failed.end();
    std::cout << (caught ? "vacuity: the checker caught the forgetful store\n"
                         : "vacuity: FAILED - the checker missed the lost writes\n");
    return caught ? 0 : 1;
  }
  return v->violations == 0 ? 0 : 1;
}

}  // namespace cgw::reliability
