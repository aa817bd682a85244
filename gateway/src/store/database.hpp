// The store's shared database: connections, transactions and durability.
// Repositories (store/*_repository.hpp) each own one aggregate's rows; an
// operation that must change several aggregates at once opens one `Tx` here
// and passes it to each repository's `Tx&` functions (store/operations.hpp).
// A backend (store/sqlite/, store/postgres/) implements Database, Tx
// and every repository interface; callers see only these headers.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace cgw::gw {

// A failure a backend throws from inside the store. `unavailable()`: the
// database could not be reached (a lost connection, no pooled connection
// within the wait), which the API answers with 503 STORE_UNAVAILABLE
// rather than 500: the request may succeed once the database is back.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual bool unavailable() const { return false; }
};

// One open write transaction. Committed by commit(); destroyed without it,
// it rolls back. While a Tx is open its thread holds the backend's write
// lock (SQLite) or a pooled connection and row locks (PostgreSQL): keep the
// work inside short and never suspend a coroutine in it.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual void commit() = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  // Opens a write transaction (BEGIN IMMEDIATE on SQLite, BEGIN on a
  // pooled connection on PostgreSQL).
  virtual std::unique_ptr<Tx> begin() = 0;
  // True once every commit made so far is on disk (group commit; at once on
  // PostgreSQL, whose COMMIT returns once durable): await it
  // before acknowledging a change to a client or a carrier. False when the
  // flush failed (the change may not survive a power loss).
  virtual boost::asio::awaitable<bool> durable() = 0;
  // True once every commit made so far would survive the process being
  // killed (SQLite: its batch is committed to the WAL; at once on
  // PostgreSQL). Awaited before anything is sent out that a crash must not
  // contradict: a carrier call, a webhook, an answer to a read. False when
  // the store failed.
  virtual boost::asio::awaitable<bool> committed() { co_return true; }
  // Shutdown, once no I/O thread runs: every durability wait is answered
  // now and later waits answer at once.
  virtual void stop_group_commit() = 0;
  virtual int schema_version() = 0;
  // Whether the database answers now (/readyz). A cheap round trip on a
  // networked backend; an embedded one is always reachable once open.
  virtual bool reachable() { return true; }
  // Diagnostics for tests: rows the writer's statements have stepped
  // through in full scans (request paths must not scan a growing table),
  // and background WAL checkpoints done (0 where the backend has none).
  virtual int64_t writer_full_scan_steps() = 0;
  virtual uint64_t wal_checkpoints() const = 0;
};

// Runs `work(tx)` in one transaction and commits it unless `work` threw.
// `work` returns a value (or void); committing is the caller's choice when
// some outcomes must write nothing: then use begin() directly.
template <class F>
auto in_transaction(Database& db, F&& work) {
  auto tx = db.begin();
  if constexpr (std::is_void_v<decltype(work(*tx))>) {
    work(*tx);
    tx->commit();
  } else {
    auto result = work(*tx);
    tx->commit();
    return result;
  }
}

}  // namespace cgw::gw
