// Carrier callback events on PostgreSQL, deduplicated by (carrier, event
// id): the primary key decides, so one event delivered to two instances at
// once is recorded (and applied) once; the second waits for the first's
// transaction and then finds it.
#include "cgw/common/crypto.hpp"
#include "store/postgres/repositories.hpp"

namespace cgw::gw::pg {

CallbackRepository::Recorded PgCallbacks::record(Tx& tx, const std::string& carrier,
                                                 const std::string& event_id,
                                                 const std::string& payload, int64_t now_ms) {
  auto& c = db_.conn(tx);
  static const std::string insert =
      "INSERT INTO callback_events (carrier, event_id, payload, received_at) VALUES "
      "($1, $2, $3, $4) ON CONFLICT DO NOTHING";
  Recorded r;
  r.fresh = c.exec(insert, {p(carrier), p(event_id), p(payload), p(now_ms)}).affected() == 1;
  if (r.fresh) return r;
  auto prev = c.exec("SELECT payload FROM callback_events WHERE carrier = $1 AND event_id = $2",
                     {p(carrier), p(event_id)});
  if (prev.rows() > 0 && prev.text(0, 0) != payload) {
    r.id_reused = true;
    const auto derived = event_id + "#" + crypto::sha256_hex(payload).substr(0, 16);
    r.fresh = c.exec(insert, {p(carrier), p(derived), p(payload), p(now_ms)}).affected() == 1;
  }
  return r;
}

}  // namespace cgw::gw::pg
