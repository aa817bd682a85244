// The fleet's feed of local holds: every change of a number's local hold
// (reserved, sold, shown again), committed by any instance on the shared
// database, so that each instance's in-memory search index follows the
// others within a second (inventory/change_feed.hpp reads it).
//
// Only a store shared by several instances has one (PostgreSQL:
// store/postgres/hold_feed.hpp). SQLite serves one instance, whose index
// already hears of its own holds through HoldObserver as they commit:
// Repositories::hold_feed stays null there and no follower runs.
#pragma once

#include "store/records.hpp"

#include <cstdint>
#include <vector>

namespace cgw::gw {

struct HoldChange {
  int64_t seq = 0;  // the feed's position of the change
  NumberKey number;
  bool hidden = false;  // the number's local hold after the change
};

// One reader's cursor over the feed (each instance has one). Not
// thread-safe: one follower calls it.
class HoldFeed {
 public:
  virtual ~HoldFeed() = default;

  struct Batch {
    // Changes not returned before, each once. Changes of one number come in
    // the order they committed; applying them in this order leaves each
    // number as its last committed change says.
    std::vector<HoldChange> changes;
    int64_t position = 0;  // the highest seq read so far
    int64_t head = 0;      // the highest seq committed, as of the read
    // Changes this reader had not read were pruned (it was away longer than
    // the feed keeps changes): the index must be rebuilt from the store,
    // after start() has positioned the reader anew.
    bool behind = false;
  };

  // Positions the reader at the feed's head: next() returns the changes
  // committed after this call and those still in flight during it. Call it
  // before reading the store for an index build, so that no change falls
  // between the two.
  virtual void start() = 0;
  // Up to `limit` changes not returned yet.
  virtual Batch next(size_t limit) = 0;
  // Deletes changes older than `age_ms` (by the database's clock); how many.
  virtual int64_t prune(int64_t age_ms) = 0;
};

}  // namespace cgw::gw
