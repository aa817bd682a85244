// PII key rotation in the store: which key ids the sealed values name, and
// the re-sealing of every value into the current key (`cgw-gateway
// --rotate-pii`, docs/security.md "Key rotation").
#include "store/sqlite/repositories.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace cgw::gw::sqlite {

namespace {

// Sealed values per key id; a value without a ':' counts under "".
std::map<std::string, int64_t> census(const db::Connection& c) {
  db::Stmt s(c, R"sql(
SELECT k, count(*) FROM (
  SELECT substr(id_number_sealed, 1, instr(id_number_sealed, ':') - 1) AS k FROM verifications
  UNION ALL SELECT substr(name_sealed, 1, instr(name_sealed, ':') - 1) FROM verifications
  UNION ALL SELECT substr(delivery_sealed, 1, instr(delivery_sealed, ':') - 1) FROM activations)
GROUP BY k)sql");
  std::map<std::string, int64_t> by_key;
  while (s.step()) by_key[s.text(0)] = s.integer(1);
  return by_key;
}

bool under(const std::string& sealed, const std::string& prefix) {
  return sealed.compare(0, prefix.size(), prefix) == 0;
}

// One re-sealing pass over a table: re-seals up to `limit` rows after
// `cursor` (moving it) into the key of `prefix` ("<key id>:"), counts into
// the report, and returns how many rows it read.
struct Resealer {
  const PiiCipher& pii;
  const std::string& prefix;
  size_t limit;
  PiiRotationReport& r;

  size_t verifications(db::Connection& c, std::string& cursor) const {
    std::vector<std::array<std::string, 3>> rows;
    {
      db::Stmt s(c,
                 "SELECT id, id_number_sealed, name_sealed FROM verifications WHERE id > ?2 AND "
                 "(substr(id_number_sealed, 1, length(?1)) <> ?1 OR substr(name_sealed, 1, "
                 "length(?1)) <> ?1) ORDER BY id LIMIT ?3");
      s.bind(1, prefix).bind(2, cursor).bind(3, static_cast<int64_t>(limit));
      while (s.step()) rows.push_back({s.text(0), s.text(1), s.text(2)});
    }
    db::Stmt u(c,
               "UPDATE verifications SET id_number_sealed = ?2, name_sealed = ?3, id_number_hash = "
               "coalesce(?4, id_number_hash) WHERE id = ?1");
    for (auto& [id, id_number, name] : rows) {
      cursor = id;
      const bool id_stale = !under(id_number, prefix), name_stale = !under(name, prefix);
      PiiCipher::Opened idn, nm;
      if (id_stale) idn = pii.unseal(id_number, id + "/id_number");
      if (name_stale) nm = pii.unseal(name, id + "/name");
      if ((id_stale && !idn) || (name_stale && !nm)) {
        r.unreadable.push_back("verifications/" + id);
        continue;
      }
      u.reset();
      u.bind(1, id);
      u.bind(2, id_stale ? pii.seal(*idn.value, id + "/id_number") : id_number);
      u.bind(3, name_stale ? pii.seal(*nm.value, id + "/name") : name);
      // The hash follows the ID number's key: recomputed with it, else kept.
      if (id_stale)
        u.bind(4, pii.lookup_hash(*idn.value));
      else
        u.bind_null(4);
      u.run();
      r.rows_done += 1;
      r.values_resealed += int{id_stale} + int{name_stale};
      r.hashes_recomputed += int{id_stale};
    }
    return rows.size();
  }

  size_t activations(db::Connection& c, std::string& cursor) const {
    std::vector<std::array<std::string, 2>> rows;
    {
      db::Stmt s(c,
                 "SELECT id, delivery_sealed FROM activations WHERE id > ?2 AND "
                 "substr(delivery_sealed, 1, length(?1)) <> ?1 ORDER BY id LIMIT ?3");
      s.bind(1, prefix).bind(2, cursor).bind(3, static_cast<int64_t>(limit));
      while (s.step()) rows.push_back({s.text(0), s.text(1)});
    }
    db::Stmt u(c, "UPDATE activations SET delivery_sealed = ?2 WHERE id = ?1");
    for (auto& [id, delivery] : rows) {
      cursor = id;
      auto d = pii.unseal(delivery, id + "/delivery");
      if (!d) {
        r.unreadable.push_back("activations/" + id);
        continue;
      }
      u.reset();
      u.bind(1, id).bind(2, pii.seal(*d.value, id + "/delivery")).run();
      r.rows_done += 1;
      r.values_resealed += 1;
    }
    return rows.size();
  }
};

}  // namespace

std::map<std::string, int64_t> SqlitePiiKeys::census() {
  return db_.read([](db::Connection& c) { return sqlite::census(c); });
}

PiiRotationReport SqlitePiiKeys::rotate(
    size_t batch_rows, const std::function<bool(const PiiRotationReport&)>& progress) {
  PiiRotationReport r;
  if (batch_rows == 0) batch_rows = 1;
  const std::string prefix = pii_.key_id() + ":";
  if (!survey(prefix, r)) return r;
  const Resealer reseal{pii_, prefix, batch_rows, r};
  // Runs `batch` (reads up to batch_rows rows after the cursor and re-seals
  // them; returns how many it read) one transaction at a time; false when
  // `progress` asked to stop.
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

bool SqlitePiiKeys::survey(const std::string& prefix, PiiRotationReport& r) {
  auto tx = db_.begin();  // a consistent view; nothing is written
  auto& c = db_.conn(*tx);
  // Refuse before changing anything when a value names a key the keyring
  // does not hold: that value could not be re-sealed, and removing the
  // previous keys afterwards would lose more.
  for (const auto& [id, n] : sqlite::census(c))
    if (!pii_.knows(id)) r.unknown_keys[id] = n;
  if (!r.unknown_keys.empty()) return false;
  // ?1: "<current key id>:"
  for (const char* sql : {"SELECT count(*) FROM verifications WHERE substr(id_number_sealed, 1, "
                          "length(?1)) <> ?1 OR substr(name_sealed, 1, length(?1)) <> ?1",
                          "SELECT count(*) FROM activations WHERE substr(delivery_sealed, 1, "
                          "length(?1)) <> ?1"}) {
    db::Stmt s(c, sql);
    s.bind(1, prefix);
    s.step();
    r.rows_total += s.integer(0);
  }
  return true;
}

}  // namespace cgw::gw::sqlite
