// The synced number inventory on PostgreSQL: sync writes, the rows the
// search index is built from, and the local holds that the observer hears
// of as their transactions commit.
#include "core/number_status.hpp"
#include "store/postgres/repositories.hpp"
#include "store/status_sql.hpp"

namespace cgw::gw::pg {

namespace {
Param opt(const std::optional<std::string>& v) {
  return v ? Param(*v) : std::nullopt;
}
}  // namespace

void PgNumbers::upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                               const std::vector<uint32_t>& tag_bits, int64_t generation) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  static const std::string sql =
      "INSERT INTO numbers (carrier, msisdn, province, city, price_fen, carrier_grade, tag_bits, "
      "carrier_status, sync_generation, host_network) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) "
      "ON CONFLICT (carrier, msisdn) DO UPDATE SET province = excluded.province, city = "
      "excluded.city, price_fen = excluded.price_fen, carrier_grade = excluded.carrier_grade, "
      "carrier_status = excluded.carrier_status, sync_generation = excluded.sync_generation, "
      "host_network = excluded.host_network";
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& n = items[i];
    c.exec(sql, {p(carrier), p(n.msisdn), p(n.province), p(n.city), p(n.price_fen),
                 n.carrier_grade ? p(*n.carrier_grade) : std::nullopt,
                 p(static_cast<int64_t>(i < tag_bits.size() ? tag_bits[i] : 0)),
                 p(std::string(wire_name(n.status))), p(generation), opt(n.host_network)});
  }
  tx->commit();
}

void PgNumbers::finish_sync(const std::string& carrier, int64_t generation, int64_t now_ms,
                            const std::string& change_cursor) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  c.exec("DELETE FROM numbers WHERE carrier = $1 AND sync_generation < $2 AND local_hold = 0",
         {p(carrier), p(generation)});
  c.exec(
      "INSERT INTO carrier_sync (carrier, last_sync_at, generation, change_cursor, "
      "last_change_at) VALUES ($1, $2, $3, NULLIF($4, ''), $2) ON CONFLICT (carrier) DO UPDATE "
      "SET last_sync_at = excluded.last_sync_at, generation = excluded.generation, "
      "change_cursor = excluded.change_cursor, last_change_at = excluded.last_change_at",
      {p(carrier), p(now_ms), p(generation), p(change_cursor)});
  tx->commit();
}

void PgNumbers::save_change_cursor(const std::string& carrier, const std::string& change_cursor,
                                   int64_t now_ms) {
  db_.run([&](PgConnection& c) {
    c.exec(
        "UPDATE carrier_sync SET change_cursor = NULLIF($1, ''), last_change_at = $2 WHERE "
        "carrier = $3",
        {p(change_cursor), p(now_ms), p(carrier)});
  });
}

SyncState PgNumbers::sync_state(const std::string& carrier) {
  return db_.run([&](PgConnection& c) {
    SyncState st;
    auto r = c.exec(
        "SELECT last_sync_at, generation, COALESCE(change_cursor, ''), last_change_at FROM "
        "carrier_sync WHERE carrier = $1",
        {p(carrier)});
    if (r.rows() > 0) {
      st.last_full_sync_at_ms = r.opt_int64(0, 0);
      st.generation = r.int64(0, 1);
      st.change_cursor = r.str(0, 2);
      st.last_change_at_ms = r.opt_int64(0, 3);
    }
    return st;
  });
}

CarrierInventory PgNumbers::inventory(const std::string& carrier, bool count_available) {
  CarrierInventory inv;
  auto st = sync_state(carrier);
  // Fresh as of the newer of the last full and the last incremental sync.
  inv.last_sync_at_ms = st.last_change_at_ms ? st.last_change_at_ms : st.last_full_sync_at_ms;
  if (count_available) {
    static const std::string sql =
        "SELECT count(*) FROM numbers WHERE carrier = $1 AND carrier_status = " +
        sql_literal(carrier_number::kAvailable) + " AND local_hold = 0";
    inv.available = db_.run([&](PgConnection& c) { return c.exec(sql, {p(carrier)}).int64(0, 0); });
  }
  return inv;
}

void PgNumbers::for_each_number(const std::string& carrier,
                                const std::function<void(const NumberRow&)>& row) {
  // Pages in key order: a 1M-row carrier is never one result in memory,
  // and each page's connection goes back to the pool between pages.
  static const std::string sql =
      "SELECT msisdn, province, city, price_fen, carrier_grade, COALESCE(host_network, ''), "
      "local_hold, CASE WHEN carrier_status = " +
      sql_literal(carrier_number::kAvailable) +
      " THEN 1 ELSE 0 END FROM numbers WHERE carrier = $1 AND msisdn > $2 ORDER BY msisdn "
      "LIMIT 20000";
  std::string after;
  for (;;) {
    auto r = db_.run([&](PgConnection& c) { return c.exec(sql, {p(carrier), p(after)}); });
    NumberRow n;
    for (int i = 0; i < r.rows(); ++i) {
      n.msisdn = r.text(i, 0);
      n.province = r.text(i, 1);
      n.city = r.text(i, 2);
      n.host_network = r.text(i, 5);
      n.price_fen = r.int64(i, 3);
      n.carrier_grade = r.opt_int64(i, 4);
      n.held_here = r.int64(i, 6) != 0;
      n.carrier_available = r.int64(i, 7) != 0;
      row(n);
    }
    if (r.rows() < 20000) return;
    after = r.str(r.rows() - 1, 0);
  }
}

std::vector<std::string> PgNumbers::held_numbers(const std::string& carrier) {
  return db_.run([&](PgConnection& c) {
    auto r =
        c.exec("SELECT msisdn FROM numbers WHERE carrier = $1 AND local_hold <> 0", {p(carrier)});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
    return out;
  });
}

void PgNumbers::set_local_hold(Tx& tx, const NumberKey& number, LocalHold hold) {
  db_.conn(tx).exec("UPDATE numbers SET local_hold = $1 WHERE carrier = $2 AND msisdn = $3",
                    {p(static_cast<int64_t>(hold)), p(number.carrier), p(number.msisdn)});
  db_.note_hold(tx, number, hold != LocalHold::kShown);
}

}  // namespace cgw::gw::pg
