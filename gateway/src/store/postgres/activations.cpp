// Activations and their history on PostgreSQL. One activation per
// reservation is the UNIQUE reservation_id (and the reservation row locked
// by create_activation); a status change reads its row FOR UPDATE, so two
// instances applying changes to one activation do it one after the other
// and status still only moves forward.
#include "store/postgres/repositories.hpp"
#include "store/status_sql.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::gw::pg {

namespace json = boost::json;

namespace {
constexpr const char* kCols =
    "id, tenant, carrier, msisdn, plan_id, reservation_id, verification_id, status, "
    "carrier_order_id, failure_code, failure_message, created_at, updated_at, next_poll_at, "
    "poll_count, submit_attempts, plugin_data";

Activation read_activation(const PgResult& r, int i) {
  Activation a;
  a.id = r.str(i, 0);
  a.tenant = r.str(i, 1);
  a.carrier = r.str(i, 2);
  a.msisdn = r.str(i, 3);
  a.plan_id = r.str(i, 4);
  a.reservation_id = r.str(i, 5);
  a.verification_id = r.str(i, 6);
  a.status = r.str(i, 7);
  a.carrier_order_id = r.str(i, 8);  // NULL reads ""
  a.failure_code = r.str(i, 9);
  a.failure_message = r.str(i, 10);
  a.created_at_ms = r.int64(i, 11);
  a.updated_at_ms = r.int64(i, 12);
  a.next_poll_at_ms = r.int64(i, 13);
  a.poll_count = r.int64(i, 14);
  a.submit_attempts = r.int64(i, 15);
  a.plugin_data = r.str(i, 16);
  return a;
}

void load_history(PgConnection& c, Activation& a) {
  auto r = c.exec(
      "SELECT status, at, cause, COALESCE(detail, '') FROM activation_history WHERE "
      "activation_id = $1 ORDER BY seq",
      {p(a.id)});
  for (int i = 0; i < r.rows(); ++i)
    a.history.push_back({r.str(i, 0), r.str(i, 2), r.int64(i, 1), r.str(i, 3)});
}

// Opens a sealed value of `row_id` ("<row>/<field>"); when it does not
// open, logs why (a key id not configured, an altered row).
std::optional<std::string> open_pii(const PiiCipher& pii, std::string_view sealed,
                                    const std::string& row_id) {
  auto opened = pii.unseal(sealed, row_id);
  if (!opened) spdlog::error("stored personal data {} does not open: {}", row_id, opened.error);
  return std::move(opened.value);
}
}  // namespace

void PgActivations::insert(Tx& tx, const Activation& act, const Delivery& delivery) {
  static const std::string sql =
      "INSERT INTO activations (id, tenant, carrier, msisdn, plan_id, reservation_id, "
      "verification_id, delivery_sealed, status, created_at, updated_at, owner) VALUES "
      "($1,$2,$3,$4,$5,$6,$7,$8, " +
      sql_literal(activation::kPending) + ", $9, $10, $11)";
  const auto sealed = pii_.seal(json::serialize(json::value_from(delivery)), act.id + "/delivery");
  db_.conn(tx).exec(sql, {p(act.id), p(act.tenant), p(act.carrier), p(act.msisdn), p(act.plan_id),
                          p(act.reservation_id), p(act.verification_id), p(sealed),
                          p(act.created_at_ms), p(act.updated_at_ms), p(db_.instance_id())});
}

void PgActivations::add_history(Tx& tx, const std::string& id, const HistoryEntry& h) {
  db_.conn(tx).exec(
      "INSERT INTO activation_history (activation_id, seq, status, at, cause, detail) VALUES ($1, "
      "(SELECT COALESCE(MAX(seq), 0) + 1 FROM activation_history WHERE activation_id = $1), "
      "$2, $3, $4, NULLIF($5, ''))",
      {p(id), p(h.status), p(h.at_ms), p(h.cause), p(h.detail)});
}

std::optional<Activation> PgActivations::get_in(Tx& tx, const std::string& id,
                                                const std::string& tenant) {
  static const std::string sql = std::string("SELECT ") + kCols +
                                 " FROM activations WHERE id = $1 AND ($2 = '' OR tenant = $2) "
                                 "FOR UPDATE";
  auto r = db_.conn(tx).exec(sql, {p(id), p(tenant)});
  if (r.rows() == 0) return std::nullopt;
  return read_activation(r, 0);
}

void PgActivations::set_status(Tx& tx, const std::string& id, const StatusChange& c,
                               int64_t now_ms) {
  db_.conn(tx).exec(
      "UPDATE activations SET status = $1, updated_at = $2, carrier_order_id = "
      "COALESCE(NULLIF($3, ''), carrier_order_id), failure_code = NULLIF($4, ''), "
      "failure_message = NULLIF($5, '') WHERE id = $6",
      {p(c.status), p(now_ms), p(c.carrier_order_id), p(c.failure_code), p(c.failure_message),
       p(id)});
}

void PgActivations::set_plugin_data(Tx& tx, const std::string& id, const std::string& data) {
  db_.conn(tx).exec("UPDATE activations SET plugin_data = $1 WHERE id = $2", {p(data), p(id)});
}

void PgActivations::keep_order_id(Tx& tx, const std::string& id, const std::string& order_id) {
  db_.conn(tx).exec(
      "UPDATE activations SET carrier_order_id = $1 WHERE id = $2 AND carrier_order_id IS NULL",
      {p(order_id), p(id)});
}

void PgActivations::touch(Tx& tx, const std::string& id, int64_t now_ms) {
  db_.conn(tx).exec("UPDATE activations SET updated_at = $1 WHERE id = $2", {p(now_ms), p(id)});
}

// The fence against two instances submitting one order: the attempt is
// counted only while this instance owns the activation, in one statement
// with the check, and the recovery that adopts it moves the owner.
bool PgActivations::note_submit_attempt(const std::string& id) {
  // Only while the order may still be sent: an order cancelled before its
  // first submit (cancel_unsent_activation) is never sent.
  static const std::string sql =
      "UPDATE activations SET submit_attempts = submit_attempts + 1 WHERE id = $1 AND owner = $2 "
      "AND " +
      status_in({activation::kPending, activation::kUnknown});
  return db_.run([&](PgConnection& c) {
    return c.exec(sql, {p(id), p(db_.instance_id())}).affected() == 1;
  });
}

void PgActivations::schedule_poll(const std::string& id, int64_t next_poll_at_ms) {
  db_.run([&](PgConnection& c) {
    c.exec("UPDATE activations SET next_poll_at = $1, poll_count = poll_count + 1 WHERE id = $2",
           {p(next_poll_at_ms), p(id)});
  });
}

std::optional<Activation> PgActivations::get(const std::string& tenant, const std::string& id) {
  auto a = by_id(id, true);
  if (!a || a->tenant != tenant) return std::nullopt;
  return a;
}

std::optional<Activation> PgActivations::by_id(const std::string& id, bool with_history) {
  return db_.run([&](PgConnection& c) -> std::optional<Activation> {
    static const std::string sql =
        std::string("SELECT ") + kCols + " FROM activations WHERE id = $1";
    auto r = c.exec(sql, {p(id)});
    if (r.rows() == 0) return std::nullopt;
    Activation a = read_activation(r, 0);
    if (with_history) load_history(c, a);
    return a;
  });
}

std::optional<ActivationSubmission> PgActivations::submission(const std::string& id) {
  auto a = by_id(id, false);
  if (!a) return std::nullopt;
  auto r = db_.run([&](PgConnection& c) {
    return c.exec(
        "SELECT r.carrier_reservation_id, v.id_number_sealed, v.name_sealed, a.delivery_sealed "
        "FROM activations a JOIN reservations r ON r.id = a.reservation_id JOIN verifications v "
        "ON v.id = a.verification_id WHERE a.id = $1",
        {p(id)});
  });
  if (r.rows() == 0) return std::nullopt;
  ActivationSubmission sub;
  sub.carrier_reservation_id = r.str(0, 0);
  auto idn = open_pii(pii_, r.text(0, 1), a->verification_id + "/id_number");
  auto name = open_pii(pii_, r.text(0, 2), a->verification_id + "/name");
  auto del = open_pii(pii_, r.text(0, 3), a->id + "/delivery");
  if (!idn || !name || !del) return std::nullopt;  // unknown key id, or an altered row
  sub.id_number = std::move(*idn);
  sub.name = std::move(*name);
  sub.delivery = json::value_to<Delivery>(json::parse(*del));
  sub.activation = std::move(*a);
  return sub;
}

std::vector<std::string> PgActivations::open_ids() {
  static const std::string sql =
      "SELECT id FROM activations WHERE " + open_activation_term() + " ORDER BY created_at";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql); });
  std::vector<std::string> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.str(i, 0));
  return ids;
}

std::vector<std::string> PgActivations::owned_open_ids() {
  static const std::string sql = "SELECT id FROM activations WHERE " + open_activation_term() +
                                 " AND owner = $1 ORDER BY created_at";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql, {p(db_.instance_id())}); });
  std::vector<std::string> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.str(i, 0));
  return ids;
}

std::vector<std::string> PgActivations::adopt_orphaned(Tx& tx) {
  static const std::string sql = "UPDATE activations SET owner = $1 WHERE " +
                                 open_activation_term() + " AND " + PgDatabase::orphan_term(2) +
                                 " RETURNING id";
  auto r = db_.conn(tx).exec(sql, {p(db_.instance_id()), p(db_.liveness_ttl_ms())});
  std::vector<std::string> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.str(i, 0));
  return ids;
}

void PgActivations::take_over(Tx& tx, const std::string& id) {
  db_.conn(tx).exec("UPDATE activations SET owner = $1 WHERE id = $2",
                    {p(db_.instance_id()), p(id)});
}

ActivationRepository::Page PgActivations::list(const std::string& tenant, const std::string& status,
                                               const std::string& cursor, size_t limit) {
  int64_t after_ms = -1;
  std::string after_id;
  if (!cursor.empty() && valid_activation_cursor(cursor)) {
    const auto dot = cursor.find('.');
    after_ms = std::stoll(cursor.substr(0, dot));
    after_id = cursor.substr(dot + 1);
  }
  Page page;
  // The status is one of a fixed list, written as a literal for the
  // partial index activations_open (status_sql.hpp).
  if (status != activation::kPending && status != activation::kSubmitted &&
      status != activation::kUnknown)
    return page;
  db_.run([&](PgConnection& c) {
    auto r = c.exec(std::string("SELECT ") + kCols +
                        " FROM activations WHERE status = " + sql_literal(status) +
                        " AND tenant = $1 AND (created_at > $2 OR (created_at = $2 AND id > "
                        "$3)) ORDER BY created_at, id LIMIT $4",
                    {p(tenant), p(after_ms), p(after_id), p(static_cast<int64_t>(limit) + 1)});
    for (int i = 0; i < r.rows(); ++i) page.items.push_back(read_activation(r, i));
    if (page.items.size() > limit) {
      page.items.pop_back();
      const auto& last = page.items.back();
      page.next_cursor = std::to_string(last.created_at_ms) + "." + last.id;
    }
    for (auto& a : page.items) load_history(c, a);
  });
  return page;
}

std::map<std::string, int64_t> PgActivations::unknown_by_carrier() {
  static const std::string sql = "SELECT carrier, count(*) FROM activations WHERE status = " +
                                 sql_literal(activation::kUnknown) + " GROUP BY carrier";
  auto r = db_.run([&](PgConnection& c) { return c.exec(sql); });
  std::map<std::string, int64_t> out;
  for (int i = 0; i < r.rows(); ++i) out[r.str(i, 0)] = r.int64(i, 1);
  return out;
}

}  // namespace cgw::gw::pg
