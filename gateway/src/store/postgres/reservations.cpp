// Reservations and the carrier-lock release queue on PostgreSQL (the rules
// as in store/sqlite/reservations.cpp). Across instances: one live
// reservation per number is the partial unique index reservations_live; a
// read inside a write locks its row (FOR UPDATE), so a check and the write
// that follows see the same row; due releases are leased with SKIP LOCKED,
// so two instances never lease one row.
#include "cgw/common/crypto.hpp"
#include "core/reservation_status.hpp"
#include "store/postgres/repositories.hpp"
#include "store/status_sql.hpp"

namespace cgw::gw::pg {

namespace {
const std::string kPending = sql_literal(reservation::kPending);
const std::string kHeld = sql_literal(reservation::kHeld);
const std::string kReleasing = sql_literal(reservation::kReleasing);

constexpr const char* kCols =
    "id, tenant, carrier, msisdn, carrier_reservation_id, status, expires_at, created_at, "
    "COALESCE(carrier_expires_at, 0), release_to, release_attempts";

Reservation read_row(const PgResult& r, int i) {
  Reservation res;
  res.id = r.str(i, 0);
  res.tenant = r.str(i, 1);
  res.carrier = r.str(i, 2);
  res.msisdn = r.str(i, 3);
  res.carrier_reservation_id = r.str(i, 4);  // NULL reads ""
  res.status = r.str(i, 5);
  res.expires_at_ms = r.int64(i, 6);
  res.created_at_ms = r.int64(i, 7);
  res.carrier_expires_at_ms = r.int64(i, 8);
  res.release_to = r.str(i, 9);
  res.release_attempts = r.int64(i, 10);
  return res;
}

std::optional<NumberKey> moved_number(const PgResult& r) {
  if (r.rows() == 0) return std::nullopt;
  return NumberKey{r.str(0, 0), r.str(0, 1)};
}
}  // namespace

Result<Reservation> PgReservations::insert_pending(Tx& tx, const std::string& tenant,
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
  // ON CONFLICT DO NOTHING instead of a unique violation: an error would
  // abort the caller's whole transaction, which must go on. A concurrent
  // claim not committed yet is waited for, then decides.
  static const std::string sql =
      "INSERT INTO reservations (id, tenant, carrier, msisdn, status, created_at, updated_at, "
      "idempotency_key, owner) VALUES ($1, $2, $3, $4, " +
      kPending + ", $5, $5, NULLIF($6, ''), $7) ON CONFLICT DO NOTHING";
  auto res = db_.conn(tx).exec(
      sql, {p(r.id), p(tenant), p(carrier), p(msisdn), p(now_ms), p(key), p(db_.instance_id())});
  if (res.affected() == 0)
    return make_error(code::kNumberUnavailable, "the number is already reserved or sold");
  return r;
}

std::optional<Reservation> PgReservations::live_by_key(Tx& tx, const std::string& carrier,
                                                       const std::string& msisdn,
                                                       const std::string& tenant,
                                                       const std::string& key) {
  static const std::string sql = std::string("SELECT ") + kCols +
                                 " FROM reservations WHERE carrier = $1 AND msisdn = $2 AND " +
                                 live_reservation_term() +
                                 " AND tenant = $3 AND idempotency_key = $4 FOR UPDATE";
  auto r = db_.conn(tx).exec(sql, {p(carrier), p(msisdn), p(tenant), p(key)});
  if (r.rows() == 0) return std::nullopt;
  return read_row(r, 0);
}

void PgReservations::adopt(Tx& tx, const std::string& id, int64_t now_ms) {
  // This instance carries the request on now.
  db_.conn(tx).exec(
      "UPDATE reservations SET next_release_at = NULL, updated_at = $1, owner = $3 WHERE id = $2",
      {p(now_ms), p(id), p(db_.instance_id())});
}

bool PgReservations::hold(Tx& tx, const std::string& id, const std::string& carrier_reservation_id,
                          int64_t expires_at_ms, int64_t carrier_expires_at_ms, int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + kHeld +
      ", carrier_reservation_id = $1, expires_at = $2, carrier_expires_at = NULLIF($3::bigint, "
      "0), next_release_at = NULL, updated_at = $4 WHERE id = $5 AND status = " +
      kPending;
  return db_.conn(tx)
             .exec(sql, {p(carrier_reservation_id), p(expires_at_ms), p(carrier_expires_at_ms),
                         p(now_ms), p(id)})
             .affected() > 0;
}

Reservation PgReservations::force_hold(Tx& tx, const std::string& id,
                                       const std::string& carrier_reservation_id,
                                       int64_t expires_at_ms, int64_t now_ms) {
  static const std::string sql = "UPDATE reservations SET status = " + kHeld +
                                 ", carrier_reservation_id = $1, expires_at = $2, updated_at = $3 "
                                 "WHERE id = $4 RETURNING " +
                                 std::string(kCols);
  auto r = db_.conn(tx).exec(sql, {p(carrier_reservation_id), p(expires_at_ms), p(now_ms), p(id)});
  if (r.rows() == 0) return {};
  return read_row(r, 0);
}

void PgReservations::set_lock(Tx& tx, const std::string& id,
                              const std::string& carrier_reservation_id,
                              int64_t carrier_expires_at_ms, bool only_releasing) {
  static const std::string sql =
      "UPDATE reservations SET carrier_reservation_id = NULLIF($1, ''), carrier_expires_at = "
      "NULLIF($2::bigint, 0) WHERE id = $3";
  static const std::string releasing_sql = sql + " AND status = " + kReleasing;
  db_.conn(tx).exec(only_releasing ? releasing_sql : sql,
                    {p(carrier_reservation_id), p(carrier_expires_at_ms), p(id)});
}

void PgReservations::schedule_recovery(Tx& tx, const std::string& id, int64_t recover_at_ms) {
  static const std::string sql =
      "UPDATE reservations SET next_release_at = $1 WHERE id = $2 AND status = " + kPending;
  db_.conn(tx).exec(sql, {p(recover_at_ms), p(id)});
}

std::optional<NumberKey> PgReservations::fail(Tx& tx, const std::string& id, int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + sql_literal(reservation::kFailed) +
      ", updated_at = $1 WHERE id = $2 RETURNING carrier, msisdn";
  return moved_number(db_.conn(tx).exec(sql, {p(now_ms), p(id)}));
}

std::optional<NumberKey> PgReservations::release(Tx& tx, const std::string& id, int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + sql_literal(reservation::kReleased) +
      ", updated_at = $1 WHERE id = $2 AND " +
      status_in({reservation::kHeld, reservation::kPending}) + " RETURNING carrier, msisdn";
  return moved_number(db_.conn(tx).exec(sql, {p(now_ms), p(id)}));
}

void PgReservations::consume(Tx& tx, const std::string& id, int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + sql_literal(reservation::kConsumed) +
      ", updated_at = $1 WHERE id = $2";
  db_.conn(tx).exec(sql, {p(now_ms), p(id)});
}

bool PgReservations::queue_release(Tx& tx, const std::string& id, const std::string& release_to,
                                   int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = " + kReleasing +
      ", release_to = $1, next_release_at = $2, release_attempts = 0, release_error = NULL, "
      "updated_at = $2 WHERE id = $3 AND " +
      status_in({reservation::kPending, reservation::kHeld, reservation::kConsumed});
  return db_.conn(tx).exec(sql, {p(release_to), p(now_ms), p(id)}).affected() > 0;
}

ReservationRepository::Expired PgReservations::expire_held(Tx& tx, int64_t now_ms,
                                                           const NumberKey* only) {
  static const std::string expired = sql_literal(reservation::kExpired);
  static const std::string all =
      "UPDATE reservations SET status = CASE WHEN COALESCE(carrier_expires_at, 0) > $1 THEN " +
      kReleasing + " ELSE " + expired + " END, release_to = " + expired +
      ", next_release_at = CASE WHEN COALESCE(carrier_expires_at, 0) > $1 THEN $1::bigint END, "
      "updated_at = $1 WHERE " +
      live_reservation_term() + " AND status = " + kHeld + " AND expires_at <= $1";
  static const std::string returning = " RETURNING carrier, msisdn, status";
  static const std::string all_sql = all + returning;
  static const std::string one_sql = all + " AND carrier = $2 AND msisdn = $3" + returning;
  auto& c = db_.conn(tx);
  auto r = only ? c.exec(one_sql, {p(now_ms), p(only->carrier), p(only->msisdn)})
                : c.exec(all_sql, {p(now_ms)});
  Expired out;
  for (int i = 0; i < r.rows(); ++i) {
    ++out.count;
    if (r.text(i, 2) == reservation::kExpired) out.freed.push_back({r.str(i, 0), r.str(i, 1)});
  }
  return out;
}

std::vector<Reservation> PgReservations::lease_due_releases(Tx& tx, int64_t now_ms, size_t limit,
                                                            int64_t lease_until_ms) {
  auto& c = db_.conn(tx);
  // Interrupted reservations whose grace has passed: no retry adopted them.
  static const std::string recover_sql =
      "UPDATE reservations SET status = " + kReleasing +
      ", release_to = " + sql_literal(reservation::kFailed) +
      ", updated_at = $1 WHERE next_release_at IS NOT NULL AND next_release_at <= $1 AND "
      "status = " +
      kPending;
  c.exec(recover_sql, {p(now_ms)});
  // Rows another instance is leasing right now are skipped, not waited for.
  static const std::string due_sql =
      std::string("SELECT ") + kCols +
      " FROM reservations WHERE next_release_at IS NOT NULL AND next_release_at <= $1 AND "
      "status = " +
      kReleasing + " ORDER BY next_release_at LIMIT $2 FOR UPDATE SKIP LOCKED";
  auto r = c.exec(due_sql, {p(now_ms), p(static_cast<int64_t>(limit))});
  std::vector<Reservation> due;
  for (int i = 0; i < r.rows(); ++i) {
    due.push_back(read_row(r, i));
    c.exec("UPDATE reservations SET next_release_at = $1 WHERE id = $2",
           {p(lease_until_ms), p(due.back().id)});
  }
  return due;
}

std::optional<NumberKey> PgReservations::finish_release(Tx& tx, const std::string& id,
                                                        int64_t now_ms) {
  static const std::string sql =
      "UPDATE reservations SET status = COALESCE(release_to, " +
      sql_literal(reservation::kReleased) +
      "), next_release_at = NULL, updated_at = $1 WHERE id = $2 AND status = " + kReleasing +
      " RETURNING carrier, msisdn";
  return moved_number(db_.conn(tx).exec(sql, {p(now_ms), p(id)}));
}

void PgReservations::retry_release(const std::string& id, int64_t next_at_ms,
                                   const std::string& error) {
  static const std::string sql =
      "UPDATE reservations SET next_release_at = $1, release_attempts = release_attempts + 1, "
      "release_error = $2 WHERE id = $3 AND status = " +
      kReleasing;
  db_.run([&](PgConnection& c) { c.exec(sql, {p(next_at_ms), p(error), p(id)}); });
}

void PgReservations::note_carrier_lock(const std::string& id,
                                       const std::string& carrier_reservation_id) {
  static const std::string sql =
      "UPDATE reservations SET carrier_reservation_id = $1 WHERE id = $2 AND status = " +
      kReleasing;
  db_.run([&](PgConnection& c) { c.exec(sql, {p(carrier_reservation_id), p(id)}); });
}

// Only the rows of instances that are not alive, adopted by this one in
// the same statement: a live instance's request is still making its row,
// and an adopted row is not pushed back again at the next recovery pass.
int64_t PgReservations::schedule_interrupted(Tx& tx, int64_t now_ms, int64_t grace_ms) {
  static const std::string sql =
      "UPDATE reservations SET owner = $2, next_release_at = CASE WHEN next_release_at IS NULL "
      "OR next_release_at < $1 THEN $1 ELSE next_release_at END WHERE " +
      live_reservation_term() + " AND status = " + kPending + " AND " + PgDatabase::orphan_term(3);
  return db_.conn(tx)
      .exec(sql, {p(now_ms + grace_ms), p(db_.instance_id()), p(db_.liveness_ttl_ms())})
      .affected();
}

std::optional<Reservation> PgReservations::get(const std::string& tenant, const std::string& id,
                                               int64_t now_ms) {
  static const std::string sql =
      std::string("SELECT ") + kCols + " FROM reservations WHERE id = $1 AND tenant = $2";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql, {p(id), p(tenant)}); });
  if (r.rows() == 0) return std::nullopt;
  Reservation res = read_row(r, 0);
  // Past its expiry a hold shows expired at once (the janitor writes it
  // later); so does one whose leftover carrier lock is being released.
  if ((res.status == reservation::kHeld && res.expires_at_ms <= now_ms) ||
      (res.status == reservation::kReleasing && res.release_to == reservation::kExpired))
    res.status = reservation::kExpired;
  return res;
}

std::optional<Reservation> PgReservations::get_in(Tx& tx, const std::string& tenant,
                                                  const std::string& id) {
  // Locked: two activations of one reservation on two instances are
  // decided one after the other (the second sees it consumed).
  static const std::string sql = std::string("SELECT ") + kCols +
                                 " FROM reservations WHERE id = $1 AND tenant = $2 FOR UPDATE";
  auto r = db_.conn(tx).exec(sql, {p(id), p(tenant)});
  if (r.rows() == 0) return std::nullopt;
  return read_row(r, 0);
}

}  // namespace cgw::gw::pg
