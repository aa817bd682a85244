// The webhook outbox: events written with the status change they report,
// leased to the dispatcher, and every delivery attempt kept for the API.
#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"
#include "core/channels.hpp"
#include "store/sqlite/repositories.hpp"
#include "store/status_sql.hpp"

#include <boost/json.hpp>

namespace cgw::gw::sqlite {

namespace json = boost::json;

namespace {
constexpr const char* kEventCols =
    "id, tenant, activation_id, type, payload, status, created_at, attempts, next_attempt_at, "
    "COALESCE(delivered_at, 0)";

OutboxEvent read_event(const db::Stmt& s) {
  OutboxEvent e;
  e.id = s.text(0);
  e.tenant = s.text(1);
  e.activation_id = s.text(2);
  e.type = s.text(3);
  e.payload = s.text(4);
  e.status = s.text(5);
  e.created_at_ms = s.integer(6);
  e.attempts = s.integer(7);
  e.next_attempt_at_ms = s.integer(8);
  e.delivered_at_ms = s.integer(9);
  return e;
}
}  // namespace

void SqliteOutbox::enqueue_status_event(Tx& tx, const std::string& activation_id,
                                        const std::string& previous, const std::string& cause,
                                        int64_t now_ms) {
  if (tenants_.empty()) return;  // no endpoint anywhere: no extra read per change
  auto& c = db_.conn(tx);
  db::Stmt a(c,
             "SELECT tenant, carrier, msisdn, status, carrier_order_id, failure_code, "
             "failure_message, (SELECT MAX(seq) FROM activation_history WHERE activation_id = "
             "?1), (SELECT detail FROM activation_history WHERE activation_id = ?1 ORDER BY seq "
             "DESC LIMIT 1) FROM activations WHERE id = ?1");
  a.bind(1, activation_id);
  if (!a.step()) return;
  const auto tenant = a.text(0);
  if (!tenants_.count(tenant)) return;
  const std::string event_id = "evt_" + crypto::random_hex(12);
  json::value failure = nullptr;
  if (auto code = a.opt_text(5))
    failure = json::object{{"code", *code}, {"message", a.opt_text(6).value_or("")}};
  auto order = a.opt_text(4);
  auto detail = a.opt_text(8);
  // `sequence` orders the events of one activation: delivery is
  // at-least-once and not ordered, so receivers keep the highest.
  json::object body{
      {"id", event_id},
      {"type", "activation.status_changed"},
      {"timestamp", rfc3339_utc(now_ms)},
      {"data",
       json::object{
           {"activation_id", activation_id},
           {"carrier", std::string(public_carrier_id(a.text(1)))},
           {"msisdn", a.text(2)},
           {"status", a.text(3)},
           {"previous_status", previous.empty() ? json::value(nullptr) : json::value(previous)},
           {"cause", cause},
           {"sequence", a.integer(7)},
           {"carrier_order_id", order ? json::value(*order) : json::value(nullptr)},
           {"failure", std::move(failure)},
           // Written by this gateway (HistoryEntry::detail): valid JSON.
           {"detail", detail ? json::parse(*detail) : json::value(nullptr)}}}};
  static const std::string sql =
      "INSERT INTO webhook_outbox (id, tenant, activation_id, type, payload, created_at, status, "
      "next_attempt_at) VALUES (?,?,?, 'activation.status_changed', ?, ?, " +
      sql_literal(webhook_event::kPending) + ", ?)";
  db::Stmt ins(c, sql);
  ins.bind(1, event_id).bind(2, tenant).bind(3, activation_id).bind(4, json::serialize(body));
  ins.bind(5, now_ms).bind(6, now_ms).run();
}

std::vector<OutboxEvent> SqliteOutbox::lease_due(int64_t now_ms, size_t limit,
                                                 int64_t lease_until_ms) {
  auto tx = db_.begin();
  static const std::string sql =
      "UPDATE webhook_outbox SET next_attempt_at = ?1 WHERE id IN (SELECT id FROM webhook_outbox "
      "WHERE " +
      due_event_term() +
      " AND next_attempt_at <= ?2 ORDER BY next_attempt_at LIMIT ?3) RETURNING " + kEventCols;
  db::Stmt s(db_.conn(*tx), sql);
  s.bind(1, lease_until_ms).bind(2, now_ms).bind(3, static_cast<int64_t>(limit));
  std::vector<OutboxEvent> due;
  while (s.step()) due.push_back(read_event(s));
  s.reset();
  tx->commit();
  return due;
}

void SqliteOutbox::record_attempt(const std::string& event_id, const DeliveryAttempt& attempt,
                                  bool delivered, int64_t next_attempt_at_ms) {
  auto tx = db_.begin();
  auto& c = db_.conn(*tx);
  {
    db::Stmt s(c,
               "INSERT INTO webhook_attempts (event_id, seq, at, http_status, error, duration_ms) "
               "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_attempts WHERE "
               "event_id = ?1), ?2, ?3, ?4, ?5)");
    s.bind(1, event_id).bind(2, attempt.at_ms).bind(3, attempt.http_status);
    s.bind(4, attempt.error).bind(5, attempt.duration_ms).run();
  }
  static const std::string sql =
      "UPDATE webhook_outbox SET attempts = attempts + 1, status = ?2, next_attempt_at = ?3, "
      "delivered_at = ?4 WHERE id = ?1 AND status = " +
      sql_literal(webhook_event::kPending);
  db::Stmt u(c, sql);
  u.bind(1, event_id);
  if (delivered) {
    u.bind(2, webhook_event::kDelivered).bind(3, int64_t{0}).bind(4, attempt.at_ms);
  } else {
    u.bind(2, next_attempt_at_ms > 0 ? webhook_event::kPending : webhook_event::kFailed)
        .bind(3, next_attempt_at_ms);
    u.bind_null(4);
  }
  u.run();
  tx->commit();
}

std::vector<EventWithAttempts> SqliteOutbox::events_for(const std::string& activation_id) {
  return db_.read([&](db::Connection& c) {
    std::vector<EventWithAttempts> out;
    db::Stmt s(c, std::string("SELECT ") + kEventCols +
                      " FROM webhook_outbox WHERE activation_id = ? ORDER BY created_at, "
                      "rowid");
    s.bind(1, activation_id);
    while (s.step()) out.push_back({read_event(s), {}});
    db::Stmt a(
        c,
        "SELECT at, http_status, error, duration_ms FROM webhook_attempts WHERE event_id = ? "
        "ORDER BY seq");
    for (auto& e : out) {
      a.bind(1, e.event.id);
      while (a.step())
        e.attempts.push_back(
            {a.integer(0), static_cast<int>(a.integer(1)), a.text(2), a.integer(3)});
      a.reset();
    }
    return out;
  });
}

}  // namespace cgw::gw::sqlite
