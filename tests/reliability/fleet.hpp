// cgw-reliability fleet: several gateway instances on one PostgreSQL the run
// starts, behind a round-robin client, with one instance SIGKILLed and
// restarted every few seconds (docs/reliability.md, "The fleet run").
#pragma once

#include "cluster.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::reliability {

// `argv[1]` is "fleet". Exit status as the crash run's: 0 every check held,
// 1 a check failed, 2 the run could not be set up; with --sabotage 0 when
// the checker caught the loss.
int fleet_main(int argc, char** argv);

// ---- Pieces of the run (fleet_checks.cpp) ----------------------------------

// Races: the same number reserved at once through every instance.
struct RaceTally {
  std::atomic<int> races{0}, one_winner{0}, losers{0};
  std::mutex mu;
  std::vector<std::string> violations;  // mu
  // A number reserved through one instance still offered by another's
  // search after the bound: the change feed did not carry it.
  std::atomic<int> still_offered{0};
  std::atomic<int64_t> max_unoffered_ms{0};
};
// Runs races on `numbers` one after the other until `until`.
void run_races(Cluster& c, const std::vector<std::string>& numbers,
               std::chrono::steady_clock::time_point until, std::chrono::milliseconds feed_bound,
               RaceTally& tally);

// The instance whose /metrics reports cgw_lease_held{lease="<lease>"} 1;
// -1 when none does. `seen`: whether any instance exposes that lease.
int lease_holder(Cluster& c, const std::string& lease, bool* seen = nullptr);

// Whether `port`'s search offers `msisdn`.
bool offered(uint16_t port, const std::string& msisdn);

}  // namespace cgw::reliability
