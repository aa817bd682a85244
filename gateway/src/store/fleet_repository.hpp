// The instances that share one store, and the named leases that make a
// background task run once across them (docs/reliability.md "Instances
// that share work").
//
// PostgreSQL: each gateway process registers a fresh instance id and
// renews its heartbeat; liveness and lease expiry are judged by the
// DATABASE clock (now()), so the instances' own clocks may disagree. A
// lease is a row (name, holder, expiry) that its holder renews; another
// instance takes it once it has expired. Rows that a request or a drive
// leaves mid-way (in-flight Idempotency-Keys, pending reservations, open
// activations) carry the instance that made them, so recovery touches only
// the rows of instances that are no longer alive.
//
// SQLite: one process on one file. There is one instance, every lease is
// always held, and everything a previous process left is this process's
// to recover at start (as before there was a fleet).
#pragma once

#include "store/database.hpp"

#include <cstdint>
#include <string>

namespace cgw::gw {

class FleetRepository {
 public:
  virtual ~FleetRepository() = default;

  // Whether other instances may share this store (false: SQLite).
  virtual bool shared() const = 0;
  // This process's instance id (random hex; the log line that registers it
  // names the host and pid). It changes only when the fleet declared this
  // instance dead and it joined again (see heartbeat).
  virtual std::string instance_id() const = 0;
  // Registers a fresh instance, alive now. `ttl_ms`: an instance whose
  // heartbeat is older than this is dead, and so is a lease not renewed
  // for this long.
  virtual void join(const std::string& host, int64_t pid, int64_t ttl_ms) = 0;

  struct Beat {
    int64_t live_instances = 1;  // this one included
    // This instance has been alive without a gap for at least the ttl, so
    // its view of who is dead is not an artefact of its own stall (or of a
    // database outage that stalled every heartbeat): it may recover the
    // work of dead instances.
    bool may_recover = false;
    // The fleet had declared this instance dead (its row was removed after
    // its heartbeat expired) and it joined again under `instance_id()`.
    bool rejoined = false;
  };
  // Renews this instance's heartbeat.
  virtual Beat heartbeat() = 0;

  struct Claim {
    bool held = false;
    // Held now but not before: the previous holder ("" when none or the
    // lease was free), for the takeover log line.
    bool taken = false;
    std::string previous_holder;
  };
  // Takes `name` when it is free or expired, renews it when this instance
  // holds it; `held` false when another live holder has it.
  virtual Claim claim_lease(const std::string& name) = 0;
  // Inside the recovery of dead instances' rows: forgets the instances
  // that are not alive (their rows adopted in the same transaction).
  // Returns how many. One that was only stalled finds its row gone at its
  // next heartbeat and joins again under a new id.
  virtual int64_t forget_dead(Tx& tx) = 0;
  // Clean shutdown: every lease of this instance released and its instance
  // row removed, so that the others take over at their next heartbeat.
  virtual void leave() = 0;
};

}  // namespace cgw::gw
