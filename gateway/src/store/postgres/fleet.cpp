// Instances and leases on PostgreSQL (store/fleet_repository.hpp). Every
// time is the database's now(): one clock for the whole fleet.
#include "cgw/common/crypto.hpp"
#include "store/postgres/repositories.hpp"

namespace cgw::gw::pg {

namespace {
// "<n> milliseconds" as an interval, n the parameter $`param`.
std::string ms_interval(int param) {
  return "$" + std::to_string(param) + " * interval '1 millisecond'";
}
}  // namespace

std::string PgFleet::instance_id() const {
  return db_.instance_id();
}

void PgFleet::join(const std::string& host, int64_t pid, int64_t ttl_ms) {
  host_ = host;
  pid_ = pid;
  const std::string id = crypto::random_hex(8);
  db_.run([&](PgConnection& c) {
    c.exec("INSERT INTO cgw_instances (id, host, pid) VALUES ($1, $2, $3)",
           {p(id), p(host), p(pid)});
  });
  db_.set_instance(id, ttl_ms);
}

FleetRepository::Beat PgFleet::heartbeat() {
  const std::string me = db_.instance_id();
  const int64_t ttl = db_.liveness_ttl_ms();
  // A renewal after a gap longer than the ttl starts a new alive_since:
  // while this instance could not renew, the others' heartbeats could not
  // be trusted to tell who is dead either.
  static const std::string renew =
      "UPDATE cgw_instances SET alive_since = CASE WHEN heartbeat_at < now() - " + ms_interval(2) +
      " THEN now() ELSE alive_since END, heartbeat_at = now() WHERE id = $1 "
      "RETURNING alive_since <= now() - " +
      ms_interval(2);
  static const std::string live =
      "SELECT count(*) FROM cgw_instances WHERE heartbeat_at > now() - " + ms_interval(2) +
      " OR id = $1";
  Beat beat;
  db_.run([&](PgConnection& c) {
    auto r = c.exec(renew, {p(me), p(ttl)});
    if (r.rows() == 0) {
      // Declared dead by the fleet (its work was adopted): a new instance.
      const std::string id = crypto::random_hex(8);
      c.exec("INSERT INTO cgw_instances (id, host, pid) VALUES ($1, $2, $3)",
             {p(id), p(host_), p(pid_)});
      db_.set_instance(id, ttl);
      beat.rejoined = true;
    } else {
      beat.may_recover = r.text(0, 0) == "t";
    }
    beat.live_instances = c.exec(live, {p(db_.instance_id()), p(ttl)}).int64(0, 0);
  });
  return beat;
}

FleetRepository::Claim PgFleet::claim_lease(const std::string& name) {
  const std::string me = db_.instance_id();
  // One statement: taken when absent or expired, renewed when ours. Of two
  // instances claiming at once, the second waits for the first's row and
  // re-checks the WHERE against it: exactly one holds the lease.
  static const std::string sql =
      "WITH prev AS (SELECT holder FROM cgw_leases WHERE name = $1) "
      "INSERT INTO cgw_leases AS l (name, holder, acquired_at, expires_at) "
      "VALUES ($1, $2, now(), now() + " +
      ms_interval(3) +
      ") ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, "
      "expires_at = EXCLUDED.expires_at, acquired_at = CASE WHEN l.holder = EXCLUDED.holder "
      "THEN l.acquired_at ELSE now() END WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now() "
      "RETURNING (SELECT holder FROM prev)";
  Claim claim;
  auto r = db_.run([&](PgConnection& c) {
    return c.exec(sql, {p(name), p(me), p(db_.liveness_ttl_ms())});
  });
  if (r.rows() == 0) return claim;
  claim.held = true;
  const std::string prev = r.null(0, 0) ? std::string() : r.str(0, 0);
  if (prev != me) {
    claim.taken = true;
    claim.previous_holder = prev;
  }
  return claim;
}

int64_t PgFleet::forget_dead(Tx& tx) {
  static const std::string sql =
      "DELETE FROM cgw_instances WHERE heartbeat_at <= now() - " + ms_interval(1) + " AND id <> $2";
  return db_.conn(tx).exec(sql, {p(db_.liveness_ttl_ms()), p(db_.instance_id())}).affected();
}

void PgFleet::leave() {
  const std::string me = db_.instance_id();
  db_.run([&](PgConnection& c) {
    c.exec("DELETE FROM cgw_leases WHERE holder = $1", {p(me)});
    c.exec("DELETE FROM cgw_instances WHERE id = $1", {p(me)});
  });
}

}  // namespace cgw::gw::pg
