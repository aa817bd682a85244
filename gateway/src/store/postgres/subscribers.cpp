// Subscriber services on PostgreSQL: the numbers a tenant sold, top-ups
// under their Idempotency-Key (the unique index decides between two
// instances inserting the same key), SIM replacement orders with their
// history (the row locked while it moves), line events in the outbox.
#include "store/postgres/subscribers.hpp"

#include "core/webhook_event_status.hpp"
#include "store/subscriber_sql.hpp"

#include <spdlog/spdlog.h>

namespace cgw::gw::pg {

namespace {

constexpr const char* kRechargeCols =
    "id, tenant, idempotency_key, request_hash, carrier, msisdn, amount_fen, status, "
    "carrier_recharge_id, failure_reason, balance_fen, attempts, created_at, updated_at";

Recharge read_recharge(const PgResult& r, int row) {
  Recharge x;
  std::string* text[] = {&x.id,           &x.tenant,  &x.idempotency_key,
                         &x.request_hash, &x.carrier, &x.msisdn};
  for (int i = 0; i < 6; ++i) *text[i] = r.str(row, i);
  x.amount_fen = r.int64(row, 6);
  x.status = r.str(row, 7);
  x.carrier_recharge_id = r.str(row, 8);
  x.failure_reason = r.str(row, 9);
  x.balance_fen = r.opt_int64(row, 10);
  x.attempts = r.int64(row, 11);
  x.created_at_ms = r.int64(row, 12);
  x.updated_at_ms = r.int64(row, 13);
  return x;
}

constexpr const char* kReplacementCols =
    "id, tenant, idempotency_key, request_hash, carrier, msisdn, activation_id, reason, status, "
    "carrier_order_id, plugin_data, failure_code, failure_message, courier, waybill, created_at, "
    "updated_at";

SimReplacement read_replacement(const PgResult& r, int row) {
  SimReplacement x;
  std::string* text[] = {
      &x.id,          &x.tenant,        &x.idempotency_key, &x.request_hash, &x.carrier,
      &x.msisdn,      &x.activation_id, &x.reason,          &x.status,       &x.carrier_order_id,
      &x.plugin_data, &x.failure_code,  &x.failure_message, &x.courier,      &x.waybill};
  for (int i = 0; i < 15; ++i) *text[i] = r.str(row, i);
  x.created_at_ms = r.int64(row, 15);
  x.updated_at_ms = r.int64(row, 16);
  return x;
}

void add_history(PgConnection& c, const std::string& id, const std::string& status,
                 const std::string& cause, int64_t now_ms) {
  c.exec(
      "INSERT INTO sim_replacement_history (replacement_id, seq, status, at, cause) VALUES ($1, "
      "(SELECT COALESCE(MAX(seq), 0) + 1 FROM sim_replacement_history WHERE replacement_id = "
      "$1), $2, $3, $4)",
      {p(id), p(status), p(now_ms), p(cause)});
}

}  // namespace

std::optional<SoldLine> PgSubscribers::sold_line(const std::string& tenant,
                                                 const std::string& msisdn) {
  static const std::string sql =
      "SELECT id, carrier FROM activations WHERE msisdn = $1 AND tenant = $2 AND " +
      sold_activation_term() + " ORDER BY created_at DESC LIMIT 1";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql, {p(msisdn), p(tenant)}); });
  if (r.rows() == 0) return std::nullopt;
  return SoldLine{tenant, r.str(0, 0), r.str(0, 1), msisdn};
}

std::optional<SoldLine> PgSubscribers::seller(const std::string& carrier,
                                              const std::string& msisdn) {
  static const std::string sql =
      "SELECT id, tenant FROM activations WHERE msisdn = $1 AND carrier = $2 AND " +
      sold_activation_term() + " ORDER BY created_at DESC LIMIT 1";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql, {p(msisdn), p(carrier)}); });
  if (r.rows() == 0) return std::nullopt;
  return SoldLine{r.str(0, 1), r.str(0, 0), carrier, msisdn};
}

bool PgSubscribers::holder_matches(const std::string& activation_id, const std::string& name,
                                   const std::string& id_number) {
  auto r = db_.run([&](PgConnection& c) {
    return c.exec(
        "SELECT v.id, v.id_number_hash, v.name_sealed FROM activations a JOIN verifications v "
        "ON v.id = a.verification_id WHERE a.id = $1",
        {p(activation_id)});
  });
  if (r.rows() == 0) return false;
  const std::string verification_id = r.str(0, 0), id_hash = r.str(0, 1);
  bool id_ok = false;
  for (const auto& h : pii_.lookup_hashes(id_number)) id_ok = id_ok || h == id_hash;
  if (!id_ok) return false;
  auto opened = pii_.unseal(r.text(0, 2), verification_id + "/name");
  if (!opened) {
    spdlog::error("stored personal data {}/name does not open: {}", verification_id, opened.error);
    return false;
  }
  return *opened.value == name;
}

Recharge PgSubscribers::insert_recharge(const Recharge& x) {
  return db_.run([&](PgConnection& c) {
    c.exec(std::string("INSERT INTO recharges (") + kRechargeCols +
               ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,NULL,0,$11,$12) "
               "ON CONFLICT (tenant, idempotency_key) DO NOTHING",
           {p(x.id), p(x.tenant), p(x.idempotency_key), p(x.request_hash), p(x.carrier),
            p(x.msisdn), p(x.amount_fen), p(x.status), p(x.carrier_recharge_id),
            p(x.failure_reason), p(x.created_at_ms), p(x.updated_at_ms)});
    auto r = c.exec(std::string("SELECT ") + kRechargeCols +
                        " FROM recharges WHERE tenant = $1 AND idempotency_key = $2",
                    {p(x.tenant), p(x.idempotency_key)});
    return read_recharge(r, 0);
  });
}

std::optional<Recharge> PgSubscribers::recharge_where(const std::string& where,
                                                      const std::string& a, const std::string& b) {
  auto r = db_.run([&](PgConnection& c) {
    return c.exec(std::string("SELECT ") + kRechargeCols + " FROM recharges WHERE " + where,
                  {p(a), p(b)});
  });
  if (r.rows() == 0) return std::nullopt;
  return read_recharge(r, 0);
}

std::optional<Recharge> PgSubscribers::recharge(const std::string& tenant, const std::string& id) {
  return recharge_where("id = $1 AND tenant = $2", id, tenant);
}

void PgSubscribers::note_recharge_attempt(const std::string& id, int64_t now_ms) {
  db_.run([&](PgConnection& c) {
    c.exec("UPDATE recharges SET attempts = attempts + 1, updated_at = $1 WHERE id = $2",
           {p(now_ms), p(id)});
  });
}

bool PgSubscribers::settle_recharge(const std::string& id, const RechargeSettlement& st,
                                    int64_t now_ms) {
  static const std::string sql =
      "UPDATE recharges SET status = $1, carrier_recharge_id = $2, failure_reason = $3, "
      "balance_fen = $4, updated_at = $5 WHERE id = $6 AND " +
      submitting_recharge_term();
  const Param balance = st.balance_fen ? p(*st.balance_fen) : Param(std::nullopt);
  return db_.run([&](PgConnection& c) {
    return c.exec(sql, {p(st.status), p(st.carrier_recharge_id), p(st.failure_reason), balance,
                        p(now_ms), p(id)})
               .affected() == 1;
  });
}

std::vector<Recharge> PgSubscribers::submitting_recharges(int64_t idle_since_ms, size_t limit) {
  static const std::string sql = std::string("SELECT ") + kRechargeCols + " FROM recharges WHERE " +
                                 submitting_recharge_term() +
                                 " AND updated_at <= $1 ORDER BY updated_at LIMIT $2";
  auto r = db_.run([&](PgConnection& c) {
    return c.exec(sql, {p(idle_since_ms), p(static_cast<int64_t>(limit))});
  });
  std::vector<Recharge> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_recharge(r, i));
  return out;
}

SimReplacement PgSubscribers::insert_replacement(const SimReplacement& x) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  auto ins =
      c.exec(std::string("INSERT INTO sim_replacements (") + kReplacementCols +
                 ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) "
                 "ON CONFLICT (tenant, idempotency_key) DO NOTHING",
             {p(x.id), p(x.tenant), p(x.idempotency_key), p(x.request_hash), p(x.carrier),
              p(x.msisdn), p(x.activation_id), p(x.reason), p(x.status), p(x.carrier_order_id),
              p(x.plugin_data), p(x.failure_code), p(x.failure_message), p(x.courier), p(x.waybill),
              p(x.created_at_ms), p(x.updated_at_ms)});
  if (ins.affected() == 1) add_history(c, x.id, x.status, "accepted", x.created_at_ms);
  auto r = c.exec(std::string("SELECT ") + kReplacementCols +
                      " FROM sim_replacements WHERE tenant = $1 AND idempotency_key = $2",
                  {p(x.tenant), p(x.idempotency_key)});
  auto stored = read_replacement(r, 0);
  tx->commit();
  return stored;
}

std::optional<SimReplacement> PgSubscribers::replacement_where(const std::string& where,
                                                               const std::string& a,
                                                               const std::string& b) {
  return db_.run([&](PgConnection& c) -> std::optional<SimReplacement> {
    auto r =
        c.exec(std::string("SELECT ") + kReplacementCols + " FROM sim_replacements WHERE " + where,
               {p(a), p(b)});
    if (r.rows() == 0) return std::nullopt;
    auto x = read_replacement(r, 0);
    auto h = c.exec(
        "SELECT status, at, cause FROM sim_replacement_history WHERE replacement_id = $1 "
        "ORDER BY seq",
        {p(x.id)});
    for (int i = 0; i < h.rows(); ++i)
      x.history.push_back({h.str(i, 0), h.str(i, 2), h.int64(i, 1)});
    return x;
  });
}

std::optional<SimReplacement> PgSubscribers::replacement(const std::string& tenant,
                                                         const std::string& id) {
  return replacement_where("id = $1 AND tenant = $2", id, tenant);
}

std::optional<SimReplacement> PgSubscribers::replacement_by_id(const std::string& id) {
  return replacement_where("id = $1 AND $2 = ''", id, "");
}

bool PgSubscribers::advance_replacement(const std::string& id, const ReplacementChange& ch,
                                        int64_t now_ms) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  // Locked: two instances applying two events of one order move it in turn.
  auto cur = c.exec("SELECT status FROM sim_replacements WHERE id = $1 FOR UPDATE", {p(id)});
  if (cur.rows() == 0) return false;
  const bool forward = activation_moves_forward(cur.str(0, 0), ch.status);
  const Param plugin_data = ch.plugin_data ? p(*ch.plugin_data) : Param(std::nullopt);
  c.exec(
      "UPDATE sim_replacements SET carrier_order_id = COALESCE(NULLIF($1, ''), "
      "carrier_order_id), plugin_data = COALESCE($2, plugin_data), courier = "
      "COALESCE(NULLIF($3, ''), courier), waybill = COALESCE(NULLIF($4, ''), waybill) WHERE id "
      "= $5",
      {p(ch.carrier_order_id), plugin_data, p(ch.courier), p(ch.waybill), p(id)});
  if (forward) {
    c.exec(
        "UPDATE sim_replacements SET status = $1, failure_code = $2, failure_message = $3, "
        "updated_at = $4 WHERE id = $5",
        {p(ch.status), p(ch.failure_code), p(ch.failure_message), p(now_ms), p(id)});
    add_history(c, id, ch.status, ch.cause, now_ms);
  }
  tx->commit();
  return forward;
}

std::vector<std::string> PgSubscribers::open_replacements() {
  static const std::string sql =
      "SELECT id FROM sim_replacements WHERE " + open_replacement_term() + " ORDER BY created_at";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql); });
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.str(i, 0));
  return out;
}

void PgSubscribers::enqueue_line_event(Tx& tx, const SoldLine& line, const std::string& event_id,
                                       const std::string& type, const std::string& payload,
                                       int64_t now_ms) {
  static const std::string sql =
      "INSERT INTO webhook_outbox (id, tenant, activation_id, type, payload, created_at, status, "
      "next_attempt_at) VALUES ($1,$2,$3,$4,$5,$6, " +
      sql_literal(webhook_event::kPending) + ", $7)";
  db_.conn(tx).exec(sql, {p(event_id), p(line.tenant), p(line.activation_id), p(type), p(payload),
                          p(now_ms), p(now_ms)});
}

}  // namespace cgw::gw::pg
