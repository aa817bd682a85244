#include "app/commands.hpp"

#include "cgw/common/crypto.hpp"
#include "core/pii.hpp"
#include "store/postgres/open.hpp"
#include "store/sqlite/open.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>

namespace cgw::gw {

namespace {
volatile std::sig_atomic_t g_stop_rotation = 0;
}  // namespace

int new_api_key(const std::string& prefix) {
  for (char ch : prefix)
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '_'))
      return 2;
  const std::string visible = prefix + "_" + crypto::random_hex(4);
  const std::string key = visible + "_" + crypto::random_hex(24);
  std::cout << "API key (shown once; give it to the platform service):\n  " << key
            << "\n\nFor the tenant's api_keys in the gateway config:\n"
            << "      - sha256: " << crypto::sha256_hex(key) << "\n"
            << "        label: " << visible << "\n"
            << "        scopes: [inventory:read, numbers:reserve, kyc:verify, activations:write, "
               "activations:read]\n";
  return 0;
}

namespace {

// Timing and the progress log of one rotation: a line every 2 s and at the
// end.
struct RotationClock {
  using clock = std::chrono::steady_clock;
  clock::time_point start = clock::now();
  clock::time_point last_log = start;

  double seconds() const { return std::chrono::duration<double>(clock::now() - start).count(); }
  double rate(int64_t rows) const {
    const double s = seconds();
    return s > 0 ? static_cast<double>(rows) / s : 0.0;
  }
  // The store's progress callback: false once SIGINT or SIGTERM came.
  bool progress(const PiiRotationReport& p) {
    const auto now = clock::now();
    const auto seen = p.rows_done + static_cast<int64_t>(p.unreadable.size());
    if (now - last_log >= std::chrono::seconds(2) || seen >= p.rows_total) {
      spdlog::info("pii rotation: {}/{} rows re-sealed ({:.0f} rows/s)", p.rows_done, p.rows_total,
                   rate(p.rows_done));
      last_log = now;
    }
    return g_stop_rotation == 0;
  }
};

void log_refusal(const PiiRotationReport& r, const PiiCipher& pii) {
  int64_t n = 0;
  std::string ids;
  for (const auto& [id, count] : r.unknown_keys) {
    n += count;
    ids += (ids.empty() ? "" : ", ") + (id.empty() ? std::string("(none)") : id) + ": " +
           std::to_string(count);
  }
  spdlog::critical(
      "pii rotation refused: {} sealed values are under key ids that are neither the current "
      "key {} nor in security.pii_previous_keys ({}). Add those keys to "
      "security.pii_previous_keys and run again. Nothing was changed.",
      n, pii.key_id(), ids);
}

// False when the run did not re-seal everything it read: stopped, or rows
// that do not open.
bool log_run(const PiiRotationReport& r, const RotationClock& timing) {
  spdlog::info(
      "pii rotation: {} of {} rows re-sealed ({} values, {} ID-number lookup hashes) in {:.1f} s "
      "({:.0f} rows/s)",
      r.rows_done, r.rows_total, r.values_resealed, r.hashes_recomputed, timing.seconds(),
      timing.rate(r.rows_done));
  if (r.stopped) {
    spdlog::warn("pii rotation stopped before the end; run --rotate-pii again to finish");
    return false;
  }
  if (!r.unreadable.empty()) {
    std::string rows;
    for (size_t i = 0; i < r.unreadable.size() && i < 20; ++i)
      rows += (i ? ", " : "") + r.unreadable[i];
    if (r.unreadable.size() > 20) rows += ", ...";
    spdlog::error(
        "pii rotation: {} rows have a value that does not open under its key (altered?) and were "
        "left as they are: {}",
        r.unreadable.size(), rows);
    return false;
  }
  return true;
}

// What is left: nothing, unless a gateway with another current key wrote
// during the run. 0 when every value is under the current key.
int check_all_resealed(PiiKeyRepository& keys, const PiiCipher& pii) {
  int64_t total = 0, left = 0;
  for (const auto& [id, n] : keys.census()) {
    total += n;
    if (id != pii.key_id()) left += n;
  }
  if (left > 0) {
    spdlog::warn(
        "pii rotation: {} sealed values are still not under key {} (written during the run by a "
        "gateway with another current key?); run again",
        left, pii.key_id());
    return 1;
  }
  spdlog::info(
      "pii rotation complete: all {} sealed values are under key {}; the previous keys can be "
      "removed from security.pii_previous_keys",
      total, pii.key_id());
  return 0;
}

}  // namespace

Result<Repositories> open_configured_store(const Config& cfg,
                                           std::shared_ptr<const PiiCipher> pii) {
  if (cfg.store_kind == StoreKind::kSqlite)
    return open_sqlite_store(cfg.store_path, std::move(pii));
  pg::PoolOptions pool;
  pool.size = static_cast<size_t>(cfg.store_pool_size);
  pool.wait = cfg.store_pool_wait;
  return open_postgres_store(cfg.store_dsn, std::move(pii), pool);
}

std::string store_description(const Config& cfg) {
  return cfg.store_kind == StoreKind::kSqlite ? cfg.store_path.string() : "PostgreSQL";
}

int rotate_pii(const Config& cfg, size_t batch_rows) {
  if (cfg.store_kind == StoreKind::kSqlite && !std::filesystem::exists(cfg.store_path)) {
    spdlog::critical("pii rotation: no store at {}", cfg.store_path.string());
    return 1;
  }
  auto cipher = std::make_shared<const PiiCipher>(cfg.pii_key, cfg.pii_previous_keys);
  const PiiCipher& pii = *cipher;
  auto store = open_configured_store(cfg, cipher);
  if (!store) {
    spdlog::critical("{}", store.error().message);
    return 1;
  }
  PiiKeyRepository& keys = *store->pii_keys;
  std::string previous;
  for (const auto& id : pii.previous_key_ids()) previous += (previous.empty() ? "" : ", ") + id;
  spdlog::info("pii rotation: store {}, current key {}, previous keys [{}], {} rows per batch",
               store_description(cfg), pii.key_id(), previous, batch_rows);
  std::signal(SIGINT, [](int) { g_stop_rotation = 1; });
  std::signal(SIGTERM, [](int) { g_stop_rotation = 1; });
  RotationClock timing;
  PiiRotationReport r;
  try {
    r = keys.rotate(batch_rows, [&](const PiiRotationReport& p) { return timing.progress(p); });
  } catch (const std::exception& e) {
    spdlog::critical("pii rotation failed: {} (committed batches stay; run again)", e.what());
    return 1;
  }
  if (!r.unknown_keys.empty()) {
    log_refusal(r, pii);
    return 1;
  }
  if (!log_run(r, timing)) return 1;
  return check_all_resealed(keys, pii);
}

}  // namespace cgw::gw
