#include "store/postgres/hold_feed.hpp"

#include <algorithm>
#include <string>

namespace cgw::gw::pg {

namespace {

// How far back start() looks for changes still in flight.
constexpr int64_t kStartWindow = 1000;

// The bounds of the current snapshot, as bigints.
struct Snap {
  int64_t xmin = 0, xmax = 0;
};

Snap read_snapshot(PgConnection& c) {
  auto r = c.exec(
      "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
      "pg_snapshot_xmax(pg_current_snapshot())::text::bigint");
  return {r.int64(0, 0), r.int64(0, 1)};
}

// One read-only REPEATABLE READ transaction on a pooled connection: every
// statement of `work` sees one snapshot.
template <class F>
auto in_snapshot(PgDatabase& db, F&& work) {
  return db.run([&](PgConnection& c) {
    c.exec_simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    auto out = work(c);
    c.exec_simple("COMMIT");
    return out;
  });
}

std::string pg_array(const std::map<int64_t, int64_t>& gaps) {
  std::string out = "{";
  for (const auto& [seq, xmax] : gaps) {
    if (out.size() > 1) out += ',';
    out += std::to_string(seq);
  }
  return out + "}";
}

}  // namespace

bool PgHoldFeed::note_gaps(int64_t from, int64_t to, int64_t xmax) {
  if (to - from > static_cast<int64_t>(kMaxGaps) ||
      gaps_.size() + static_cast<size_t>(to - from) > kMaxGaps)
    return false;
  for (int64_t s = from + 1; s < to; ++s) gaps_.emplace(s, xmax);
  return true;
}

void PgHoldFeed::start() {
  gaps_.clear();
  in_snapshot(db_, [&](PgConnection& c) {
    const Snap snap = read_snapshot(c);
    auto head = c.exec(
        "SELECT COALESCE((SELECT max(seq) FROM number_changes), 0), "
        "(SELECT through FROM number_changes_pruned)");
    const int64_t pruned_through = head.int64(0, 1);
    last_ = std::max(head.int64(0, 0), pruned_through);
    // Seqs of the last window not visible yet (and not pruned): in flight
    // now, or rolled back; they are read when they commit.
    auto missing = c.exec(
        "SELECT s FROM generate_series(GREATEST($1::bigint - $2::bigint, $3::bigint) + 1, "
        "$1::bigint) s WHERE NOT EXISTS (SELECT 1 FROM number_changes WHERE seq = s)",
        {p(last_), p(kStartWindow), p(pruned_through)});
    for (int i = 0; i < missing.rows(); ++i) gaps_.emplace(missing.int64(i, 0), snap.xmax);
    return 0;
  });
}

HoldFeed::Batch PgHoldFeed::next(size_t limit) {
  return in_snapshot(db_, [&](PgConnection& c) {
    Batch b;
    const Snap snap = read_snapshot(c);
    auto head = c.exec(
        "SELECT COALESCE((SELECT max(seq) FROM number_changes), 0), "
        "(SELECT through FROM number_changes_pruned)");
    b.head = head.int64(0, 0);
    const int64_t pruned_through = head.int64(0, 1);
    if (pruned_through > last_ || (!gaps_.empty() && gaps_.begin()->first <= pruned_through)) {
      b.behind = true;
      b.position = last_;
      return b;
    }
    auto rows = c.exec(
        "SELECT seq, carrier, msisdn, kind FROM number_changes WHERE seq > $1 OR seq = "
        "ANY($2::bigint[]) ORDER BY seq LIMIT $3",
        {p(last_), p(pg_array(gaps_)), p(static_cast<int64_t>(limit))});
    for (int i = 0; i < rows.rows(); ++i) {
      const int64_t seq = rows.int64(i, 0);
      if (seq > last_) {
        if (!note_gaps(last_, seq, snap.xmax)) {
          b.behind = true;
          break;
        }
        last_ = seq;
      } else {
        gaps_.erase(seq);
      }
      b.changes.push_back({seq, {rows.str(i, 1), rows.str(i, 2)}, rows.text(i, 3) == "hold"});
    }
    // Gaps whose writers had all ended by this snapshot and are still
    // missing were rolled back.
    if (static_cast<size_t>(rows.rows()) < limit)
      std::erase_if(gaps_, [&](const auto& g) { return g.second <= snap.xmin; });
    b.position = last_;
    return b;
  });
}

int64_t PgHoldFeed::prune(int64_t age_ms) {
  return db_.run([&](PgConnection& c) {
    auto r = c.exec(
        "WITH gone AS (DELETE FROM number_changes WHERE at < clock_timestamp() - "
        "make_interval(secs => $1::double precision / 1000) RETURNING seq), "
        "mark AS (UPDATE number_changes_pruned SET through = GREATEST(through, (SELECT "
        "COALESCE(max(seq), 0) FROM gone))) SELECT count(*) FROM gone",
        {p(age_ms)});
    return r.int64(0, 0);
  });
}

}  // namespace cgw::gw::pg
