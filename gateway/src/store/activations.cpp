#include "cgw/common/crypto.hpp"
#include "core/reservation_status.hpp"
#include "store/sqlite_db.hpp"
#include "store/store.hpp"

#include <boost/json.hpp>

namespace cgw::gw {

namespace json = boost::json;

namespace {
int rank(const std::string& s) {
  if (s == "pending") return 0;
  if (s == "unknown") return 1;
  if (s == "submitted") return 2;
  if (s == "activated" || s == "failed") return 3;
  return -1;
}
constexpr const char* kCols =
    "id, tenant, carrier, msisdn, plan_id, reservation_id, verification_id, status, "
    "carrier_order_id, failure_code, failure_message, created_at, updated_at, next_poll_at, "
    "poll_count, submit_attempts";
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
  return a;
}
void load_history(const db::Connection& c, Activation& a) {
  db::Stmt s(
      c, "SELECT status, at, cause FROM activation_history WHERE activation_id = ? ORDER BY seq");
  s.bind(1, a.id);
  while (s.step()) a.history.push_back({s.text(0), s.text(2), s.integer(1)});
}
void add_history(db::Connection& c, const std::string& id, const std::string& status,
                 const std::string& cause, int64_t now_ms) {
  db::Stmt s(c,
             "INSERT INTO activation_history (activation_id, seq, status, at, cause) VALUES (?1, "
             "(SELECT COALESCE(MAX(seq), 0) + 1 FROM activation_history WHERE activation_id = "
             "?1), ?2, ?3, ?4)");
  s.bind(1, id).bind(2, status).bind(3, now_ms).bind(4, cause).run();
}
void remember_key(db::Connection& c, const NewActivation& a, int status, const std::string& body,
                  int64_t now_ms) {
  db::Stmt s(c,
             "INSERT INTO idempotency_keys (tenant, key, request_hash, http_status, "
             "response_body, created_at) VALUES (?,?,?,?,?,?)");
  s.bind(1, a.tenant).bind(2, a.idempotency_key).bind(3, a.request_hash).bind(4, status);
  s.bind(5, body).bind(6, now_ms).run();
}
}  // namespace

ApiResult<std::variant<Activation, IdempotentReplay>> Store::create_activation(
    const NewActivation& a, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  {
    db::Stmt k(*writer_,
               "SELECT request_hash, http_status, response_body FROM idempotency_keys WHERE "
               "tenant = ? AND key = ?");
    k.bind(1, a.tenant).bind(2, a.idempotency_key);
    if (k.step()) {
      if (k.text(0) != a.request_hash)
        return unprocessable("IDEMPOTENCY_KEY_REUSED",
                             "this Idempotency-Key was used with a different request body");
      if (k.integer(1) == 0)
        return ApiError{409, "IDEMPOTENCY_KEY_IN_USE", "a request with this key is in progress",
                        true};
      return std::variant<Activation, IdempotentReplay>(
          IdempotentReplay{static_cast<int>(k.integer(1)), k.text(2)});
    }
  }
  // Deterministic validation failures are remembered under the key too, so a
  // retry gets the same answer.
  auto refuse = [&](std::string code,
                    std::string message) -> ApiResult<std::variant<Activation, IdempotentReplay>> {
    ApiError e = unprocessable(std::move(code), std::move(message));
    remember_key(*writer_, a, e.http_status, error_body(e), now_ms);
    tx.commit();
    return e;
  };
  if (a.refused) return refuse(a.refused->code, a.refused->message);  // e.g. PLAN_NOT_FOUND
  std::string v_carrier;
  {
    db::Stmt v(*writer_, "SELECT carrier, result FROM verifications WHERE id = ? AND tenant = ?");
    v.bind(1, a.verification_id).bind(2, a.tenant);
    if (!v.step()) return refuse("VERIFICATION_NOT_FOUND", "no such verification");
    if (v.text(1) != "passed")
      return refuse("VERIFICATION_NOT_PASSED", "the verification did not pass");
    v_carrier = v.text(0);
  }
  Activation act;
  {
    db::Stmt r(*writer_,
               "SELECT carrier, msisdn, status, expires_at, release_to FROM reservations WHERE "
               "id = ? AND tenant = ?");
    r.bind(1, a.reservation_id).bind(2, a.tenant);
    if (!r.step()) return refuse("RESERVATION_NOT_FOUND", "no such reservation");
    const auto status = r.text(2);
    // Expired as GET shows it: past its time, or written so by the janitor
    // (with or without a leftover carrier lock still being released).
    if ((status == reservation::kHeld && r.integer(3) <= now_ms) ||
        status == reservation::kExpired ||
        (status == reservation::kReleasing && r.opt_text(4) == reservation::kExpired))
      return refuse("RESERVATION_EXPIRED", "the reservation has expired");
    if (status != "held") return refuse("RESERVATION_NOT_HELD", "the reservation is " + status);
    act.carrier = r.text(0);
    act.msisdn = r.text(1);
  }
  if (act.carrier != v_carrier)
    return refuse("CARRIER_MISMATCH",
                  "the verification and the reservation are for different carriers");

  act.id = "act_" + crypto::random_hex(12);
  act.tenant = a.tenant;
  act.plan_id = a.plan_id;
  act.reservation_id = a.reservation_id;
  act.verification_id = a.verification_id;
  act.status = "pending";
  act.created_at_ms = act.updated_at_ms = now_ms;
  {
    db::Stmt s(*writer_,
               "INSERT INTO activations (id, tenant, carrier, msisdn, plan_id, reservation_id, "
               "verification_id, delivery_sealed, status, created_at, updated_at) VALUES "
               "(?,?,?,?,?,?,?,?, 'pending', ?, ?)");
    s.bind(1, act.id).bind(2, a.tenant).bind(3, act.carrier).bind(4, act.msisdn);
    s.bind(5, a.plan_id).bind(6, a.reservation_id).bind(7, a.verification_id);
    s.bind(8, pii_.seal(json::serialize(json::value_from(a.delivery)), act.id + "/delivery"));
    s.bind(9, now_ms).bind(10, now_ms).run();
  }
  add_history(*writer_, act.id, "pending", "accepted", now_ms);
  act.history.push_back({"pending", "accepted", now_ms});
  enqueue_status_event(act.id, "", "accepted", now_ms);
  {
    db::Stmt s(*writer_,
               "UPDATE reservations SET status = 'consumed', updated_at = ? WHERE id = ?");
    s.bind(1, now_ms).bind(2, a.reservation_id).run();
  }
  json::object body{{"activation_id", act.id}, {"status", "pending"}};
  remember_key(*writer_, a, 202, json::serialize(body), now_ms);
  tx.commit();
  return std::variant<Activation, IdempotentReplay>(std::move(act));
}

std::optional<Activation> Store::activation(const std::string& tenant, const std::string& id) {
  auto a = activation_by_id(id);
  if (!a || a->tenant != tenant) return std::nullopt;
  return a;
}

std::optional<Activation> Store::activation_by_id(const std::string& id, bool with_history) {
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_, std::string("SELECT ") + kCols + " FROM activations WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  Activation a = read_activation(s);
  if (with_history) load_history(*reader_, a);
  return a;
}

std::optional<ActivationSubmission> Store::submission(const std::string& id) {
  auto a = activation_by_id(id, false);
  if (!a) return std::nullopt;
  ActivationSubmission sub;
  std::string delivery_sealed;
  {
    std::lock_guard lock(read_mu_);
    db::Stmt s(*reader_,
               "SELECT r.carrier_reservation_id, v.id_number_sealed, v.name_sealed, "
               "a.delivery_sealed FROM activations a JOIN reservations r ON r.id = "
               "a.reservation_id JOIN verifications v ON v.id = a.verification_id WHERE a.id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    sub.carrier_reservation_id = s.opt_text(0).value_or("");
    auto idn = open_pii(s.text(1), a->verification_id + "/id_number");
    auto name = open_pii(s.text(2), a->verification_id + "/name");
    auto del = open_pii(s.text(3), a->id + "/delivery");
    if (!idn || !name || !del) return std::nullopt;  // unknown key id, or an altered row
    sub.id_number = *idn;
    sub.name = *name;
    sub.delivery = json::value_to<Delivery>(json::parse(*del));
  }
  sub.activation = std::move(*a);
  return sub;
}

std::vector<std::string> Store::open_activations() {
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_,
             "SELECT id FROM activations WHERE status IN ('pending', 'submitted', 'unknown') "
             "ORDER BY created_at");
  std::vector<std::string> ids;
  while (s.step()) ids.push_back(s.text(0));
  return ids;
}

bool Store::advance_activation(const std::string& id, const std::string& status,
                               const std::string& cause, int64_t now_ms,
                               const std::string& carrier_order_id, const std::string& failure_code,
                               const std::string& failure_message) {
  return advance_activation(
      id, StatusChange{status, cause, carrier_order_id, failure_code, failure_message}, now_ms);
}

bool Store::advance_activation(const std::string& id, const StatusChange& change, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  bool moved = advance_in_tx(id, change, now_ms);
  tx.commit();
  return moved;
}

Store::CallbackApplied Store::apply_callback_event(const std::string& carrier,
                                                   const std::string& event_id,
                                                   const std::string& payload,
                                                   const std::string& activation_id,
                                                   const StatusChange& change, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  CallbackApplied r;
  db::Stmt s(*writer_,
             "INSERT INTO callback_events (carrier, event_id, payload, received_at) VALUES "
             "(?,?,?,?) ON CONFLICT DO NOTHING");
  s.bind(1, carrier).bind(2, event_id).bind(3, payload).bind(4, now_ms).run();
  r.fresh = writer_->changes() == 1;
  if (!r.fresh) {
    // The same id with another event in it is not a redelivery but an id
    // the carrier used again (e.g. a simulator restarted with its seed):
    // recorded under a derived key and applied. Applying is safe either
    // way, as status only moves forward.
    db::Stmt prev(*writer_,
                  "SELECT payload FROM callback_events WHERE carrier = ? AND event_id = ?");
    prev.bind(1, carrier).bind(2, event_id);
    if (prev.step() && prev.text(0) != payload) {
      r.id_reused = true;
      db::Stmt again(*writer_,
                     "INSERT INTO callback_events (carrier, event_id, payload, received_at) VALUES "
                     "(?,?,?,?) ON CONFLICT DO NOTHING");
      again.bind(1, carrier).bind(2, event_id + "#" + crypto::sha256_hex(payload).substr(0, 16));
      again.bind(3, payload).bind(4, now_ms).run();
      r.fresh = writer_->changes() == 1;
    }
  }
  if (r.fresh && !activation_id.empty()) r.advanced = advance_in_tx(activation_id, change, now_ms);
  tx.commit();
  return r;
}

// Caller holds write_mu_ inside an open transaction.
bool Store::advance_in_tx(const std::string& id, const StatusChange& c, int64_t now_ms) {
  std::string current, reservation_id, carrier, msisdn;
  {
    db::Stmt s(*writer_,
               "SELECT status, reservation_id, carrier, msisdn FROM activations WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return false;
    current = s.text(0);
    reservation_id = s.text(1);
    carrier = s.text(2);
    msisdn = s.text(3);
  }
  if (rank(c.status) <= rank(current)) {
    // Never backwards; a late carrier order id is still worth keeping.
    if (!c.carrier_order_id.empty()) {
      db::Stmt s(*writer_,
                 "UPDATE activations SET carrier_order_id = ? WHERE id = ? AND carrier_order_id "
                 "IS NULL");
      s.bind(1, c.carrier_order_id).bind(2, id).run();
    }
    return false;
  }
  {
    db::Stmt s(*writer_,
               "UPDATE activations SET status = ?, updated_at = ?, carrier_order_id = "
               "COALESCE(NULLIF(?, ''), carrier_order_id), failure_code = NULLIF(?, ''), "
               "failure_message = NULLIF(?, '') WHERE id = ?");
    s.bind(1, c.status).bind(2, now_ms).bind(3, c.carrier_order_id).bind(4, c.failure_code);
    s.bind(5, c.failure_message).bind(6, id).run();
  }
  add_history(*writer_, id, c.status, c.cause, now_ms);
  enqueue_status_event(id, current, c.cause, now_ms);
  if (c.status == "activated") {
    set_local_hold(carrier, msisdn, 2);
  } else if (c.status == "failed") {
    // The line was not opened. The carrier may still hold the lock (a
    // refused submit does not consume it): released through the queue,
    // and the number shown again once the carrier confirms.
    queue_release_in_tx(reservation_id, reservation::kReleased, now_ms);
  }
  return true;
}

int64_t Store::expire_reservations(int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  auto n = expire_held_in_tx(now_ms);
  tx.commit();
  return n;
}

void Store::note_submit_attempt(const std::string& id) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_, "UPDATE activations SET submit_attempts = submit_attempts + 1 WHERE id = ?");
  s.bind(1, id).run();
}

void Store::schedule_poll(const std::string& id, int64_t next_poll_at_ms) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "UPDATE activations SET next_poll_at = ?, poll_count = poll_count + 1 WHERE id = ?");
  s.bind(1, next_poll_at_ms).bind(2, id).run();
}

bool Store::valid_activation_cursor(std::string_view cursor) {
  const auto dot = cursor.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 18) return false;
  for (char ch : cursor.substr(0, dot))
    if (ch < '0' || ch > '9') return false;
  const auto id = cursor.substr(dot + 1);
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  return true;
}

Store::ActivationPage Store::list_activations(const std::string& tenant, const std::string& status,
                                              const std::string& cursor, size_t limit) {
  int64_t after_ms = -1;
  std::string after_id;
  if (!cursor.empty() && valid_activation_cursor(cursor)) {
    const auto dot = cursor.find('.');
    after_ms = std::stoll(cursor.substr(0, dot));
    after_id = cursor.substr(dot + 1);
  }
  ActivationPage page;
  // The partial index activations_open serves the status; the tenant and
  // the order are checked on its (few) rows. SQLite uses a partial index
  // only when the query names the status as a literal, so it is written
  // into the SQL, from this fixed list only.
  if (status != "pending" && status != "submitted" && status != "unknown") return page;
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_, std::string("SELECT ") + kCols + " FROM activations WHERE status = '" +
                           status +
                           "' AND tenant = ?1 AND (created_at > ?2 OR (created_at = ?2 AND id > "
                           "?3)) ORDER BY created_at, id LIMIT ?4");
  s.bind(1, tenant).bind(2, after_ms).bind(3, after_id);
  s.bind(4, static_cast<int64_t>(limit) + 1);
  while (s.step()) page.items.push_back(read_activation(s));
  if (page.items.size() > limit) {
    page.items.pop_back();
    const auto& last = page.items.back();
    page.next_cursor = std::to_string(last.created_at_ms) + "." + last.id;
  }
  for (auto& a : page.items) load_history(*reader_, a);
  return page;
}

std::map<std::string, int64_t> Store::unknown_activations_by_carrier() {
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_,
             "SELECT carrier, COUNT(*) FROM activations WHERE status = 'unknown' GROUP BY carrier");
  std::map<std::string, int64_t> out;
  while (s.step()) out[s.text(0)] = s.integer(1);
  return out;
}

std::optional<std::string> Store::resolve_unknown_activation(const std::string& tenant,
                                                             const std::string& id,
                                                             const StatusChange& change,
                                                             int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  std::string current;
  {
    db::Stmt s(*writer_, "SELECT status FROM activations WHERE id = ? AND tenant = ?");
    s.bind(1, id).bind(2, tenant);
    if (!s.step()) return std::nullopt;
    current = s.text(0);
  }
  if (current != "unknown") return current;
  advance_in_tx(id, change, now_ms);
  tx.commit();
  return current;
}

bool Store::note_still_unknown(const std::string& id, const std::string& cause, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  {
    db::Stmt s(*writer_, "SELECT status FROM activations WHERE id = ?");
    s.bind(1, id);
    if (!s.step() || s.text(0) != "unknown") return false;
  }
  add_history(*writer_, id, "unknown", cause, now_ms);
  {
    db::Stmt s(*writer_, "UPDATE activations SET updated_at = ? WHERE id = ?");
    s.bind(1, now_ms).bind(2, id).run();
  }
  tx.commit();
  return true;
}

}  // namespace cgw::gw
