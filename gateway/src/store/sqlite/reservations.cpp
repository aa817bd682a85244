// Reservations and the carrier-lock release queue on the reservations table
// (docs/reliability.md "Carrier locks"): a reservation the gateway ends
// while the carrier may still hold its lock is `releasing` with a due time,
// until ReservationReleaser (orders/housekeeping.cpp) has the release
// confirmed.
#include "cgw/common/crypto.hpp"
#include "core/reservation_status.hpp"
#include "store/sqlite/repositories.hpp"
#include "store/sqlite/reservation_rows.hpp"
#include "store/status_sql.hpp"

namespace cgw::gw::sqlite {

namespace {
// The status literals of this file's SQL (status_sql.hpp).
const std::string kPending = sql_literal(reservation::kPending);
const std::string kHeld = sql_literal(reservation::kHeld);
const std::string kReleasing = sql_literal(reservation::kReleasing);

std::optional<NumberKey> moved_number(db::Stmt& s) {
  if (!s.step()) return std::nullopt;
  NumberKey n{s.text(0), s.text(1)};
  s.run();
  return n;
}
}  // namespace

Result<Reservation> SqliteReservations::insert_pending(Tx& tx, const std::string& tenant,
                                                       const std::string& carrier,
                                                       const std::string& msisdn,
                                                       const std::string& key, int64_t now_ms) {
  Reservation r;
  r.id = "res_" + crypto::random_hex(12);
  r.tenant = tenant;
  r.carrier = carrier;
  r.msisdn = msisdn;
  r.status = reservation::kPending;
  r.created_at_ms = now_ms;
  try {
    // A failed statement undoes only itself: the caller's transaction goes on.
    static const std::string sql =
        "INSERT INTO reservations (id, tenant, carrier, msisdn, status, created_at, updated_at, "
        "idempotency_key) VALUES (?,?,?,?, " +
        kPending + ", ?, ?, NULLIF(?, ''))";
    db::Stmt s(db_.conn(tx), sql);
    s.bind(1, r.id).bind(2, tenant).bind(3, carrier).bind(4, msisdn).bind(5, now_ms);
    s.bind(6, now_ms).bind(7, key);
    s.run();
  } catch (const db::DbError& e) {
    if (e.constraint())
      return make_error(code::kNumberUnavailable, "the number is already reserved or sold");
    throw;
  }
  return r;
}

std::optional<Reservation> SqliteReservations::live_by_key(Tx& tx, const std::string& carrier,
                                                           const std::string& msisdn,
                                                           const std::string& tenant,
                                                           const std::string& key) {
  static const std::string sql = "SELECT " + std::string(kReservationColumns) +
                                 " FROM reservations WHERE carrier = ? AND msisdn = ? AND " +
                                 live_reservation_term() +
                                 " AND tenant = ? AND idempotency_key = ?";
  db::Stmt own(db_.conn(tx), sql);
  own.bind(1, carrier).bind(2, msisdn).bind(3, tenant).bind(4, key);
  if (!own.step()) return std::nullopt;
  Reservation mine = read_reservation_row(own);
  own.run();
  return mine;
}

void SqliteReservations::adopt(Tx& tx, const std::string& id, int64_t now_ms) {
  db::Stmt s(db_.conn(tx),
             "UPDATE reservations SET next_release_at = NULL, updated_at = ? WHERE id = ?");
  s.bind(1, now_ms).bind(2, id).run();
}

bool SqliteReservations::hold(Tx& tx, const std::string& id,
                              const std::string& carrier_reservation_id, int64_t expires_at_ms,
                              int64_t carrier_expires_at_ms, int64_t now_ms) {
  auto& c = db_.conn(tx);
  static const std::string sql =
      "UPDATE reservations SET status = " + kHeld +
      ", carrier_reservation_id = ?, expires_at = ?, carrier_expires_at = NULLIF(?, 0), "
      "next_release_at = NULL, updated_at = ? WHERE id = ? AND status = " +
      kPending;
  db::Stmt s(c, sql);
  s.bind(1, carrier_reservation_id).bind(2, expires_at_ms).bind(3, carrier_expires_at_ms);
  s.bind(4, now_ms).bind(5, id).run();
  return c.changes() > 0;
}

Reservation SqliteReservations::force_hold(Tx& tx, const std::string& id,
                                           const std::string& carrier_reservation_id,
                                           int64_t expires_at_ms, int64_t now_ms) {
  static const std::string sql = "UPDATE reservations SET status = " + kHeld +
                                 ", carrier_reservation_id = ?, expires_at = ?, updated_at = ? "
                                 "WHERE id = ? RETURNING " +
                                 std::string(kReservationColumns);
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, carrier_reservation_id).bind(2, expires_at_ms).bind(3, now_ms).bind(4, id);
  s.step();
  Reservation r = read_reservation_row(s);
  s.run();
  return r;
}

void SqliteReservations::set_lock(Tx& tx, const std::string& id,
                                  const std::string& carrier_reservation_id,
                                  int64_t carrier_expires_at_ms, bool only_releasing) {
  static const std::string sql =
      "UPDATE reservations SET carrier_reservation_id = NULLIF(?, ''), carrier_expires_at = "
      "NULLIF(?, 0) WHERE id = ?";
  static const std::string releasing_sql = sql + " AND status = " + kReleasing;
  db::Stmt s(db_.conn(tx), only_releasing ? releasing_sql : sql);
  s.bind(1, carrier_reservation_id).bind(2, carrier_expires_at_ms).bind(3, id).run();
}

void SqliteReservations::schedule_recovery(Tx& tx, const std::string& id, int64_t recover_at_ms) {
  static const std::string sql =
      "UPDATE reservations SET next_release_at = ? WHERE id = ? AND status = " + kPending;
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, recover_at_ms).bind(2, id).run();
}

std::optional<NumberKey> SqliteReservations::fail(Tx& tx, const std::string& id, int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + sql_literal(reservation::kFailed) +
      ", updated_at = ? WHERE id = ? RETURNING carrier, msisdn";
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, now_ms).bind(2, id);
  return moved_number(s);
}

std::optional<NumberKey> SqliteReservations::release(Tx& tx, const std::string& id,
                                                     int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + sql_literal(reservation::kReleased) +
      ", updated_at = ? WHERE id = ? AND " +
      status_in({reservation::kHeld, reservation::kPending}) + " RETURNING carrier, msisdn";
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, now_ms).bind(2, id);
  return moved_number(s);
}

void SqliteReservations::consume(Tx& tx, const std::string& id, int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + sql_literal(reservation::kConsumed) +
      ", updated_at = ? WHERE id = ?";
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, now_ms).bind(2, id).run();
}

bool SqliteReservations::queue_release(Tx& tx, const std::string& id, const std::string& release_to,
                                       int64_t now_ms) {
  auto& c = db_.conn(tx);
  static const std::string sql =
      "UPDATE reservations SET status = " + kReleasing +
      ", release_to = ?1, next_release_at = ?2, release_attempts = 0, release_error = NULL, "
      "updated_at = ?2 WHERE id = ?3 AND " +
      status_in({reservation::kPending, reservation::kHeld, reservation::kConsumed});
  db::Stmt s(c, sql);
  s.bind(1, release_to).bind(2, now_ms).bind(3, id).run();
  return c.changes() > 0;
}

ReservationRepository::Expired SqliteReservations::expire_held(Tx& tx, int64_t now_ms,
                                                               const NumberKey* only) {
  // The live term repeats the partial index's condition so that SQLite can
  // use reservations_live instead of scanning every reservation.
  static const std::string expired = sql_literal(reservation::kExpired);
  static const std::string all =
      "UPDATE reservations SET status = CASE WHEN COALESCE(carrier_expires_at, 0) > ?1 THEN " +
      kReleasing + " ELSE " + expired + " END, release_to = " + expired +
      ", next_release_at = CASE WHEN COALESCE(carrier_expires_at, 0) > ?1 THEN ?1 END, "
      "updated_at = ?1 WHERE " +
      live_reservation_term() + " AND status = " + kHeld + " AND expires_at <= ?1";
  static const std::string returning = " RETURNING carrier, msisdn, status";
  static const std::string all_sql = all + returning;
  static const std::string one_sql = all + " AND carrier = ?2 AND msisdn = ?3" + returning;
  db::Stmt s(db_.conn(tx), only ? one_sql : all_sql);
  s.bind(1, now_ms);
  if (only) s.bind(2, only->carrier).bind(3, only->msisdn);
  Expired out;
  while (s.step()) {
    ++out.count;
    if (s.view(2) == reservation::kExpired) out.freed.push_back({s.text(0), s.text(1)});
  }
  return out;
}

std::vector<Reservation> SqliteReservations::lease_due_releases(Tx& tx, int64_t now_ms,
                                                                size_t limit,
                                                                int64_t lease_until_ms) {
  auto& c = db_.conn(tx);
  // Interrupted reservations whose grace has passed: no retry adopted them.
  static const std::string recover_sql =
      "UPDATE reservations SET status = " + kReleasing +
      ", release_to = " + sql_literal(reservation::kFailed) +
      ", updated_at = ?1 WHERE next_release_at IS NOT NULL AND next_release_at <= ?1 AND "
      "status = " +
      kPending;
  db::Stmt recover(c, recover_sql);
  recover.bind(1, now_ms).run();
  std::vector<Reservation> due;
  {
    static const std::string due_sql =
        "SELECT " + std::string(kReservationColumns) +
        " FROM reservations WHERE next_release_at IS NOT NULL AND next_release_at <= ? AND "
        "status = " +
        kReleasing + " ORDER BY next_release_at LIMIT ?";
    db::Stmt s(c, due_sql);
    s.bind(1, now_ms).bind(2, static_cast<int64_t>(limit));
    while (s.step()) due.push_back(read_reservation_row(s));
  }
  for (const auto& r : due) {
    db::Stmt l(c, "UPDATE reservations SET next_release_at = ? WHERE id = ?");
    l.bind(1, lease_until_ms).bind(2, r.id).run();
  }
  return due;
}

std::optional<NumberKey> SqliteReservations::finish_release(Tx& tx, const std::string& id,
                                                            int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = COALESCE(release_to, " +
      sql_literal(reservation::kReleased) +
      "), next_release_at = NULL, updated_at = ? WHERE id = ? AND status = " + kReleasing +
      " RETURNING carrier, msisdn";
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, now_ms).bind(2, id);
  return moved_number(s);
}

void SqliteReservations::retry_release(const std::string& id, int64_t next_at_ms,
                                       const std::string& error) {
  db_.write([&](db::Connection& c) {
    static const std::string sql =
        "UPDATE reservations SET next_release_at = ?, release_attempts = release_attempts + 1, "
        "release_error = ? WHERE id = ? AND status = " +
        kReleasing;
    db::Stmt s(c, sql);
    s.bind(1, next_at_ms).bind(2, error).bind(3, id).run();
  });
}

void SqliteReservations::note_carrier_lock(const std::string& id,
                                           const std::string& carrier_reservation_id) {
  db_.write([&](db::Connection& c) {
    static const std::string sql =
        "UPDATE reservations SET carrier_reservation_id = ? WHERE id = ? AND status = " +
        kReleasing;
    db::Stmt s(c, sql);
    s.bind(1, carrier_reservation_id).bind(2, id).run();
  });
}

int64_t SqliteReservations::schedule_interrupted(Tx& tx, int64_t now_ms, int64_t grace_ms) {
  auto& c = db_.conn(tx);
  static const std::string sql = "UPDATE reservations SET next_release_at = ?1 WHERE " +
                                 live_reservation_term() + " AND status = " + kPending +
                                 " AND (next_release_at IS NULL OR next_release_at < ?1)";
  db::Stmt s(c, sql);
  s.bind(1, now_ms + grace_ms).run();
  return c.changes();
}

std::optional<Reservation> SqliteReservations::get(const std::string& tenant, const std::string& id,
                                                   int64_t now_ms) {
  return db_.read([&](db::Connection& c) -> std::optional<Reservation> {
    db::Stmt s(c, "SELECT " + std::string(kReservationColumns) +
                      " FROM reservations WHERE id = ? AND tenant = ?");
    s.bind(1, id).bind(2, tenant);
    if (!s.step()) return std::nullopt;
    Reservation r = read_reservation_row(s);
    // Past its expiry a hold shows expired at once (the janitor writes it
    // later); so does one whose leftover carrier lock is being released.
    if ((r.status == reservation::kHeld && r.expires_at_ms <= now_ms) ||
        (r.status == reservation::kReleasing && r.release_to == reservation::kExpired))
      r.status = reservation::kExpired;
    return r;
  });
}

std::optional<Reservation> SqliteReservations::get_in(Tx& tx, const std::string& tenant,
                                                      const std::string& id) {
  db::Stmt s(db_.conn(tx), "SELECT " + std::string(kReservationColumns) +
                               " FROM reservations WHERE id = ? AND tenant = ?");
  s.bind(1, id).bind(2, tenant);
  if (!s.step()) return std::nullopt;
  return read_reservation_row(s);
}

}  // namespace cgw::gw::sqlite
