// The platform's side of a reliability run: many orders, each reserved,
// verified and activated through the gateway's API by a pool of workers,
// retrying exactly as a careful platform would (same Idempotency-Key after
// a timeout or a dropped connection) while the gateway may die under it.
#pragma once

#include "cluster.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::reliability {

struct Order {
  std::string msisdn, plan_id, id_number;
  // Outcome as the platform saw it.
  std::string activation_id;         // set on 202: acknowledged
  std::string refused;               // the error code when the gateway refused it (4xx)
  int acknowledgements = 0;          // 202s received (replays included)
  bool inconsistent_replay = false;  // a replay named another activation
};

struct WorkloadOptions {
  int workers = 8;
  std::chrono::seconds deadline{600};
  // No order is started after this (the fleet run's duration); those left
  // are not attempted and count as neither acknowledged nor refused.
  std::chrono::steady_clock::time_point stop_starting =
      std::chrono::steady_clock::time_point::max();
};

// Reads `count` available numbers from the gateway's search.
std::vector<std::string> available_numbers(uint16_t port, size_t count);
// A checksum-valid synthetic ID number, distinct for each `i` (never a
// simulator magic identity).
std::string synthetic_id(int i);

// Runs every order to an acknowledgement or a refusal. Returns false when
// the deadline passed first.
bool run_orders(Cluster& cluster, std::vector<Order>& orders, const WorkloadOptions& o);

}  // namespace cgw::reliability
