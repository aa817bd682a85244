// Subscriber services on SQLite: the numbers a tenant sold, top-ups under
// their Idempotency-Key, SIM replacement orders with their history, and
// line events in the webhook outbox.
#include "store/sqlite/subscribers.hpp"

#include "core/webhook_event_status.hpp"
#include "store/subscriber_sql.hpp"

#include <spdlog/spdlog.h>

namespace cgw::gw::sqlite {

namespace {

constexpr const char* kRechargeCols =
    "id, tenant, idempotency_key, request_hash, carrier, msisdn, amount_fen, status, "
    "carrier_recharge_id, failure_reason, balance_fen, attempts, created_at, updated_at";

Recharge read_recharge(const db::Stmt& s) {
  Recharge r;
  r.id = s.text(0);
  r.tenant = s.text(1);
  r.idempotency_key = s.text(2);
  r.request_hash = s.text(3);
  r.carrier = s.text(4);
  r.msisdn = s.text(5);
  r.amount_fen = s.integer(6);
  r.status = s.text(7);
  r.carrier_recharge_id = s.text(8);
  r.failure_reason = s.text(9);
  if (!s.is_null(10)) r.balance_fen = s.integer(10);
  r.attempts = s.integer(11);
  r.created_at_ms = s.integer(12);
  r.updated_at_ms = s.integer(13);
  return r;
}

constexpr const char* kReplacementCols =
    "id, tenant, idempotency_key, request_hash, carrier, msisdn, activation_id, reason, status, "
    "carrier_order_id, plugin_data, failure_code, failure_message, courier, waybill, created_at, "
    "updated_at";

SimReplacement read_replacement(const db::Stmt& s) {
  SimReplacement r;
  std::string* text[] = {
      &r.id,          &r.tenant,        &r.idempotency_key, &r.request_hash, &r.carrier,
      &r.msisdn,      &r.activation_id, &r.reason,          &r.status,       &r.carrier_order_id,
      &r.plugin_data, &r.failure_code,  &r.failure_message, &r.courier,      &r.waybill};
  for (int i = 0; i < 15; ++i) *text[i] = s.text(i);
  r.created_at_ms = s.integer(15);
  r.updated_at_ms = s.integer(16);
  return r;
}

void add_history(db::Connection& c, const std::string& id, const std::string& status,
                 const std::string& cause, int64_t now_ms) {
  db::Stmt s(c,
             "INSERT INTO sim_replacement_history (replacement_id, seq, status, at, cause) "
             "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sim_replacement_history WHERE "
             "replacement_id = ?1), ?2, ?3, ?4)");
  s.bind(1, id).bind(2, status).bind(3, now_ms).bind(4, cause).run();
}

}  // namespace

std::optional<SoldLine> SqliteSubscribers::sold_line(const std::string& tenant,
                                                     const std::string& msisdn) {
  static const std::string sql =
      "SELECT id, carrier FROM activations WHERE msisdn = ? AND tenant = ? AND " +
      sold_activation_term() + " ORDER BY created_at DESC LIMIT 1";
  return db_.read([&](db::Connection& c) -> std::optional<SoldLine> {
    db::Stmt s(c, sql);
    s.bind(1, msisdn).bind(2, tenant);
    if (!s.step()) return std::nullopt;
    return SoldLine{tenant, s.text(0), s.text(1), msisdn};
  });
}

std::optional<SoldLine> SqliteSubscribers::seller(const std::string& carrier,
                                                  const std::string& msisdn) {
  static const std::string sql =
      "SELECT id, tenant FROM activations WHERE msisdn = ? AND carrier = ? AND " +
      sold_activation_term() + " ORDER BY created_at DESC LIMIT 1";
  return db_.read([&](db::Connection& c) -> std::optional<SoldLine> {
    db::Stmt s(c, sql);
    s.bind(1, msisdn).bind(2, carrier);
    if (!s.step()) return std::nullopt;
    return SoldLine{s.text(1), s.text(0), carrier, msisdn};
  });
}

bool SqliteSubscribers::holder_matches(const std::string& activation_id, const std::string& name,
                                       const std::string& id_number) {
  struct Row {
    std::string verification_id, id_hash, name_sealed;
  };
  auto row = db_.read([&](db::Connection& c) -> std::optional<Row> {
    db::Stmt s(c,
               "SELECT v.id, v.id_number_hash, v.name_sealed FROM activations a JOIN "
               "verifications v ON v.id = a.verification_id WHERE a.id = ?");
    s.bind(1, activation_id);
    if (!s.step()) return std::nullopt;
    return Row{s.text(0), s.text(1), s.text(2)};
  });
  if (!row) return false;
  // No crypto under the reader's lock: the hashes and the seal after it.
  bool id_ok = false;
  for (const auto& h : pii_.lookup_hashes(id_number)) id_ok = id_ok || h == row->id_hash;
  if (!id_ok) return false;
  auto opened = pii_.unseal(row->name_sealed, row->verification_id + "/name");
  if (!opened) {
    spdlog::error("stored personal data {}/name does not open: {}", row->verification_id,
                  opened.error);
    return false;
  }
  return *opened.value == name;
}

Recharge SqliteSubscribers::insert_recharge(const Recharge& r) {
  return db_.write([&](db::Connection& c) {
    db::Stmt ins(c, std::string("INSERT INTO recharges (") + kRechargeCols +
                        ") VALUES (?,?,?,?,?,?,?,?,?,?,NULL,0,?,?) "
                        "ON CONFLICT (tenant, idempotency_key) DO NOTHING");
    ins.bind(1, r.id).bind(2, r.tenant).bind(3, r.idempotency_key).bind(4, r.request_hash);
    ins.bind(5, r.carrier).bind(6, r.msisdn).bind(7, r.amount_fen).bind(8, r.status);
    ins.bind(9, r.carrier_recharge_id).bind(10, r.failure_reason);
    ins.bind(11, r.created_at_ms).bind(12, r.updated_at_ms).run();
    db::Stmt s(c, std::string("SELECT ") + kRechargeCols +
                      " FROM recharges WHERE tenant = ? AND idempotency_key = ?");
    s.bind(1, r.tenant).bind(2, r.idempotency_key);
    s.step();
    return read_recharge(s);
  });
}

std::optional<Recharge> SqliteSubscribers::recharge_where(const std::string& where,
                                                          const std::string& a,
                                                          const std::string& b) {
  return db_.read([&](db::Connection& c) -> std::optional<Recharge> {
    db::Stmt s(c, std::string("SELECT ") + kRechargeCols + " FROM recharges WHERE " + where);
    s.bind(1, a).bind(2, b);
    if (!s.step()) return std::nullopt;
    return read_recharge(s);
  });
}

std::optional<Recharge> SqliteSubscribers::recharge(const std::string& tenant,
                                                    const std::string& id) {
  return recharge_where("id = ?1 AND tenant = ?2", id, tenant);
}

void SqliteSubscribers::note_recharge_attempt(const std::string& id, int64_t now_ms) {
  db_.write([&](db::Connection& c) {
    db::Stmt s(c, "UPDATE recharges SET attempts = attempts + 1, updated_at = ? WHERE id = ?");
    s.bind(1, now_ms).bind(2, id).run();
  });
}

bool SqliteSubscribers::settle_recharge(const std::string& id, const RechargeSettlement& st,
                                        int64_t now_ms) {
  static const std::string sql =
      "UPDATE recharges SET status = ?, carrier_recharge_id = ?, failure_reason = ?, "
      "balance_fen = ?, updated_at = ? WHERE id = ? AND " +
      submitting_recharge_term();
  return db_.write([&](db::Connection& c) {
    db::Stmt s(c, sql);
    s.bind(1, st.status).bind(2, st.carrier_recharge_id).bind(3, st.failure_reason);
    if (st.balance_fen)
      s.bind(4, *st.balance_fen);
    else
      s.bind_null(4);
    s.bind(5, now_ms).bind(6, id).run();
    return c.changes() > 0;
  });
}

std::vector<Recharge> SqliteSubscribers::submitting_recharges(int64_t idle_since_ms, size_t limit) {
  static const std::string sql = std::string("SELECT ") + kRechargeCols + " FROM recharges WHERE " +
                                 submitting_recharge_term() +
                                 " AND updated_at <= ? ORDER BY updated_at LIMIT ?";
  return db_.read([&](db::Connection& c) {
    db::Stmt s(c, sql);
    s.bind(1, idle_since_ms).bind(2, static_cast<int64_t>(limit));
    std::vector<Recharge> out;
    while (s.step()) out.push_back(read_recharge(s));
    return out;
  });
}

SimReplacement SqliteSubscribers::insert_replacement(const SimReplacement& r) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  db::Stmt ins(c, std::string("INSERT INTO sim_replacements (") + kReplacementCols +
                      ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                      "ON CONFLICT (tenant, idempotency_key) DO NOTHING");
  const std::string* text[] = {
      &r.id,          &r.tenant,        &r.idempotency_key, &r.request_hash, &r.carrier,
      &r.msisdn,      &r.activation_id, &r.reason,          &r.status,       &r.carrier_order_id,
      &r.plugin_data, &r.failure_code,  &r.failure_message, &r.courier,      &r.waybill};
  for (int i = 0; i < 15; ++i) ins.bind(i + 1, *text[i]);
  ins.bind(16, r.created_at_ms).bind(17, r.updated_at_ms).run();
  if (c.changes() > 0) add_history(c, r.id, r.status, "accepted", r.created_at_ms);
  db::Stmt s(c, std::string("SELECT ") + kReplacementCols +
                    " FROM sim_replacements WHERE tenant = ? AND idempotency_key = ?");
  s.bind(1, r.tenant).bind(2, r.idempotency_key);
  s.step();
  auto stored = read_replacement(s);
  tx->commit();
  return stored;
}

std::optional<SimReplacement> SqliteSubscribers::replacement_where(const std::string& where,
                                                                   const std::string& a,
                                                                   const std::string& b) {
  return db_.read([&](db::Connection& c) -> std::optional<SimReplacement> {
    db::Stmt s(c,
               std::string("SELECT ") + kReplacementCols + " FROM sim_replacements WHERE " + where);
    s.bind(1, a).bind(2, b);
    if (!s.step()) return std::nullopt;
    auto r = read_replacement(s);
    db::Stmt h(c,
               "SELECT status, at, cause FROM sim_replacement_history WHERE replacement_id = ? "
               "ORDER BY seq");
    h.bind(1, r.id);
    while (h.step()) r.history.push_back({h.text(0), h.text(2), h.integer(1)});
    return r;
  });
}

std::optional<SimReplacement> SqliteSubscribers::replacement(const std::string& tenant,
                                                             const std::string& id) {
  return replacement_where("id = ?1 AND tenant = ?2", id, tenant);
}

std::optional<SimReplacement> SqliteSubscribers::replacement_by_id(const std::string& id) {
  return replacement_where("id = ?1 AND ?2 = ''", id, "");
}

bool SqliteSubscribers::advance_replacement(const std::string& id, const ReplacementChange& ch,
                                            int64_t now_ms) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  db::Stmt cur(c, "SELECT status FROM sim_replacements WHERE id = ?");
  cur.bind(1, id);
  if (!cur.step()) return false;
  const std::string from = cur.text(0);
  const bool forward = activation_moves_forward(from, ch.status);
  // What the carrier told is kept even when the status does not move.
  db::Stmt keep(c,
                "UPDATE sim_replacements SET carrier_order_id = CASE WHEN ?1 = '' THEN "
                "carrier_order_id ELSE ?1 END, plugin_data = COALESCE(?2, plugin_data), "
                "courier = CASE WHEN ?3 = '' THEN courier ELSE ?3 END, waybill = CASE WHEN ?4 = "
                "'' THEN waybill ELSE ?4 END WHERE id = ?5");
  keep.bind(1, ch.carrier_order_id).bind_opt(2, ch.plugin_data);
  keep.bind(3, ch.courier).bind(4, ch.waybill).bind(5, id).run();
  if (forward) {
    db::Stmt s(c,
               "UPDATE sim_replacements SET status = ?, failure_code = ?, failure_message = ?, "
               "updated_at = ? WHERE id = ?");
    s.bind(1, ch.status).bind(2, ch.failure_code).bind(3, ch.failure_message);
    s.bind(4, now_ms).bind(5, id).run();
    add_history(c, id, ch.status, ch.cause, now_ms);
  }
  tx->commit();
  return forward;
}

std::vector<std::string> SqliteSubscribers::open_replacements() {
  static const std::string sql =
      "SELECT id FROM sim_replacements WHERE " + open_replacement_term() + " ORDER BY created_at";
  return db_.read([&](db::Connection& c) {
    db::Stmt s(c, sql);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  });
}

void SqliteSubscribers::enqueue_line_event(Tx& tx, const SoldLine& line,
                                           const std::string& event_id, const std::string& type,
                                           const std::string& payload, int64_t now_ms) {
  static const std::string sql =
      "INSERT INTO webhook_outbox (id, tenant, activation_id, type, payload, created_at, status, "
      "next_attempt_at) VALUES (?,?,?,?,?,?, " +
      sql_literal(webhook_event::kPending) + ", ?)";
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, event_id).bind(2, line.tenant).bind(3, line.activation_id).bind(4, type);
  s.bind(5, payload).bind(6, now_ms).bind(7, now_ms).run();
}

}  // namespace cgw::gw::sqlite
