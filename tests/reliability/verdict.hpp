// Compares what the platform was told, what the gateway recorded and what
// the carrier (the simulator's ledger) did. One line per check, and the
// number of violations.
#pragma once

#include "cluster.hpp"
#include "webhook_receiver.hpp"
#include "workload.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace cgw::reliability {

// Waits until every acknowledged activation is final in the gateway, up to
// `window`. Returns how many are still not final.
size_t wait_for_final(Cluster& c, const std::vector<Order>& orders, std::chrono::seconds window);

struct Verdict {
  int checks = 0, violations = 0;
  std::vector<std::string> failed;  // the names of the checks that failed
};
// The check a store that loses acknowledged writes must fail.
inline constexpr const char* kLostCheck = "every acknowledged activation is in the gateway's store";

// `receiver`: also check every final status reached the platform by webhook
// (waiting up to `webhook_window` for deliveries still on their way).
Verdict check_run(Cluster& c, const std::vector<Order>& orders, WebhookReceiver* receiver,
                  std::chrono::seconds webhook_window);

}  // namespace cgw::reliability
