// The synced number inventory: sync writes, the rows the search index is
// built from, and the local holds (reserved/sold through cgw) that the
// observer hears of as their transactions commit.
#include "core/number_status.hpp"
#include "store/sqlite/repositories.hpp"
#include "store/status_sql.hpp"

namespace cgw::gw::sqlite {

void SqliteNumbers::upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                                   const std::vector<uint32_t>& tag_bits, int64_t generation) {
  auto tx = db_.begin();
  db::Stmt s(db_.conn(*tx),
             "INSERT INTO numbers (carrier, msisdn, province, city, price_fen, carrier_grade, "
             "tag_bits, carrier_status, sync_generation, host_network) VALUES "
             "(?,?,?,?,?,?,?,?,?,?) ON CONFLICT (carrier, msisdn) DO UPDATE SET province = "
             "excluded.province, city = excluded.city, price_fen = excluded.price_fen, "
             "carrier_grade = excluded.carrier_grade, carrier_status = excluded.carrier_status, "
             "sync_generation = excluded.sync_generation, host_network = excluded.host_network");
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& n = items[i];
    s.bind(1, carrier).bind(2, n.msisdn).bind(3, n.province).bind(4, n.city).bind(5, n.price_fen);
    if (n.carrier_grade)
      s.bind(6, *n.carrier_grade);
    else
      s.bind_null(6);
    s.bind(7, static_cast<int64_t>(i < tag_bits.size() ? tag_bits[i] : 0));
    s.bind(8, std::string(wire_name(n.status))).bind(9, generation);
    s.bind_opt(10, n.host_network);
    s.run();
    s.reset();
  }
  tx->commit();
}

void SqliteNumbers::finish_sync(const std::string& carrier, int64_t generation, int64_t now_ms,
                                const std::string& change_cursor) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  db::Stmt del(c,
               "DELETE FROM numbers WHERE carrier = ? AND sync_generation < ? AND local_hold = 0");
  del.bind(1, carrier).bind(2, generation).run();
  db::Stmt s(c,
             "INSERT INTO carrier_sync (carrier, last_sync_at, generation, change_cursor, "
             "last_change_at) VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?2) ON CONFLICT (carrier) DO "
             "UPDATE SET last_sync_at = excluded.last_sync_at, generation = excluded.generation, "
             "change_cursor = excluded.change_cursor, last_change_at = excluded.last_change_at");
  s.bind(1, carrier).bind(2, now_ms).bind(3, generation).bind(4, change_cursor).run();
  tx->commit();
}

void SqliteNumbers::save_change_cursor(const std::string& carrier, const std::string& change_cursor,
                                       int64_t now_ms) {
  db_.write([&](db::Connection& c) {
    db::Stmt s(c,
               "UPDATE carrier_sync SET change_cursor = NULLIF(?, ''), last_change_at = ? WHERE "
               "carrier = ?");
    s.bind(1, change_cursor).bind(2, now_ms).bind(3, carrier).run();
  });
}

SyncState SqliteNumbers::sync_state(const std::string& carrier) {
  return db_.read([&](db::Connection& c) {
    SyncState st;
    db::Stmt s(c,
               "SELECT last_sync_at, generation, COALESCE(change_cursor, ''), last_change_at FROM "
               "carrier_sync WHERE carrier = ?");
    s.bind(1, carrier);
    if (s.step()) {
      if (!s.is_null(0)) st.last_full_sync_at_ms = s.integer(0);
      st.generation = s.integer(1);
      st.change_cursor = s.text(2);
      if (!s.is_null(3)) st.last_change_at_ms = s.integer(3);
    }
    return st;
  });
}

CarrierInventory SqliteNumbers::inventory(const std::string& carrier, bool count_available) {
  CarrierInventory inv;
  auto st = sync_state(carrier);
  // Fresh as of the newer of the last full and the last incremental sync.
  inv.last_sync_at_ms = st.last_change_at_ms ? st.last_change_at_ms : st.last_full_sync_at_ms;
  if (count_available) {
    inv.available = db_.read([&](db::Connection& c) {
      static const std::string sql =
          "SELECT COUNT(*) FROM numbers WHERE carrier = ? AND carrier_status = " +
          sql_literal(carrier_number::kAvailable) + " AND local_hold = 0";
      db::Stmt s(c, sql);
      s.bind(1, carrier);
      return s.step() ? s.integer(0) : int64_t{0};
    });
  }
  return inv;
}

void SqliteNumbers::for_each_number(const std::string& carrier,
                                    const std::function<void(const NumberRow&)>& row) {
  // Its own connection: a 1M-row read takes a while and must not hold up
  // the shared reader. It sees committed writes only: the open batch is
  // committed first.
  db_.commit_batch();
  db::Connection conn(db_.path().string(), true);
  static const std::string sql =
      "SELECT msisdn, province, city, price_fen, carrier_grade, COALESCE(host_network, ''), "
      "local_hold, carrier_status = " +
      sql_literal(carrier_number::kAvailable) + " FROM numbers WHERE carrier = ?";
  db::Stmt s(conn, sql);
  s.bind(1, carrier);
  NumberRow r;
  while (s.step()) {
    r.msisdn = s.view(0);
    r.province = s.view(1);
    r.city = s.view(2);
    r.host_network = s.view(5);
    r.price_fen = s.integer(3);
    r.carrier_grade = s.is_null(4) ? std::nullopt : std::optional<int64_t>(s.integer(4));
    r.held_here = s.integer(6) != 0;
    r.carrier_available = s.integer(7) != 0;
    row(r);
  }
}

std::vector<std::string> SqliteNumbers::held_numbers(const std::string& carrier) {
  return db_.read([&](db::Connection& c) {
    db::Stmt s(c, "SELECT msisdn FROM numbers WHERE carrier = ? AND local_hold != 0");
    s.bind(1, carrier);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  });
}

void SqliteNumbers::set_local_hold(Tx& tx, const NumberKey& number, LocalHold hold) {
  db::Stmt s(db_.conn(tx), "UPDATE numbers SET local_hold = ? WHERE carrier = ? AND msisdn = ?");
  s.bind(1, static_cast<int>(hold)).bind(2, number.carrier).bind(3, number.msisdn).run();
  db_.note_hold(number, hold != LocalHold::kShown);
}

}  // namespace cgw::gw::sqlite
