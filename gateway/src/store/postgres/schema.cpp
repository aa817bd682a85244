// The PostgreSQL schema, versioned like the SQLite one (store/sqlite/
// schema.cpp) but starting from its current shape: migration 1 is SQLite's
// migrations 1-5 in one. Never edit a shipped migration: append a new one.
//
// Several instances may start together against one database: migrations
// run under a session advisory lock, so exactly one instance applies them
// and the others wait, then find nothing left to do.
#include "store/postgres/schema.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace cgw::gw::pg {

namespace {

// The advisory lock key: any constant that no other application on the
// same database uses ("cgw-migr" as ASCII).
constexpr int64_t kMigrationLock = 0x6367772d6d696772;

// Statuses in partial indexes are literals: DDL takes no parameters. They
// are the values of core/reservation_status.hpp and activation_status.hpp,
// and the store suite runs against this schema.
constexpr std::array<const char*, 6> kMigrations = {
    R"sql(
CREATE TABLE numbers (
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  province TEXT NOT NULL,
  city TEXT NOT NULL,
  price_fen BIGINT NOT NULL,
  carrier_grade BIGINT,
  tag_bits BIGINT NOT NULL,
  carrier_status TEXT NOT NULL,
  local_hold INTEGER NOT NULL DEFAULT 0,
  sync_generation BIGINT NOT NULL,
  host_network TEXT,
  PRIMARY KEY (carrier, msisdn)
);

CREATE TABLE carrier_sync (
  carrier TEXT PRIMARY KEY,
  last_sync_at BIGINT,
  generation BIGINT NOT NULL DEFAULT 0,
  change_cursor TEXT,
  last_change_at BIGINT
);

CREATE TABLE reservations (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  carrier_reservation_id TEXT,
  status TEXT NOT NULL,
  expires_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  idempotency_key TEXT,
  carrier_expires_at BIGINT,
  release_to TEXT,
  release_attempts BIGINT NOT NULL DEFAULT 0,
  next_release_at BIGINT,
  release_error TEXT
);
-- At most one live claim per number, across every instance: the second
-- reservation fails here, whatever instance made it.
CREATE UNIQUE INDEX reservations_live ON reservations (carrier, msisdn)
  WHERE status IN ('pending', 'held', 'consumed', 'releasing');
CREATE INDEX reservations_release_due ON reservations (next_release_at)
  WHERE next_release_at IS NOT NULL;

CREATE TABLE verifications (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  carrier TEXT NOT NULL,
  result TEXT NOT NULL,
  reasons TEXT NOT NULL,
  id_number_sealed TEXT NOT NULL,
  name_sealed TEXT NOT NULL,
  id_number_hash TEXT NOT NULL,
  id_number_masked TEXT NOT NULL,
  name_masked TEXT NOT NULL,
  portrait_sha256 TEXT,
  carrier_ref TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX verifications_by_id_number ON verifications (id_number_hash);

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
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  next_poll_at BIGINT NOT NULL DEFAULT 0,
  poll_count BIGINT NOT NULL DEFAULT 0,
  submit_attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX activations_open ON activations (status)
  WHERE status IN ('pending', 'submitted', 'unknown');

CREATE TABLE activation_history (
  activation_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  status TEXT NOT NULL,
  at BIGINT NOT NULL,
  cause TEXT NOT NULL,
  PRIMARY KEY (activation_id, seq)
);

CREATE TABLE idempotency_keys (
  tenant TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, key)
);

CREATE TABLE callback_events (
  carrier TEXT NOT NULL,
  event_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (carrier, event_id)
);

CREATE TABLE webhook_outbox (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  activation_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,  -- due time; while leased, the lease's end
  delivered_at BIGINT,
  seq BIGSERIAL  -- insertion order (SQLite's rowid) for events_for
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_outbox_by_activation ON webhook_outbox (activation_id, created_at);

CREATE TABLE webhook_attempts (
  event_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  at BIGINT NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  duration_ms BIGINT NOT NULL,
  PRIMARY KEY (event_id, seq)
);
)sql",
    // 2: the plugin's opaque per-order data (docs/sdk.md 10.6), kept with
    // the activation so that it survives a restart (SQLite's migration 6).
    R"sql(
ALTER TABLE activations ADD COLUMN plugin_data TEXT NOT NULL DEFAULT '';
)sql",
    // 3: instances that share the database, named leases for background
    // work, and the instance that made each row a crash can leave mid-way
    // (store/fleet_repository.hpp). Times are the database's (now()): the
    // instances' clocks may disagree. Rows from before this migration have
    // owner '', which no live instance has: they are recovered like a dead
    // instance's.
    R"sql(
CREATE TABLE cgw_instances (
  id TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- since when the heartbeat has been renewed without a gap of a ttl
  alive_since TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE cgw_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  acquired_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE activations ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE reservations ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX activations_open_by_owner ON activations (owner)
  WHERE status IN ('pending', 'submitted', 'unknown');
CREATE INDEX idempotency_keys_in_flight ON idempotency_keys (owner) WHERE http_status = 0;
CREATE INDEX reservations_pending_by_owner ON reservations (owner) WHERE status = 'pending';
)sql",
    // 4: the change feed of local holds (store/hold_feed.hpp): a trigger
    // writes one row per change of numbers.local_hold, in the transaction
    // that changes it, so no path that reserves, releases, expires, fails
    // or sells a number can miss it and a rolled-back change never shows.
    // `at` is the database's clock, for pruning; `number_changes_pruned`
    // keeps the highest seq deleted, so a reader that had not read it knows
    // it must rebuild its index.
    R"sql(
CREATE TABLE number_changes (
  seq BIGSERIAL PRIMARY KEY,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('hold', 'unhold')),
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX number_changes_at ON number_changes (at);
CREATE TABLE number_changes_pruned (
  one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  through BIGINT NOT NULL
);
INSERT INTO number_changes_pruned (through) VALUES (0);
CREATE FUNCTION cgw_number_hold_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO number_changes (carrier, msisdn, kind)
    VALUES (NEW.carrier, NEW.msisdn, CASE WHEN NEW.local_hold <> 0 THEN 'hold' ELSE 'unhold' END);
  RETURN NULL;
END
$$;
CREATE TRIGGER numbers_hold_changed AFTER UPDATE OF local_hold ON numbers
  FOR EACH ROW WHEN (OLD.local_hold IS DISTINCT FROM NEW.local_hold)
  EXECUTE FUNCTION cgw_number_hold_changed();
)sql",
    // 5: subscriber services (docs/after-sales.md): the numbers a tenant
    // sold are found by number; top-ups, each under its tenant's
    // Idempotency-Key and written `submitting` before the carrier is
    // called (SQLite's migration 7); SIM replacement orders with their history.
    R"sql(
CREATE INDEX activations_by_msisdn ON activations (msisdn, tenant);
CREATE TABLE recharges (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  carrier TEXT NOT NULL,
  msisdn TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  status TEXT NOT NULL,            -- submitting | succeeded | failed
  carrier_recharge_id TEXT NOT NULL DEFAULT '',
  failure_reason TEXT NOT NULL DEFAULT '',
  balance_fen BIGINT,             -- after the top-up, when the carrier said
  attempts BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
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
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sim_replacements_by_key ON sim_replacements (tenant, idempotency_key);
CREATE INDEX sim_replacements_open ON sim_replacements (status)
  WHERE status IN ('pending', 'unknown', 'submitted', 'reviewing', 'shipped', 'delivered');
CREATE TABLE sim_replacement_history (
  replacement_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  status TEXT NOT NULL,
  at BIGINT NOT NULL,
  cause TEXT NOT NULL,
  PRIMARY KEY (replacement_id, seq)
);
)sql",
    // 6: the fulfilment lifecycle (docs/after-sales.md): the engine drives
    // orders through reviewing, shipped and delivered too, so the open
    // indexes take them; a history line keeps what came with its move.
    R"sql(
DROP INDEX activations_open;
CREATE INDEX activations_open ON activations (status)
  WHERE status IN ('pending', 'submitted', 'unknown', 'reviewing', 'shipped', 'delivered');
DROP INDEX activations_open_by_owner;
CREATE INDEX activations_open_by_owner ON activations (owner)
  WHERE status IN ('pending', 'submitted', 'unknown', 'reviewing', 'shipped', 'delivered');
ALTER TABLE activation_history ADD COLUMN detail TEXT; -- JSON: courier, waybill, amount_fen
)sql",
};

int read_version(PgConnection& c) {
  c.exec_simple("CREATE TABLE IF NOT EXISTS cgw_schema (version INTEGER NOT NULL)");
  auto r = c.exec("SELECT max(version) FROM cgw_schema");
  return static_cast<int>(r.opt_int64(0, 0).value_or(0));
}

}  // namespace

int latest_schema_version() {
  return static_cast<int>(kMigrations.size());
}

int schema_version(PgConnection& c) {
  return read_version(c);
}

int migrate_schema(PgConnection& c) {
  c.exec("SELECT pg_advisory_lock($1)", {p(kMigrationLock)});
  struct Unlock {
    PgConnection& c;
    ~Unlock() {
      try {
        c.exec("SELECT pg_advisory_unlock($1)", {p(kMigrationLock)});
      } catch (const PgError&) {
        // The session ends with the connection, and the lock with it.
      }
    }
  } unlock{c};
  const int from = read_version(c);
  if (from > latest_schema_version())
    throw PgError("the database schema is version " + std::to_string(from) +
                      ", newer than this gateway knows (" +
                      std::to_string(latest_schema_version()) + "): run a newer cgw-gateway",
                  "", false);
  for (int v = from; v < latest_schema_version(); ++v) {
    c.exec_simple("BEGIN");
    try {
      c.exec_simple(kMigrations[static_cast<size_t>(v)]);
      c.exec("INSERT INTO cgw_schema (version) VALUES ($1)", {p(int64_t{v + 1})});
      c.exec_simple("COMMIT");
    } catch (...) {
      if (c.ok()) c.exec_simple("ROLLBACK");
      throw;
    }
    spdlog::info("store: PostgreSQL schema migrated to version {}", v + 1);
  }
  return from;
}

}  // namespace cgw::gw::pg
