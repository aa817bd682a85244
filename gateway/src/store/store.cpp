#include "store/store.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "core/reservation_status.hpp"
#include "inventory/vanity.hpp"
#include "store/reservation_rows.hpp"
#include "store/sqlite_db.hpp"

#include <boost/json.hpp>

namespace cgw::gw {

namespace json = boost::json;

bool is_final_status(const std::string& s) {
  return s == "activated" || s == "failed";
}

namespace {
std::string new_id(const char* prefix) {
  return prefix + crypto::random_hex(12);
}

}  // namespace

Store::Store(std::filesystem::path path, PiiCipher pii)
    : path_(std::move(path)), pii_(std::move(pii)) {}
Store::~Store() {
  // Both threads stop before the connections close.
  checkpointer_.reset();
  group_.reset();
}

std::string Store::open() {
  try {
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    writer_ = std::make_unique<db::Connection>(path_.string());
    writer_->exec("PRAGMA journal_mode = WAL");
    // NORMAL: commits reach the WAL without their own fsync; GroupCommit
    // flushes them, several at once, before anything is acknowledged.
    writer_->exec("PRAGMA synchronous = NORMAL");
    writer_->exec("PRAGMA foreign_keys = ON");
    migrate();
    // Holds reach the search index when their transaction commits, and
    // never when it rolls back.
    sqlite3_commit_hook(writer_->get(), &Store::on_commit, this);
    sqlite3_rollback_hook(writer_->get(), &Store::on_rollback, this);
    // Checkpoints run on their own thread and connection (WalCheckpointer);
    // the hook replaces SQLite's auto-checkpoint in the committing thread.
    checkpointer_ = std::make_unique<WalCheckpointer>();
    if (auto err = checkpointer_->start(path_.string()); !err.empty()) return err;
    sqlite3_wal_hook(writer_->get(), &Store::on_wal, this);
    reader_ = std::make_unique<db::Connection>(path_.string(), true);
    group_ = std::make_unique<GroupCommit>([this] {
      std::lock_guard lock(write_mu_);  // no commit is half-written while held
      return commits_.load();
    });
    if (auto err = group_->start(path_.string() + "-wal"); !err.empty()) return err;
    return {};
  } catch (const std::exception& e) {
    return std::string("store ") + path_.string() + ": " + e.what();
  }
}

int64_t Store::writer_full_scan_steps() {
  std::lock_guard lock(write_mu_);
  return writer_->full_scan_steps();
}

// Called after each commit of the writer, under write_mu_.
int Store::on_wal(void* self, sqlite3* db, const char* name, int frames) {
  auto* store = static_cast<Store*>(self);
  if (store->checkpointer_->note_frames(frames))
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

// -------------------------------------------------------------- reservations

ApiResult<Reservation> Store::begin_reservation(const std::string& tenant,
                                                const std::string& carrier,
                                                const std::string& msisdn, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  auto r = begin_reservation_in_tx(tenant, carrier, msisdn, now_ms);
  tx.commit();  // a refused claim wrote nothing but the expiry of a stale hold
  return r;
}

ApiResult<Reservation> Store::begin_reservation_in_tx(const std::string& tenant,
                                                      const std::string& carrier,
                                                      const std::string& msisdn, int64_t now_ms,
                                                      const std::string& key) {
  // A hold that has run out frees the number before the new claim (unless
  // the carrier's lock outlives it: then it is released first).
  expire_held_in_tx(now_ms, &carrier, &msisdn);
  Reservation r;
  r.id = new_id("res_");
  r.tenant = tenant;
  r.carrier = carrier;
  r.msisdn = msisdn;
  r.status = reservation::kPending;
  r.created_at_ms = now_ms;
  try {
    // A failed statement undoes only itself: the caller's transaction goes on.
    db::Stmt s(*writer_,
               "INSERT INTO reservations (id, tenant, carrier, msisdn, status, created_at, "
               "updated_at, idempotency_key) VALUES (?,?,?,?, 'pending', ?, ?, NULLIF(?, ''))");
    s.bind(1, r.id)
        .bind(2, tenant)
        .bind(3, carrier)
        .bind(4, msisdn)
        .bind(5, now_ms)
        .bind(6, now_ms)
        .bind(7, key);
    s.run();
  } catch (const db::DbError& e) {
    if (e.constraint())
      return ApiError{409, "NUMBER_UNAVAILABLE", "the number is already reserved or sold", false};
    throw;
  }
  set_local_hold(carrier, msisdn, 1);
  return r;
}

Reservation Store::hold_reservation(const std::string& id,
                                    const std::string& carrier_reservation_id,
                                    int64_t expires_at_ms, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET status = 'held', carrier_reservation_id = ?, expires_at = ?, "
             "updated_at = ? WHERE id = ? RETURNING " +
                 std::string(kReservationColumns));
  s.bind(1, carrier_reservation_id).bind(2, expires_at_ms).bind(3, now_ms).bind(4, id);
  s.step();
  Reservation r = read_reservation_row(s);
  s.run();
  return r;
}

void Store::abandon_reservation(const std::string& id, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  abandon_reservation_in_tx(id, now_ms);
  tx.commit();
}

void Store::abandon_reservation_in_tx(const std::string& id, int64_t now_ms) {
  db::Stmt s(*writer_,
             "UPDATE reservations SET status = 'failed', updated_at = ? WHERE id = ? RETURNING "
             "carrier, msisdn");
  s.bind(1, now_ms).bind(2, id);
  if (s.step()) {
    auto carrier = s.text(0), msisdn = s.text(1);
    s.run();
    set_local_hold(carrier, msisdn, 0);
  }
}

std::optional<Reservation> Store::reservation(const std::string& tenant, const std::string& id,
                                              int64_t now_ms) {
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_, "SELECT " + std::string(kReservationColumns) +
                           " FROM reservations WHERE id = ? AND tenant = ?");
  s.bind(1, id).bind(2, tenant);
  if (!s.step()) return std::nullopt;
  Reservation r = read_reservation_row(s);
  // Past its expiry a hold shows expired at once (the janitor writes it
  // later); so does one whose leftover carrier lock is being released.
  if ((r.status == reservation::kHeld && r.expires_at_ms <= now_ms) ||
      (r.status == reservation::kReleasing && r.release_to == reservation::kExpired))
    r.status = reservation::kExpired;
  return r;
}

void Store::release_reservation(const std::string& id, int64_t now_ms) {
  std::lock_guard lock(write_mu_);
  db::Transaction tx(*writer_);
  db::Stmt s(*writer_,
             "UPDATE reservations SET status = 'released', updated_at = ? WHERE id = ? AND status "
             "IN ('held', 'pending') RETURNING carrier, msisdn");
  s.bind(1, now_ms).bind(2, id);
  if (s.step()) {
    auto carrier = s.text(0), msisdn = s.text(1);
    s.run();
    set_local_hold(carrier, msisdn, 0);
  }
  tx.commit();
}

// ----------------------------------------------------------------------- KYC

Verification Store::save_verification(const std::string& tenant, const std::string& carrier,
                                      const KycVerifyInput& in, const KycVerifyOutput& out,
                                      int64_t now_ms) {
  Verification v;
  v.id = new_id("kyc_");
  v.tenant = tenant;
  v.carrier = carrier;
  v.result = out.result;
  v.reasons = out.reasons;
  v.id_number_masked = id::mask_id_number(in.id_number);
  v.name_masked = id::mask_name(in.name);
  v.carrier_ref = out.carrier_ref;
  v.created_at_ms = now_ms;
  json::array reasons;
  for (const auto& r : out.reasons) reasons.emplace_back(r);
  std::lock_guard lock(write_mu_);
  db::Stmt s(*writer_,
             "INSERT INTO verifications (id, tenant, carrier, result, reasons, id_number_sealed, "
             "name_sealed, id_number_hash, id_number_masked, name_masked, portrait_sha256, "
             "carrier_ref, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, v.id).bind(2, tenant).bind(3, carrier).bind(4, v.result);
  s.bind(5, json::serialize(reasons));
  s.bind(6, pii_.seal(in.id_number, v.id + "/id_number"));
  s.bind(7, pii_.seal(in.name, v.id + "/name"));
  s.bind(8, pii_.lookup_hash(in.id_number)).bind(9, v.id_number_masked).bind(10, v.name_masked);
  // Face images are never stored; a hash proves which one was checked.
  if (in.portrait_b64)
    s.bind(11, crypto::sha256_hex(*in.portrait_b64));
  else
    s.bind_null(11);
  s.bind(12, v.carrier_ref).bind(13, now_ms);
  s.run();
  return v;
}

std::optional<Verification> Store::verification(const std::string& tenant, const std::string& id) {
  std::lock_guard lock(read_mu_);
  db::Stmt s(*reader_,
             "SELECT id, tenant, carrier, result, reasons, id_number_masked, name_masked, "
             "carrier_ref, created_at FROM verifications WHERE id = ? AND tenant = ?");
  s.bind(1, id).bind(2, tenant);
  if (!s.step()) return std::nullopt;
  Verification v;
  v.id = s.text(0);
  v.tenant = s.text(1);
  v.carrier = s.text(2);
  v.result = s.text(3);
  for (const auto& r : json::parse(s.text(4)).as_array()) v.reasons.emplace_back(r.as_string());
  v.id_number_masked = s.text(5);
  v.name_masked = s.text(6);
  v.carrier_ref = s.opt_text(7).value_or("");
  v.created_at_ms = s.integer(8);
  return v;
}

}  // namespace cgw::gw
