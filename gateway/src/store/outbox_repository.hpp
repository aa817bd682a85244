// The webhook outbox: events written in the transaction of the status
// change they report, leased to the dispatcher, and every delivery attempt
// kept for the API.
#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace cgw::gw {

class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  // Tenants with a webhook endpoint. Set once at start, before any request.
  virtual void set_webhook_tenants(std::set<std::string> tenants) = 0;
  // The event for the activation's status just changed from `previous`
  // ("" for a new one), when its tenant has an endpoint.
  virtual void enqueue_status_event(Tx& tx, const std::string& activation_id,
                                    const std::string& previous, const std::string& cause,
                                    int64_t now_ms) = 0;
  // Leases up to `limit` due events until `lease_until_ms` (a crash mid-
  // delivery lets them come due again) and returns them.
  virtual std::vector<OutboxEvent> lease_due(int64_t now_ms, size_t limit,
                                             int64_t lease_until_ms) = 0;
  // Records one attempt. `delivered`, else the next attempt at
  // `next_attempt_at_ms`, or given up (`failed`) when that is 0.
  virtual void record_attempt(const std::string& event_id, const DeliveryAttempt& attempt,
                              bool delivered, int64_t next_attempt_at_ms) = 0;
  virtual std::vector<EventWithAttempts> events_for(const std::string& activation_id) = 0;
};

}  // namespace cgw::gw
