// The webhook outbox on PostgreSQL: events written with the status change
// they report, leased to a dispatcher, every delivery attempt kept. Leases
// are taken with FOR UPDATE SKIP LOCKED and recorded in next_attempt_at
// (the lease's end while leased): two instances leasing at once get
// disjoint events, and a dispatcher that dies mid-delivery leaves its
// events due again when the lease ends.
#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"
#include "core/channels.hpp"
#include "store/postgres/repositories.hpp"
#include "store/status_sql.hpp"

#include <boost/json.hpp>

namespace cgw::gw::pg {

namespace json = boost::json;

namespace {
constexpr const char* kEventCols =
    "id, tenant, activation_id, type, payload, status, created_at, attempts, next_attempt_at, "
    "COALESCE(delivered_at, 0)";

OutboxEvent read_event(const PgResult& r, int i) {
  OutboxEvent e;
  e.id = r.str(i, 0);
  e.tenant = r.str(i, 1);
  e.activation_id = r.str(i, 2);
  e.type = r.str(i, 3);
  e.payload = r.str(i, 4);
  e.status = r.str(i, 5);
  e.created_at_ms = r.int64(i, 6);
  e.attempts = r.int64(i, 7);
  e.next_attempt_at_ms = r.int64(i, 8);
  e.delivered_at_ms = r.int64(i, 9);
  return e;
}

json::value opt_json(const PgResult& r, int col) {
  return r.null(0, col) ? json::value(nullptr) : json::value(r.str(0, col));
}
}  // namespace

void PgOutbox::enqueue_status_event(Tx& tx, const std::string& activation_id,
                                    const std::string& previous, const std::string& cause,
                                    int64_t now_ms) {
  if (tenants_.empty()) return;  // no endpoint anywhere: no extra read per change
  auto& c = db_.conn(tx);
  auto a = c.exec(
      "SELECT tenant, carrier, msisdn, status, carrier_order_id, failure_code, failure_message, "
      "(SELECT MAX(seq) FROM activation_history WHERE activation_id = $1), (SELECT detail FROM "
      "activation_history WHERE activation_id = $1 ORDER BY seq DESC LIMIT 1) FROM activations "
      "WHERE id = $1",
      {p(activation_id)});
  if (a.rows() == 0) return;
  const auto tenant = a.str(0, 0);
  if (!tenants_.count(tenant)) return;
  const std::string event_id = "evt_" + crypto::random_hex(12);
  json::value failure = nullptr;
  if (!a.null(0, 5)) failure = json::object{{"code", a.str(0, 5)}, {"message", a.str(0, 6)}};
  // `sequence` orders the events of one activation: delivery is
  // at-least-once and not ordered, so receivers keep the highest.
  json::object body{
      {"id", event_id},
      {"type", "activation.status_changed"},
      {"timestamp", rfc3339_utc(now_ms)},
      {"data",
       json::object{
           {"activation_id", activation_id},
           {"carrier", std::string(public_carrier_id(a.str(0, 1)))},
           {"msisdn", a.str(0, 2)},
           {"status", a.str(0, 3)},
           {"previous_status", previous.empty() ? json::value(nullptr) : json::value(previous)},
           {"cause", cause},
           {"sequence", a.null(0, 7) ? int64_t{0} : a.int64(0, 7)},
           {"carrier_order_id", opt_json(a, 4)},
           {"failure", std::move(failure)},
           {"detail", a.null(0, 8) ? json::value(nullptr) : json::parse(a.str(0, 8))}}}};
  static const std::string sql =
      "INSERT INTO webhook_outbox (id, tenant, activation_id, type, payload, created_at, status, "
      "next_attempt_at) VALUES ($1, $2, $3, 'activation.status_changed', $4, $5, " +
      sql_literal(webhook_event::kPending) + ", $5)";
  c.exec(sql, {p(event_id), p(tenant), p(activation_id), p(json::serialize(body)), p(now_ms)});
}

std::vector<OutboxEvent> PgOutbox::lease_due(int64_t now_ms, size_t limit, int64_t lease_until_ms) {
  auto tx = db_.begin();
  static const std::string sql =
      "UPDATE webhook_outbox SET next_attempt_at = $1 WHERE id IN (SELECT id FROM webhook_outbox "
      "WHERE " +
      due_event_term() +
      " AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) "
      "RETURNING " +
      kEventCols;
  auto r = db_.conn(*tx).exec(sql, {p(lease_until_ms), p(now_ms), p(static_cast<int64_t>(limit))});
  std::vector<OutboxEvent> due;
  for (int i = 0; i < r.rows(); ++i) due.push_back(read_event(r, i));
  tx->commit();
  return due;
}

void PgOutbox::record_attempt(const std::string& event_id, const DeliveryAttempt& attempt,
                              bool delivered, int64_t next_attempt_at_ms) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  // The event's row first, locked: attempts of one event get their seq one
  // after the other.
  c.exec("SELECT 1 FROM webhook_outbox WHERE id = $1 FOR UPDATE", {p(event_id)});
  c.exec(
      "INSERT INTO webhook_attempts (event_id, seq, at, http_status, error, duration_ms) VALUES "
      "($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_attempts WHERE event_id = $1), $2, "
      "$3, $4, $5)",
      {p(event_id), p(attempt.at_ms), p(int64_t{attempt.http_status}), p(attempt.error),
       p(attempt.duration_ms)});
  static const std::string sql =
      "UPDATE webhook_outbox SET attempts = attempts + 1, status = $2, next_attempt_at = $3, "
      "delivered_at = $4 WHERE id = $1 AND status = " +
      sql_literal(webhook_event::kPending);
  if (delivered)
    c.exec(sql, {p(event_id), p(webhook_event::kDelivered), p(int64_t{0}), p(attempt.at_ms)});
  else
    c.exec(sql, {p(event_id),
                 p(next_attempt_at_ms > 0 ? webhook_event::kPending : webhook_event::kFailed),
                 p(next_attempt_at_ms), std::nullopt});
  tx->commit();
}

std::vector<EventWithAttempts> PgOutbox::events_for(const std::string& activation_id) {
  return db_.run([&](PgConnection& c) {
    std::vector<EventWithAttempts> out;
    auto r = c.exec(std::string("SELECT ") + kEventCols +
                        " FROM webhook_outbox WHERE activation_id = $1 ORDER BY created_at, seq",
                    {p(activation_id)});
    for (int i = 0; i < r.rows(); ++i) out.push_back({read_event(r, i), {}});
    for (auto& e : out) {
      auto a = c.exec(
          "SELECT at, http_status, error, duration_ms FROM webhook_attempts WHERE event_id = $1 "
          "ORDER BY seq",
          {p(e.event.id)});
      for (int i = 0; i < a.rows(); ++i)
        e.attempts.push_back(
            {a.int64(i, 0), static_cast<int>(a.int64(i, 1)), a.str(i, 2), a.int64(i, 3)});
    }
    return out;
  });
}

}  // namespace cgw::gw::pg
