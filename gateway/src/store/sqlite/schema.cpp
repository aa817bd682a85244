// Versioned schema. Each migration runs once, in order, inside a
// transaction; PRAGMA user_version records how far a store has come.
// Never edit a shipped migration: append a new one.
#include "store/sqlite/sqlite_db.hpp"

#include <array>

namespace cgw::gw::sqlite {

namespace {
constexpr std::array<const char*, 8> kMigrations = {
    // 1: the walking skeleton's tables.
    R"sql(
CREATE TABLE numbers (
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  province TEXT NOT NULL,
  city TEXT NOT NULL,
  price_fen INTEGER NOT NULL,
  carrier_grade INTEGER,
  tag_bits INTEGER NOT NULL,
  carrier_status TEXT NOT NULL,       -- available | reserved | sold, as last synced
  local_hold INTEGER NOT NULL DEFAULT 0, -- 1 reserved, 2 sold through cgw: hidden at once
  sync_generation INTEGER NOT NULL,
  PRIMARY KEY (carrier, msisdn)
) WITHOUT ROWID;
CREATE INDEX numbers_by_msisdn ON numbers (msisdn, carrier);

CREATE TABLE carrier_sync (
  carrier TEXT PRIMARY KEY,
  last_sync_at INTEGER,
  generation INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE reservations (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  carrier_reservation_id TEXT,
  status TEXT NOT NULL,  -- pending | held | consumed | released | expired | failed
  expires_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- At most one live claim per number: the second reservation fails here.
CREATE UNIQUE INDEX reservations_live ON reservations (carrier, msisdn)
  WHERE status IN ('pending', 'held', 'consumed');

CREATE TABLE verifications (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  carrier TEXT NOT NULL,
  result TEXT NOT NULL,
  reasons TEXT NOT NULL,        -- JSON array
  id_number_sealed TEXT NOT NULL, -- AES-256-GCM, AAD = id
  name_sealed TEXT NOT NULL,
  id_number_hash TEXT NOT NULL, -- HMAC-SHA256, for equality lookups
  id_number_masked TEXT NOT NULL,
  name_masked TEXT NOT NULL,
  portrait_sha256 TEXT,
  carrier_ref TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE activations (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  plan_id TEXT NOT NULL,
  reservation_id TEXT NOT NULL UNIQUE,
  verification_id TEXT NOT NULL,
  delivery_sealed TEXT NOT NULL,
  status TEXT NOT NULL,
  carrier_order_id TEXT,
  failure_code TEXT,
  failure_message TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  next_poll_at INTEGER NOT NULL DEFAULT 0,
  poll_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activations_open ON activations (status) WHERE status IN ('pending', 'submitted', 'unknown');

CREATE TABLE activation_history (
  activation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  at INTEGER NOT NULL,
  cause TEXT NOT NULL,
  PRIMARY KEY (activation_id, seq)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, key)
) WITHOUT ROWID;

CREATE TABLE callback_events (
  carrier TEXT NOT NULL,
  event_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (carrier, event_id)
) WITHOUT ROWID;
)sql",
    // 2: submit attempts (a restart treats an interrupted submit as
    // `unknown`), the webhook outbox and its delivery attempts.
    R"sql(
ALTER TABLE activations ADD COLUMN submit_attempts INTEGER NOT NULL DEFAULT 0;

CREATE TABLE webhook_outbox (
  id TEXT PRIMARY KEY,           -- the event id (webhook-id header)
  tenant TEXT NOT NULL,
  activation_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,         -- the exact body delivered, signed as is
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,          -- pending | delivered | failed (gave up)
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_outbox_by_activation ON webhook_outbox (activation_id, created_at);

CREATE TABLE webhook_attempts (
  event_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  http_status INTEGER NOT NULL,  -- 0: no HTTP answer
  error TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (event_id, seq)
) WITHOUT ROWID;
)sql",
    // 3: each number's host network (MVNO numbers run on several).
    R"sql(
ALTER TABLE numbers ADD COLUMN host_network TEXT;  -- NULL: the carrier's own
)sql",
    // 4: search moved to the in-memory index (number_index.hpp), so the
    // second number index only slowed sync writes; incremental sync keeps
    // the carrier's change position.
    R"sql(
DROP INDEX numbers_by_msisdn;
ALTER TABLE carrier_sync ADD COLUMN change_cursor TEXT;   -- NULL: no change feed
ALTER TABLE carrier_sync ADD COLUMN last_change_at INTEGER; -- last good incremental sync
)sql",
    // 5: carrier locks are never left behind. A reservation the gateway ends
    // while the carrier may still hold its lock is `releasing` until the
    // release is confirmed (a durable queue: next_release_at); a reservation
    // interrupted by a crash stays `pending` for a retry of its
    // Idempotency-Key to adopt, and is recovered at next_release_at.
    // `releasing` still claims the number, so the live index is rebuilt.
    R"sql(
ALTER TABLE reservations ADD COLUMN idempotency_key TEXT;      -- of the creating request
ALTER TABLE reservations ADD COLUMN carrier_expires_at INTEGER; -- the lock's expiry as the carrier said
ALTER TABLE reservations ADD COLUMN release_to TEXT;           -- status once the lock is released
ALTER TABLE reservations ADD COLUMN release_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN next_release_at INTEGER;   -- due: release (releasing), recovery (pending)
ALTER TABLE reservations ADD COLUMN release_error TEXT;        -- the last failed attempt's error
DROP INDEX reservations_live;
CREATE UNIQUE INDEX reservations_live ON reservations (carrier, msisdn)
  WHERE status IN ('pending', 'held', 'consumed', 'releasing');
CREATE INDEX reservations_release_due ON reservations (next_release_at)
  WHERE next_release_at IS NOT NULL;
)sql",
    // 6: the plugin's opaque per-order data (docs/sdk.md 10.6), kept with
    // the activation so that it survives a restart.
    R"sql(
ALTER TABLE activations ADD COLUMN plugin_data TEXT NOT NULL DEFAULT '';
)sql",
    // 7: subscriber services (docs/after-sales.md): the numbers a tenant
    // sold are found by number; top-ups, each under its tenant's
    // Idempotency-Key and written `submitting` before the carrier is
    // called; SIM replacement orders with their history.
    R"sql(
CREATE INDEX activations_by_msisdn ON activations (msisdn, tenant);
CREATE TABLE recharges (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  status TEXT NOT NULL,            -- submitting | succeeded | failed
  carrier_recharge_id TEXT NOT NULL DEFAULT '',
  failure_reason TEXT NOT NULL DEFAULT '',
  balance_fen INTEGER,             -- after the top-up, when the carrier said
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX recharges_by_key ON recharges (tenant, idempotency_key);
CREATE INDEX recharges_submitting ON recharges (updated_at) WHERE status = 'submitting';
CREATE TABLE sim_replacements (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  activation_id TEXT NOT NULL,     -- the sale that makes the number the tenant's
  reason TEXT NOT NULL,            -- lost | damaged
  status TEXT NOT NULL,            -- an activation status
  carrier_order_id TEXT NOT NULL DEFAULT '',
  plugin_data TEXT NOT NULL DEFAULT '',
  failure_code TEXT NOT NULL DEFAULT '',
  failure_message TEXT NOT NULL DEFAULT '',
  courier TEXT NOT NULL DEFAULT '',
  waybill TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX sim_replacements_by_key ON sim_replacements (tenant, idempotency_key);
CREATE INDEX sim_replacements_open ON sim_replacements (status)
  WHERE status IN ('pending', 'unknown', 'submitted', 'reviewing', 'shipped', 'delivered');
CREATE TABLE sim_replacement_history (
  replacement_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  at INTEGER NOT NULL,
  cause TEXT NOT NULL,
  PRIMARY KEY (replacement_id, seq)
) WITHOUT ROWID;
)sql",
    // 8: the fulfilment lifecycle (docs/after-sales.md): the engine drives
    // orders through reviewing, shipped and delivered too, so the open
    // index takes them; a history line keeps what came with its move.
    R"sql(
DROP INDEX activations_open;
CREATE INDEX activations_open ON activations (status)
  WHERE status IN ('pending', 'submitted', 'unknown', 'reviewing', 'shipped', 'delivered');
ALTER TABLE activation_history ADD COLUMN detail TEXT; -- JSON: courier, waybill, amount_fen
)sql",
};
}  // namespace

int schema_version_of(db::Connection& c) {
  db::Stmt s(c, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.integer(0));
}

void migrate_schema(db::Connection& c) {
  const int version = schema_version_of(c);
  for (size_t i = static_cast<size_t>(version); i < kMigrations.size(); ++i) {
    db::Transaction tx(c);
    c.exec(kMigrations[i]);
    c.exec(("PRAGMA user_version = " + std::to_string(i + 1)).c_str());
    tx.commit();
  }
}

}  // namespace cgw::gw::sqlite
