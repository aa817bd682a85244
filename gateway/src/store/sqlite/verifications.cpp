// KYC verifications: PII sealed (core/pii.hpp), masked copies for display,
// and an HMAC of the ID number for equality lookups.
#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "store/sqlite/repositories.hpp"

#include <boost/json.hpp>

namespace cgw::gw::sqlite {

namespace json = boost::json;

Verification SqliteVerifications::save(const std::string& tenant, const std::string& carrier,
                                       const KycVerifyInput& in, const KycVerifyOutput& out,
                                       int64_t now_ms) {
  Verification v;
  v.id = "kyc_" + crypto::random_hex(12);
  v.tenant = tenant;
  v.carrier = carrier;
  // Set: the caller refuses an answer without a verdict.
  v.result = std::string(wire_name(out.result.value_or(KycResult::review)));
  v.reasons = out.reasons;
  v.id_number_masked = id::mask_id_number(in.id_number);
  v.name_masked = id::mask_name(in.name);
  v.carrier_ref = out.carrier_ref;
  v.created_at_ms = now_ms;
  json::array reasons;
  for (const auto& r : out.reasons) reasons.emplace_back(r);
  // Sealed before the write lock is taken: no crypto under it.
  const auto id_sealed = pii_.seal(in.id_number, v.id + "/id_number");
  const auto name_sealed = pii_.seal(in.name, v.id + "/name");
  const auto id_hash = pii_.lookup_hash(in.id_number);
  db_.write([&](db::Connection& c) {
    db::Stmt s(c,
               "INSERT INTO verifications (id, tenant, carrier, result, reasons, id_number_sealed, "
               "name_sealed, id_number_hash, id_number_masked, name_masked, portrait_sha256, "
               "carrier_ref, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, v.id).bind(2, tenant).bind(3, carrier).bind(4, v.result);
    s.bind(5, json::serialize(reasons));
    s.bind(6, id_sealed).bind(7, name_sealed);
    s.bind(8, id_hash).bind(9, v.id_number_masked).bind(10, v.name_masked);
    // Face images are never stored; a hash proves which one was checked.
    if (in.portrait_b64)
      s.bind(11, crypto::sha256_hex(*in.portrait_b64));
    else
      s.bind_null(11);
    s.bind(12, v.carrier_ref).bind(13, now_ms);
    s.run();
  });
  return v;
}

std::optional<Verification> SqliteVerifications::get(const std::string& tenant,
                                                     const std::string& id) {
  return db_.read([&](db::Connection& c) -> std::optional<Verification> {
    db::Stmt s(c,
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
  });
}

std::optional<Verification> SqliteVerifications::get_in(Tx& tx, const std::string& tenant,
                                                        const std::string& id) {
  db::Stmt s(db_.conn(tx), "SELECT carrier, result FROM verifications WHERE id = ? AND tenant = ?");
  s.bind(1, id).bind(2, tenant);
  if (!s.step()) return std::nullopt;
  Verification v;
  v.id = id;
  v.tenant = tenant;
  v.carrier = s.text(0);
  v.result = s.text(1);
  return v;
}

int64_t SqliteVerifications::count_for_id_number(const std::string& id_number) {
  const auto hashes = pii_.lookup_hashes(id_number);
  std::string sql = "SELECT count(*) FROM verifications WHERE id_number_hash IN (?";
  for (size_t i = 1; i < hashes.size(); ++i) sql += ", ?";
  return db_.read([&](db::Connection& c) {
    db::Stmt s(c, sql + ")");
    for (size_t i = 0; i < hashes.size(); ++i) s.bind(static_cast<int>(i + 1), hashes[i]);
    s.step();
    return s.integer(0);
  });
}

}  // namespace cgw::gw::sqlite
