// Activations and their history.
#include "store/sqlite/repositories.hpp"
#include "store/status_sql.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::gw::sqlite {

namespace json = boost::json;

namespace {
constexpr const char* kCols =
    "id, tenant, carrier, msisdn, plan_id, reservation_id, verification_id, status, "
    "carrier_order_id, failure_code, failure_message, created_at, updated_at, next_poll_at, "
    "poll_count, submit_attempts, plugin_data";
Activation read_activation(const db::Stmt& s) {
  Activation a;
  a.id = s.text(0);
  a.tenant = s.text(1);
  a.carrier = s.text(2);
  a.msisdn = s.text(3);
  a.plan_id = s.text(4);
  a.reservation_id = s.text(5);
  a.verification_id = s.text(6);
  a.status = s.text(7);
  a.carrier_order_id = s.opt_text(8).value_or("");
  a.failure_code = s.opt_text(9).value_or("");
  a.failure_message = s.opt_text(10).value_or("");
  a.created_at_ms = s.integer(11);
  a.updated_at_ms = s.integer(12);
  a.next_poll_at_ms = s.integer(13);
  a.poll_count = s.integer(14);
  a.submit_attempts = s.integer(15);
  a.plugin_data = s.text(16);
  return a;
}
void load_history(const db::Connection& c, Activation& a) {
  db::Stmt s(
      c,
      "SELECT status, at, cause, detail FROM activation_history WHERE activation_id = ? ORDER BY "
      "seq");
  s.bind(1, a.id);
  while (s.step())
    a.history.push_back({s.text(0), s.text(2), s.integer(1), s.opt_text(3).value_or("")});
}
// Opens a sealed value of `row_id` ("<row>/<field>"); when it does not
// open, logs why (a key id not configured, an altered row).
std::optional<std::string> open_pii(const PiiCipher& pii, const std::string& sealed,
                                    const std::string& row_id) {
  auto opened = pii.unseal(sealed, row_id);
  if (!opened) spdlog::error("stored personal data {} does not open: {}", row_id, opened.error);
  return std::move(opened.value);
}
}  // namespace

void SqliteActivations::insert(Tx& tx, const Activation& act, const Delivery& delivery) {
  static const std::string sql =
      "INSERT INTO activations (id, tenant, carrier, msisdn, plan_id, reservation_id, "
      "verification_id, delivery_sealed, status, created_at, updated_at) VALUES "
      "(?,?,?,?,?,?,?,?, " +
      sql_literal(activation::kPending) + ", ?, ?)";
  db::Stmt s(db_.conn(tx), sql);
  s.bind(1, act.id).bind(2, act.tenant).bind(3, act.carrier).bind(4, act.msisdn);
  s.bind(5, act.plan_id).bind(6, act.reservation_id).bind(7, act.verification_id);
  s.bind(8, pii_.seal(json::serialize(json::value_from(delivery)), act.id + "/delivery"));
  s.bind(9, act.created_at_ms).bind(10, act.updated_at_ms).run();
}

void SqliteActivations::add_history(Tx& tx, const std::string& id, const HistoryEntry& h) {
  db::Stmt s(
      db_.conn(tx),
      "INSERT INTO activation_history (activation_id, seq, status, at, cause, detail) VALUES "
      "(?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM activation_history WHERE activation_id = "
      "?1), ?2, ?3, ?4, NULLIF(?5, ''))");
  s.bind(1, id).bind(2, h.status).bind(3, h.at_ms).bind(4, h.cause).bind(5, h.detail).run();
}

std::optional<Activation> SqliteActivations::get_in(Tx& tx, const std::string& id,
                                                    const std::string& tenant) {
  db::Stmt s(db_.conn(tx), std::string("SELECT ") + kCols +
                               " FROM activations WHERE id = ?1 AND (?2 = '' OR tenant = ?2)");
  s.bind(1, id).bind(2, tenant);
  if (!s.step()) return std::nullopt;
  return read_activation(s);
}

void SqliteActivations::set_status(Tx& tx, const std::string& id, const StatusChange& c,
                                   int64_t now_ms) {
  db::Stmt s(db_.conn(tx),
             "UPDATE activations SET status = ?, updated_at = ?, carrier_order_id = "
             "COALESCE(NULLIF(?, ''), carrier_order_id), failure_code = NULLIF(?, ''), "
             "failure_message = NULLIF(?, '') WHERE id = ?");
  s.bind(1, c.status).bind(2, now_ms).bind(3, c.carrier_order_id).bind(4, c.failure_code);
  s.bind(5, c.failure_message).bind(6, id).run();
}

void SqliteActivations::set_plugin_data(Tx& tx, const std::string& id, const std::string& data) {
  db::Stmt s(db_.conn(tx), "UPDATE activations SET plugin_data = ? WHERE id = ?");
  s.bind(1, data).bind(2, id).run();
}

void SqliteActivations::keep_order_id(Tx& tx, const std::string& id, const std::string& order_id) {
  db::Stmt s(db_.conn(tx),
             "UPDATE activations SET carrier_order_id = ? WHERE id = ? AND carrier_order_id IS "
             "NULL");
  s.bind(1, order_id).bind(2, id).run();
}

void SqliteActivations::touch(Tx& tx, const std::string& id, int64_t now_ms) {
  db::Stmt s(db_.conn(tx), "UPDATE activations SET updated_at = ? WHERE id = ?");
  s.bind(1, now_ms).bind(2, id).run();
}

bool SqliteActivations::note_submit_attempt(const std::string& id) {
  // Only while the order may still be sent: an order cancelled before its
  // first submit (cancel_unsent_activation) is never sent.
  static const std::string sql =
      "UPDATE activations SET submit_attempts = submit_attempts + 1 WHERE id = ? AND " +
      status_in({activation::kPending, activation::kUnknown});
  bool counted = false;
  db_.write([&](db::Connection& c) {
    db::Stmt s(c, sql);
    s.bind(1, id).run();
    counted = c.changes() == 1;
  });
  return counted;  // one process: always the owner
}

void SqliteActivations::schedule_poll(const std::string& id, int64_t next_poll_at_ms) {
  db_.write([&](db::Connection& c) {
    db::Stmt s(c,
               "UPDATE activations SET next_poll_at = ?, poll_count = poll_count + 1 WHERE id = ?");
    s.bind(1, next_poll_at_ms).bind(2, id).run();
  });
}

std::optional<Activation> SqliteActivations::get(const std::string& tenant, const std::string& id) {
  auto a = by_id(id, true);
  if (!a || a->tenant != tenant) return std::nullopt;
  return a;
}

std::optional<Activation> SqliteActivations::by_id(const std::string& id, bool with_history) {
  return db_.read([&](db::Connection& c) -> std::optional<Activation> {
    db::Stmt s(c, std::string("SELECT ") + kCols + " FROM activations WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    Activation a = read_activation(s);
    if (with_history) load_history(c, a);
    return a;
  });
}

std::optional<ActivationSubmission> SqliteActivations::submission(const std::string& id) {
  auto a = by_id(id, false);
  if (!a) return std::nullopt;
  ActivationSubmission sub;
  const bool opened = db_.read([&](db::Connection& c) {
    db::Stmt s(c,
               "SELECT r.carrier_reservation_id, v.id_number_sealed, v.name_sealed, "
               "a.delivery_sealed FROM activations a JOIN reservations r ON r.id = "
               "a.reservation_id JOIN verifications v ON v.id = a.verification_id WHERE a.id = ?");
    s.bind(1, id);
    if (!s.step()) return false;
    sub.carrier_reservation_id = s.opt_text(0).value_or("");
    auto idn = open_pii(pii_, s.text(1), a->verification_id + "/id_number");
    auto name = open_pii(pii_, s.text(2), a->verification_id + "/name");
    auto del = open_pii(pii_, s.text(3), a->id + "/delivery");
    if (!idn || !name || !del) return false;  // unknown key id, or an altered row
    sub.id_number = *idn;
    sub.name = *name;
    sub.delivery = json::value_to<Delivery>(json::parse(*del));
    return true;
  });
  if (!opened) return std::nullopt;
  sub.activation = std::move(*a);
  return sub;
}

std::vector<std::string> SqliteActivations::open_ids() {
  return db_.read([&](db::Connection& c) {
    static const std::string sql =
        "SELECT id FROM activations WHERE " + open_activation_term() + " ORDER BY created_at";
    db::Stmt s(c, sql);
    std::vector<std::string> ids;
    while (s.step()) ids.push_back(s.text(0));
    return ids;
  });
}

ActivationRepository::Page SqliteActivations::list(const std::string& tenant,
                                                   const std::string& status,
                                                   const std::string& cursor, size_t limit) {
  int64_t after_ms = -1;
  std::string after_id;
  if (!cursor.empty() && valid_activation_cursor(cursor)) {
    const auto dot = cursor.find('.');
    after_ms = std::stoll(cursor.substr(0, dot));
    after_id = cursor.substr(dot + 1);
  }
  Page page;
  // The partial index activations_open serves the status; the tenant and
  // the order are checked on its (few) rows. SQLite uses a partial index
  // only when the query names the status as a literal, so it is written
  // into the SQL, from this fixed list only.
  if (status != activation::kPending && status != activation::kSubmitted &&
      status != activation::kUnknown)
    return page;
  db_.read([&](db::Connection& c) {
    db::Stmt s(c, std::string("SELECT ") + kCols +
                      " FROM activations WHERE status = " + sql_literal(status) +
                      " AND tenant = ?1 AND (created_at > ?2 OR (created_at = ?2 AND id > "
                      "?3)) ORDER BY created_at, id LIMIT ?4");
    s.bind(1, tenant).bind(2, after_ms).bind(3, after_id);
    s.bind(4, static_cast<int64_t>(limit) + 1);
    while (s.step()) page.items.push_back(read_activation(s));
    if (page.items.size() > limit) {
      page.items.pop_back();
      const auto& last = page.items.back();
      page.next_cursor = std::to_string(last.created_at_ms) + "." + last.id;
    }
    for (auto& a : page.items) load_history(c, a);
  });
  return page;
}

std::map<std::string, int64_t> SqliteActivations::unknown_by_carrier() {
  return db_.read([&](db::Connection& c) {
    static const std::string sql = "SELECT carrier, COUNT(*) FROM activations WHERE status = " +
                                   sql_literal(activation::kUnknown) + " GROUP BY carrier";
    db::Stmt s(c, sql);
    std::map<std::string, int64_t> out;
    while (s.step()) out[s.text(0)] = s.integer(1);
    return out;
  });
}

}  // namespace cgw::gw::sqlite
