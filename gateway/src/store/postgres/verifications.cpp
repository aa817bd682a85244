// KYC verifications on PostgreSQL: PII sealed (core/pii.hpp), masked copies
// for display, and an HMAC of the ID number for equality lookups; no
// plaintext ID number or name in any column.
#include "cgw/common/crypto.hpp"
#include "cgw/common/id_number.hpp"
#include "store/postgres/repositories.hpp"

#include <boost/json.hpp>

namespace cgw::gw::pg {

namespace json = boost::json;

Verification PgVerifications::save(const std::string& tenant, const std::string& carrier,
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
  // Sealed before a connection is taken: no crypto while holding one.
  const auto id_sealed = pii_.seal(in.id_number, v.id + "/id_number");
  const auto name_sealed = pii_.seal(in.name, v.id + "/name");
  const auto id_hash = pii_.lookup_hash(in.id_number);
  // Face images are never stored; a hash proves which one was checked.
  const Param portrait =
      in.portrait_b64 ? p(crypto::sha256_hex(*in.portrait_b64)) : Param(std::nullopt);
  db_.run([&](PgConnection& c) {
    c.exec(
        "INSERT INTO verifications (id, tenant, carrier, result, reasons, id_number_sealed, "
        "name_sealed, id_number_hash, id_number_masked, name_masked, portrait_sha256, "
        "carrier_ref, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
        {p(v.id), p(tenant), p(carrier), p(v.result), p(json::serialize(reasons)), p(id_sealed),
         p(name_sealed), p(id_hash), p(v.id_number_masked), p(v.name_masked), portrait,
         p(v.carrier_ref), p(now_ms)});
  });
  return v;
}

std::optional<Verification> PgVerifications::get(const std::string& tenant, const std::string& id) {
  auto r = db_.run([&](PgConnection& c) {
    return c.exec(
        "SELECT id, tenant, carrier, result, reasons, id_number_masked, name_masked, "
        "carrier_ref, created_at FROM verifications WHERE id = $1 AND tenant = $2",
        {p(id), p(tenant)});
  });
  if (r.rows() == 0) return std::nullopt;
  Verification v;
  v.id = r.str(0, 0);
  v.tenant = r.str(0, 1);
  v.carrier = r.str(0, 2);
  v.result = r.str(0, 3);
  for (const auto& x : json::parse(r.text(0, 4)).as_array()) v.reasons.emplace_back(x.as_string());
  v.id_number_masked = r.str(0, 5);
  v.name_masked = r.str(0, 6);
  v.carrier_ref = r.str(0, 7);
  v.created_at_ms = r.int64(0, 8);
  return v;
}

std::optional<Verification> PgVerifications::get_in(Tx& tx, const std::string& tenant,
                                                    const std::string& id) {
  auto r =
      db_.conn(tx).exec("SELECT carrier, result FROM verifications WHERE id = $1 AND tenant = $2",
                        {p(id), p(tenant)});
  if (r.rows() == 0) return std::nullopt;
  Verification v;
  v.id = id;
  v.tenant = tenant;
  v.carrier = r.str(0, 0);
  v.result = r.str(0, 1);
  return v;
}

int64_t PgVerifications::count_for_id_number(const std::string& id_number) {
  const auto hashes = pii_.lookup_hashes(id_number);
  std::string sql = "SELECT count(*) FROM verifications WHERE id_number_hash IN ($1";
  for (size_t i = 1; i < hashes.size(); ++i) sql += ", $" + std::to_string(i + 1);
  sql += ")";
  std::vector<Param> params;
  for (const auto& h : hashes) params.push_back(p(h));
  return db_.run([&](PgConnection& c) { return c.exec(sql, params).int64(0, 0); });
}

}  // namespace cgw::gw::pg
