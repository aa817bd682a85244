// The synced number inventory: sync writes, the rows the search index is
// built from, and the local holds (reserved/sold through cgw) that the index
// hears of as their transactions commit.
#include "inventory/vanity.hpp"
#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace cgw::gw {

void Store::upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                           int64_t generation) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(*writer_,
             "INSERT INTO numbers (carrier, msisdn, province, city, price_fen, carrier_grade, "
             "tag_bits, carrier_status, sync_generation, host_network) VALUES "
             "(?,?,?,?,?,?,?,?,?,?) ON CONFLICT (carrier, msisdn) DO UPDATE SET province = "
             "excluded.province, city = excluded.city, price_fen = excluded.price_fen, "
             "carrier_grade = excluded.carrier_grade, carrier_status = excluded.carrier_status, "
             "sync_generation = excluded.sync_generation, host_network = excluded.host_network");
  for (const auto& n : items) {
    s.bind(1, carrier).bind(2, n.msisdn).bind(3, n.province).bind(4, n.city).bind(5, n.price_fen);
    if (n.carrier_grade)
      s.bind(6, *n.carrier_grade);
    else
      s.bind_null(6);
    s.bind(7, static_cast<int64_t>(vanity_tags(n.msisdn))).bind(8, n.status).bind(9, generation);
    s.bind_opt(10, n.host_network);
    s.run();
    s.reset();
  }
  tx.commit();
}

void Store::finish_sync(const std::string& carrier, int64_t generation, int64_t now_ms,
                        const std::string& change_cursor) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt del(*writer_,
               "DELETE FROM numbers WHERE carrier = ? AND sync_generation < ? AND local_hold = 0");
  del.bind(1, carrier).bind(2, generation).run();
  db::Stmt s(*writer_,
             "INSERT INTO carrier_sync (carrier, last_sync_at, generation, change_cursor, "
             "last_change_at) VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?2) ON CONFLICT (carrier) DO "
             "UPDATE SET last_sync_at = excluded.last_sync_at, generation = excluded.generation, "
             "change_cursor = excluded.change_cursor, last_change_at = excluded.last_change_at");
  s.bind(1, carrier).bind(2, now_ms).bind(3, generation).bind(4, change_cursor).run();
  tx.commit();
}

void Store::save_change_cursor(const std::string& carrier, const std::string& change_cursor,
                               int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "UPDATE carrier_sync SET change_cursor = NULLIF(?, ''), last_change_at = ? WHERE "
             "carrier = ?");
  s.bind(1, change_cursor).bind(2, now_ms).bind(3, carrier).run();
}

SyncState Store::sync_state(const std::string& carrier) {
  std::lock_guard lock(read_mu_);
  SyncState st;
  db::Stmt s(*reader_,
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
}

CarrierInventory Store::inventory(const std::string& carrier, bool count_available) {
  CarrierInventory inv;
  auto st = sync_state(carrier);
  // Fresh as of the newer of the last full and the last incremental sync.
  inv.last_sync_at_ms = st.last_change_at_ms ? st.last_change_at_ms : st.last_full_sync_at_ms;
  if (count_available) {
    std::lock_guard lock(read_mu_);
    db::Stmt c(*reader_,
               "SELECT COUNT(*) FROM numbers WHERE carrier = ? AND carrier_status = 'available' "
               "AND local_hold = 0");
    c.bind(1, carrier);
    if (c.step()) inv.available = c.integer(0);
  }
  return inv;
}

IndexBuild Store::load_numbers(const std::string& carrier, IndexBuild build) {
  // Its own connection: a 1M-row read takes a while and must not hold up
  // the shared reader.
  db::Connection conn(path_.string(), true);
  db::Stmt s(conn,
             "SELECT msisdn, province, city, price_fen, carrier_grade, COALESCE(host_network, ''), "
             "local_hold, carrier_status = 'available' FROM numbers WHERE carrier = ?");
  s.bind(1, carrier);
  while (s.step()) {
    std::optional<int64_t> grade;
    if (!s.is_null(4)) grade = s.integer(4);
    build.add(s.view(0), s.view(1), s.view(2), s.view(5), s.integer(3), grade, s.integer(6) != 0,
              s.integer(7) != 0);
  }
  return build;
}

std::vector<std::string> Store::held_numbers(const std::string& carrier) {
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_, "SELECT msisdn FROM numbers WHERE carrier = ? AND local_hold != 0");
  s.bind(1, carrier);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void Store::set_local_hold(const std::string& carrier, const std::string& msisdn, int hold) {
  db::Stmt s(*writer_, "UPDATE numbers SET local_hold = ? WHERE carrier = ? AND msisdn = ?");
  s.bind(1, hold).bind(2, carrier).bind(3, msisdn).run();
  pending_holds_.push_back({carrier, msisdn, hold != 0});
}

int Store::on_commit(void* self) {
  auto* store = static_cast<Store*>(self);
  ++store->commits_;
  if (store->index_)
    for (const auto& h : store->pending_holds_)
      store->index_->set_hidden(h.carrier, h.msisdn, h.hidden);
  store->pending_holds_.clear();
  return 0;  // let the commit proceed
}

boost::asio::awaitable<bool> Store::durable() {
  if (!group_) co_return true;
  co_return co_await group_->durable(commits_.load());
}

void Store::on_rollback(void* self) {
  static_cast<Store*>(self)->pending_holds_.clear();
}

}  // namespace cgw::gw
