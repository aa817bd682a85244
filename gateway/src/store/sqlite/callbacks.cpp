// Carrier callback events, deduplicated by (carrier, event id).
#include "cgw/common/crypto.hpp"
#include "store/sqlite/repositories.hpp"

namespace cgw::gw::sqlite {

CallbackRepository::Recorded SqliteCallbacks::record(Tx& tx, const std::string& carrier,
                                                     const std::string& event_id,
                                                     const std::string& payload, int64_t now_ms) {
  auto& c = db_.conn(tx);
  Recorded r;
  db::Stmt s(c,
             "INSERT INTO callback_events (carrier, event_id, payload, received_at) VALUES "
             "(?,?,?,?) ON CONFLICT DO NOTHING");
  s.bind(1, carrier).bind(2, event_id).bind(3, payload).bind(4, now_ms).run();
  r.fresh = c.changes() == 1;
  if (r.fresh) return r;
  db::Stmt prev(c, "SELECT payload FROM callback_events WHERE carrier = ? AND event_id = ?");
  prev.bind(1, carrier).bind(2, event_id);
  if (prev.step() && prev.text(0) != payload) {
    r.id_reused = true;
    s.reset();
    s.bind(1, carrier).bind(2, event_id + "#" + crypto::sha256_hex(payload).substr(0, 16));
    s.bind(3, payload).bind(4, now_ms).run();
    r.fresh = c.changes() == 1;
  }
  return r;
}

}  // namespace cgw::gw::sqlite
