// PII key rotation on PostgreSQL (the rules as in store/sqlite/pii_keys.cpp):
// which key ids the sealed values name, and the re-sealing of every value
// into the current key, one batch of rows per transaction. The rows of a
// batch are locked (FOR UPDATE): an instance serving requests meanwhile
// never has a row re-sealed under its feet.
#include "store/postgres/repositories.hpp"

#include <array>

namespace cgw::gw::pg {

namespace {

// The key id of a sealed value: before its ':', "" without one.
std::string key_of(const char* col) {
  const std::string c(col);
  return "CASE WHEN strpos(" + c + ", ':') > 0 THEN substr(" + c + ", 1, strpos(" + c +
         ", ':') - 1) ELSE '' END";
}

std::map<std::string, int64_t> census(PgConnection& c) {
  static const std::string sql = "SELECT k, count(*) FROM (SELECT " + key_of("id_number_sealed") +
                                 " AS k FROM verifications UNION ALL SELECT " +
                                 key_of("name_sealed") + " FROM verifications UNION ALL SELECT " +
                                 key_of("delivery_sealed") + " FROM activations) s GROUP BY k";
  auto r = c.exec(sql);
  std::map<std::string, int64_t> by_key;
  for (int i = 0; i < r.rows(); ++i) by_key[r.str(i, 0)] = r.int64(i, 1);
  return by_key;
}

bool under(const std::string& sealed, const std::string& prefix) {
  return sealed.compare(0, prefix.size(), prefix) == 0;
}

struct Resealer {
  const PiiCipher& pii;
  const std::string& prefix;
  size_t limit;
  PiiRotationReport& r;

  size_t verifications(PgConnection& c, std::string& cursor) const {
    auto rows = c.exec(
        "SELECT id, id_number_sealed, name_sealed FROM verifications WHERE id > $2 AND "
        "(substr(id_number_sealed, 1, length($1)) <> $1 OR substr(name_sealed, 1, length($1)) "
        "<> $1) ORDER BY id LIMIT $3 FOR UPDATE",
        {p(prefix), p(cursor), p(static_cast<int64_t>(limit))});
    for (int i = 0; i < rows.rows(); ++i) {
      const auto id = rows.str(i, 0), id_number = rows.str(i, 1), name = rows.str(i, 2);
      cursor = id;
      const bool id_stale = !under(id_number, prefix), name_stale = !under(name, prefix);
      PiiCipher::Opened idn, nm;
      if (id_stale) idn = pii.unseal(id_number, id + "/id_number");
      if (name_stale) nm = pii.unseal(name, id + "/name");
      if ((id_stale && !idn) || (name_stale && !nm)) {
        r.unreadable.push_back("verifications/" + id);
        continue;
      }
      // The hash follows the ID number's key: recomputed with it, else kept.
      c.exec(
          "UPDATE verifications SET id_number_sealed = $2, name_sealed = $3, id_number_hash = "
          "COALESCE($4, id_number_hash) WHERE id = $1",
          {p(id), p(id_stale ? pii.seal(*idn.value, id + "/id_number") : id_number),
           p(name_stale ? pii.seal(*nm.value, id + "/name") : name),
           id_stale ? p(pii.lookup_hash(*idn.value)) : Param(std::nullopt)});
      r.rows_done += 1;
      r.values_resealed += int{id_stale} + int{name_stale};
      r.hashes_recomputed += int{id_stale};
    }
    return static_cast<size_t>(rows.rows());
  }

  size_t activations(PgConnection& c, std::string& cursor) const {
    auto rows = c.exec(
        "SELECT id, delivery_sealed FROM activations WHERE id > $2 AND substr(delivery_sealed, "
        "1, length($1)) <> $1 ORDER BY id LIMIT $3 FOR UPDATE",
        {p(prefix), p(cursor), p(static_cast<int64_t>(limit))});
    for (int i = 0; i < rows.rows(); ++i) {
      const auto id = rows.str(i, 0);
      cursor = id;
      auto d = pii.unseal(rows.text(i, 1), id + "/delivery");
      if (!d) {
        r.unreadable.push_back("activations/" + id);
        continue;
      }
      c.exec("UPDATE activations SET delivery_sealed = $2 WHERE id = $1",
             {p(id), p(pii.seal(*d.value, id + "/delivery"))});
      r.rows_done += 1;
      r.values_resealed += 1;
    }
    return static_cast<size_t>(rows.rows());
  }
};

}  // namespace

std::map<std::string, int64_t> PgPiiKeys::census() {
  return db_.run([](PgConnection& c) { return pg::census(c); });
}

PiiRotationReport PgPiiKeys::rotate(size_t batch_rows,
                                    const std::function<bool(const PiiRotationReport&)>& progress) {
  PiiRotationReport r;
  if (batch_rows == 0) batch_rows = 1;
  const std::string prefix = pii_.key_id() + ":";
  if (!survey(prefix, r)) return r;
  const Resealer reseal{pii_, prefix, batch_rows, r};
  auto in_batches = [&](auto batch) {
    std::string cursor;
    for (;;) {
      size_t read = 0;
      {
        auto tx = db_.begin();
        read = (reseal.*batch)(db_.conn(*tx), cursor);
        tx->commit();
      }
      if (read > 0 && progress && !progress(r)) {
        r.stopped = true;
        return false;
      }
      if (read < batch_rows) return true;
    }
  };
  if (in_batches(&Resealer::verifications)) in_batches(&Resealer::activations);
  return r;
}

bool PgPiiKeys::survey(const std::string& prefix, PiiRotationReport& r) {
  auto tx = db_.begin();  // one view of the counts; nothing is written
  auto& c = db_.conn(*tx);
  // Refuse before changing anything when a value names a key the keyring
  // does not hold (see store/sqlite/pii_keys.cpp).
  for (const auto& [id, n] : pg::census(c))
    if (!pii_.knows(id)) r.unknown_keys[id] = n;
  if (!r.unknown_keys.empty()) return false;
  for (const char* sql :
       {"SELECT count(*) FROM verifications WHERE substr(id_number_sealed, 1, length($1)) <> $1 "
        "OR substr(name_sealed, 1, length($1)) <> $1",
        "SELECT count(*) FROM activations WHERE substr(delivery_sealed, 1, length($1)) <> $1"})
    r.rows_total += c.exec(sql, {p(prefix)}).int64(0, 0);
  return true;
}

}  // namespace cgw::gw::pg
