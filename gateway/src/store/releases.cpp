// The carrier-lock release queue on the reservations table (docs/
// reliability.md "Carrier locks"): a reservation the gateway ends while
// the carrier may still hold its lock is `releasing` with a due time,
// until ReservationReleaser (housekeeping.cpp) has the release confirmed.
#include "core/reservation_status.hpp"
#include "store/reservation_rows.hpp"
#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace cgw::gw {

bool Store::queue_release(const std::string& id, const std::string& release_to, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  bool queued = queue_release_in_tx(id, release_to, now_ms);
  tx.commit();
  return queued;
}

bool Store::queue_release_in_tx(const std::string& id, const std::string& release_to,
                                int64_t now_ms) {
  // The number stays hidden (releasing is live): the carrier would refuse
  // it to anyone until the lock is gone.
  db::Stmt s(*writer_,
             "UPDATE reservations SET status = 'releasing', release_to = ?1, next_release_at = ?2, "
             "release_attempts = 0, release_error = NULL, updated_at = ?2 WHERE id = ?3 AND "
             "status IN ('pending', 'held', 'consumed')");
  s.bind(1, release_to).bind(2, now_ms).bind(3, id).run();
  return writer_->changes() > 0;
}

std::vector<Reservation> Store::lease_due_releases(int64_t now_ms, size_t limit,
                                                   int64_t lease_until_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  // Interrupted reservations whose grace has passed: no retry adopted them.
  db::Stmt recover(*writer_,
                   "UPDATE reservations SET status = 'releasing', release_to = 'failed', "
                   "updated_at = ?1 WHERE next_release_at IS NOT NULL AND next_release_at <= ?1 "
                   "AND status = 'pending'");
  recover.bind(1, now_ms).run();
  std::vector<Reservation> due;
  {
    db::Stmt s(*writer_, "SELECT " + std::string(kReservationColumns) +
                             " FROM reservations WHERE next_release_at IS NOT NULL AND "
                             "next_release_at <= ? AND status = 'releasing' ORDER BY "
                             "next_release_at LIMIT ?");
    s.bind(1, now_ms).bind(2, static_cast<int64_t>(limit));
    while (s.step()) due.push_back(read_reservation_row(s));
  }
  for (const auto& r : due) {
    db::Stmt l(*writer_, "UPDATE reservations SET next_release_at = ? WHERE id = ?");
    l.bind(1, lease_until_ms).bind(2, r.id).run();
  }
  tx.commit();
  return due;
}

void Store::finish_release(const std::string& id, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(
      *writer_,
      "UPDATE reservations SET status = COALESCE(release_to, 'released'), next_release_at = "
      "NULL, updated_at = ? WHERE id = ? AND status = 'releasing' RETURNING carrier, msisdn");
  s.bind(1, now_ms).bind(2, id);
  if (s.step()) {
    auto carrier = s.text(0), msisdn = s.text(1);
    s.run();
    set_local_hold(carrier, msisdn, 0);
  }
  tx.commit();
}

void Store::retry_release(const std::string& id, int64_t next_at_ms, const std::string& error) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET next_release_at = ?, release_attempts = release_attempts + "
             "1, release_error = ? WHERE id = ? AND status = 'releasing'");
  s.bind(1, next_at_ms).bind(2, error).bind(3, id).run();
}

void Store::note_carrier_lock(const std::string& id, const std::string& carrier_reservation_id) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET carrier_reservation_id = ? WHERE id = ? AND status = "
             "'releasing'");
  s.bind(1, carrier_reservation_id).bind(2, id).run();
}

int64_t Store::expire_held_in_tx(int64_t now_ms, const std::string* carrier,
                                 const std::string* msisdn) {
  // The live term repeats the partial index's condition so that SQLite can
  // use reservations_live instead of scanning every reservation.
  std::string sql =
      "UPDATE reservations SET status = CASE WHEN COALESCE(carrier_expires_at, 0) > ?1 THEN "
      "'releasing' ELSE 'expired' END, release_to = 'expired', next_release_at = CASE WHEN "
      "COALESCE(carrier_expires_at, 0) > ?1 THEN ?1 END, updated_at = ?1 WHERE "
      "" CGW_RESERVATION_LIVE_SQL " AND status = 'held' AND expires_at <= ?1";
  if (carrier) sql += " AND carrier = ?2 AND msisdn = ?3";
  sql += " RETURNING carrier, msisdn, status";
  db::Stmt s(*writer_, sql);
  s.bind(1, now_ms);
  if (carrier) s.bind(2, *carrier).bind(3, *msisdn);
  std::vector<std::pair<std::string, std::string>> freed;
  int64_t n = 0;
  while (s.step()) {
    ++n;
    if (s.view(2) == reservation::kExpired) freed.emplace_back(s.text(0), s.text(1));
  }
  for (const auto& [c, m] : freed) set_local_hold(c, m, 0);
  return n;
}

}  // namespace cgw::gw
