// cgw-reliability: the activation engine's proof under crashes and chaos.
//
//   cgw-reliability crash [--orders N] [--kills K] ...   SIGKILL the gateway at
//       random moments while orders run, restart it each time, then check.
//   cgw-reliability chaos [--orders N] ...               callback chaos and
//       carrier faults on, no kills, then check.
//   cgw-reliability fleet [--instances N] [--kill-every-ms MS] ...  N instances
//       on one PostgreSQL, one SIGKILLed and restarted every MS (fleet.hpp).
//
// Exit status: 0 every check held, 1 a check failed, 2 the run could not be
// set up. With --sabotage (crash mode) the store is made deliberately not
// durable (an old copy is put back at each restart) and the exit status is
// inverted: 0 when the checker caught the loss. With --postgres the store
// is a PostgreSQL 15 the run starts itself. See docs/reliability.md.
#include "cgw/common/crypto.hpp"
#include "cluster.hpp"
#include "fleet.hpp"
#include "http.hpp"
#include "local_postgres.hpp"
#include "options.hpp"
#include "verdict.hpp"
#include "webhook_receiver.hpp"
#include "workload.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <thread>

using namespace cgw::reliability;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct Args {
  std::string mode;
  int orders = 300, kills = 8, workers = 8;
  uint64_t seed = 1;
  int min_gap_ms = 300, max_gap_ms = 1500, recovery_s = 120, deadline_s = 900;
  bool sabotage = false, keep = false, postgres = false;
  std::string dir;
};

int usage(const std::string& why) {
  std::cerr << "cgw-reliability: " << why << "\n"
            << "usage: cgw-reliability crash|chaos [--orders N] [--kills K] [--workers W] "
               "[--seed S]\n       [--min-gap-ms MS] [--max-gap-ms MS] [--recovery-s S] "
               "[--deadline-s S] [--sabotage] [--keep] [--dir DIR] [--postgres]\n"
               "  --postgres: the store is a PostgreSQL 15 the run starts itself\n"
               "  (scripts/pg_local.sh, a Unix socket in the run's folder)\n"
               "       cgw-reliability fleet [--instances N] [--kill-every-ms MS] "
               "[--duration-s S] ...\n"
               "  (`cgw-reliability fleet --help` lists its options)\n";
  return 2;
}

bool parse(int argc, char** argv, Args& a, std::string& err) {
  if (argc < 2) return err = "a mode is required", false;
  a.mode = argv[1];
  if (a.mode != "crash" && a.mode != "chaos") return err = "unknown mode " + a.mode, false;
  OptionTable t;
  t.flags = {{"--sabotage", &a.sabotage}, {"--postgres", &a.postgres}, {"--keep", &a.keep}};
  t.ints = {{"--orders", &a.orders},         {"--kills", &a.kills},
            {"--workers", &a.workers},       {"--min-gap-ms", &a.min_gap_ms},
            {"--max-gap-ms", &a.max_gap_ms}, {"--recovery-s", &a.recovery_s},
            {"--deadline-s", &a.deadline_s}};
  t.u64s = {{"--seed", &a.seed}};
  t.strings = {{"--dir", &a.dir}};
  if (!parse_options(argc, argv, 2, t, err)) return false;
  if (a.orders < 1 || a.workers < 1 || a.min_gap_ms > a.max_gap_ms)
    return err = "--orders and --workers must be positive, --min-gap-ms <= --max-gap-ms", false;
  if (a.sabotage && a.mode != "crash") return err = "--sabotage is for crash mode", false;
  // The sabotage rolls the SQLite files back; a database server has none.
  if (a.sabotage && a.postgres) return err = "--sabotage is for the SQLite store", false;
  return true;
}

// Callback chaos and carrier faults for the chaos run (simulator admin API).
std::string turn_chaos_on(uint16_t sim_port, uint64_t seed) {
  json::object chaos{{"seed", seed},
                     {"duplicate", json::object{{"probability", 0.3}}},
                     {"reorder", json::object{{"probability", 0.3}}},
                     {"drop", json::object{{"probability", 0.2}}},
                     {"bad_signature", json::object{{"probability", 0.2}}}};
  auto r = cgw::test::http("POST", sim_port, "/admin/callback-chaos", json::serialize(chaos));
  if (r.status != 200) return "callback chaos refused: " + r.body;
  json::array faults{// The submit is served but its reply never comes: outcome unknown.
                     json::object{{"operation", "/open/v1/orders"},
                                  {"kind", "timeout"},
                                  {"after_serve", true},
                                  {"hold_ms", 4000},
                                  {"probability", 0.1},
                                  {"seed", seed}},
                     // Refused before serving: safe to send again.
                     json::object{{"operation", "/open/v1/orders"},
                                  {"kind", "http_status"},
                                  {"status", 503},
                                  {"probability", 0.1},
                                  {"seed", seed + 1}},
                     json::object{{"operation", "/open/v1/orders/query"},
                                  {"kind", "http_status"},
                                  {"status", 500},
                                  {"probability", 0.2},
                                  {"seed", seed + 2}},
                     json::object{{"operation", "/open/v1/orders/query"},
                                  {"kind", "reset"},
                                  {"probability", 0.1},
                                  {"seed", seed + 3}},
                     json::object{{"operation", "/open/v1/orders/query"},
                                  {"kind", "malformed"},
                                  {"probability", 0.05},
                                  {"seed", seed + 4}}};
  r = cgw::test::http("POST", sim_port, "/admin/faults",
                      json::serialize(json::object{{"faults", faults}}));
  if (r.status != 201) return "faults refused: " + r.body;
  return {};
}
}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "fleet") return fleet_main(argc, argv);
  Args a;
  if (std::string err; !parse(argc, argv, a, err)) return usage(err);
  const auto dir = a.dir.empty()
                       ? std::filesystem::temp_directory_path() /
                             ("cgw_reliability_" + a.mode + "_" + std::to_string(getpid()))
                       : std::filesystem::path(a.dir);
  std::filesystem::remove_all(dir);
  std::cout << "cgw-reliability " << a.mode << ": " << a.orders << " orders, " << a.workers
            << " workers, seed " << a.seed
            << (a.mode == "crash" ? ", " + std::to_string(a.kills) + " kills" : std::string())
            << (a.sabotage ? ", SABOTAGED store (vacuity check)" : "") << "\n  files: " << dir
            << std::endl;

  const std::string secret = cgw::crypto::random_bytes(32);
  WebhookReceiver receiver(secret, a.mode == "chaos" ? 5 : 7);
  if (auto err = receiver.start(); !err.empty()) return usage("webhook receiver: " + err);
  std::unique_ptr<LocalPostgres> pg;
  if (a.postgres) {
    pg = std::make_unique<LocalPostgres>(dir / "pg");
    if (auto err = pg->start(); !err.empty()) return usage("postgres: " + err);
  }
  ClusterOptions co;
  co.dir = dir;
  if (pg) co.postgres_dsn = pg->dsn();
  co.seed = a.seed;
  co.pool_size = a.orders + a.orders / 2 + 500;
  co.webhook_port = receiver.port();
  co.webhook_secret_b64 = cgw::crypto::base64_encode(secret);
  Cluster cluster(co);
  if (auto err = cluster.start(); !err.empty()) {
    std::cerr << "cgw-reliability: setup failed: " << err << "\n";
    return 2;
  }
  if (a.mode == "chaos")
    if (auto err = turn_chaos_on(cluster.sim_port(), a.seed); !err.empty()) {
      std::cerr << "cgw-reliability: " << err << "\n";
      return 2;
    }

  auto numbers = available_numbers(cluster.gateway_port(), static_cast<size_t>(a.orders));
  if (numbers.size() < static_cast<size_t>(a.orders)) {
    std::cerr << "cgw-reliability: only " << numbers.size() << " numbers available\n";
    return 2;
  }
  WorkloadOptions wo;
  wo.workers = a.workers;
  wo.deadline = std::chrono::seconds(a.deadline_s);
  std::vector<Order> orders(numbers.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    orders[i].msisdn = numbers[i];
    orders[i].id_number = synthetic_id(static_cast<int>(i));
    // A mix of outcomes: every 5th is refused by the carrier after the
    // delay, every 7th completes without a callback (found by polling).
    orders[i].plan_id = i % 5 == 4 ? "SIM-REJECT" : i % 7 == 6 ? "SIM-NOCALLBACK" : "MB-DGDD-19";
  }

  // The killer: SIGKILL at random moments while the orders run.
  std::atomic<bool> load_done{false};
  std::atomic<int> kills_done{0};
  std::string kill_error;
  std::mt19937_64 rng(a.seed);
  auto kill_once = [&]() -> bool {
    auto err = cluster.kill_and_restart([&] {
      if (!a.sabotage) return;
      // Not durable: every restart loses what was written since the first.
      if (!cluster.has_snapshot())
        cluster.snapshot_store();
      else
        cluster.restore_store();
    });
    if (!err.empty()) kill_error = err;
    ++kills_done;
    return err.empty();
  };
  // The orders run on worker threads; the kills are made from this thread,
  // which outlives every gateway it starts (a child started with
  // PR_SET_PDEATHSIG dies with the thread that forked it).
  const auto started = std::chrono::steady_clock::now();
  bool in_time = false;
  std::thread load([&] {
    in_time = run_orders(cluster, orders, wo);
    load_done = true;
  });
  if (a.mode == "crash") {
    std::uniform_int_distribution<int> gap(a.min_gap_ms, a.max_gap_ms);
    while (!load_done && kills_done < a.kills) {
      for (int waited = 0, g = gap(rng); waited < g && !load_done; waited += 10)
        std::this_thread::sleep_for(10ms);
      if (load_done || !kill_once()) break;
    }
  }
  load.join();
  // One more kill in the middle of recovery (orders still being completed).
  if (a.mode == "crash" && kill_error.empty() && kills_done < a.kills) kill_once();
  if (!kill_error.empty()) {
    std::cerr << "cgw-reliability: the gateway did not come back: " << kill_error << "\n";
    return 2;
  }
  size_t acked = 0, refused = 0;
  std::map<std::string, int> refusals;
  for (const auto& o : orders) {
    acked += !o.activation_id.empty();
    refused += !o.refused.empty();
    if (!o.refused.empty()) ++refusals[o.refused];
  }
  std::cout << "load: " << acked << " activations acknowledged, " << refused << " orders refused, "
            << kills_done << " kills, in "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                started)
                   .count()
            << " s" << (in_time ? "" : " (deadline passed)") << std::endl;
  for (const auto& [why, n] : refusals) std::cout << "  refused " << n << "x: " << why << "\n";
  const size_t open = wait_for_final(cluster, orders, std::chrono::seconds(a.recovery_s));
  std::cout << "recovery: " << open << " activations not final after the window" << std::endl;

  Verdict v = check_run(cluster, orders, &receiver, std::chrono::seconds(a.recovery_s));
  {
    // The run must have done real work for its checks to mean anything.
    ++v.checks;
    const bool enough = acked >= orders.size() / 2 && (a.mode != "crash" || kills_done > 0);
    std::cout << (enough ? "ok   " : "FAIL ") << "the run exercised enough (" << acked
              << " acknowledged, " << kills_done << " kills, " << receiver.deliveries()
              << " webhook deliveries, " << receiver.refused() << " refused on purpose)\n";
    if (!enough) ++v.violations;
  }
  std::cout << "summary: " << v.checks - v.violations << "/" << v.checks << " checks held"
            << std::endl;
  cluster.stop();
  pg.reset();  // the server stops before its folder goes
  if (!a.keep && v.violations == 0) std::filesystem::remove_all(dir);
  if (a.sabotage) {
    std::cout << (v.violations > 0 ? "vacuity: the checker caught the non-durable store\n"
                                   : "vacuity: FAILED - the checker missed the lost writes\n");
    return v.violations > 0 ? 0 : 1;
  }
  return v.violations == 0 ? 0 : 1;
}
