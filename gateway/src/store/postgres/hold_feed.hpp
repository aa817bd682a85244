// The change feed of local holds on PostgreSQL (store/hold_feed.hpp): the
// rows that migration 4's trigger writes into number_changes.
#pragma once

#include "store/hold_feed.hpp"
#include "store/postgres/database.hpp"

#include <cstdint>
#include <map>

namespace cgw::gw::pg {

// A sequence value is taken when a change is written, not when it commits:
// a transaction that took seq 12 may commit after the one that took 13, so
// "seq > last read" alone would skip 12 for good. The reader therefore
// remembers each seq it skipped (a gap) with the snapshot's xmax of the
// read that saw the gap, and asks for the gaps again at every read. The
// writer of a gap had its transaction id before that xmax; once a read's
// snapshot xmin reaches it, that transaction has ended, so a gap still
// missing then was rolled back and is forgotten. Each read runs in one
// REPEATABLE READ snapshot, so the rows and the xmin agree.
class PgHoldFeed final : public HoldFeed {
 public:
  explicit PgHoldFeed(PgDatabase& db) : db_(db) {}
  void start() override;
  Batch next(size_t limit) override;
  int64_t prune(int64_t age_ms) override;

  // More gaps than this at once (a sequence that jumped far): the reader
  // gives up tracking them and reports itself behind.
  static constexpr size_t kMaxGaps = 10'000;

 private:
  // Records seqs (from, to) as gaps first seen under `xmax`; false when
  // there would be too many.
  bool note_gaps(int64_t from, int64_t to, int64_t xmax);
  PgDatabase& db_;
  int64_t last_ = 0;                 // the highest seq read
  std::map<int64_t, int64_t> gaps_;  // skipped seq -> xmax of the read that saw it
};

}  // namespace cgw::gw::pg
