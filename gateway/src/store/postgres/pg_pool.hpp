// A bounded pool of PostgreSQL connections shared by every repository of
// one gateway instance. A caller waits at most `wait` for a free
// connection; when none comes (the database is down or every connection is
// busy) it gets a PgError with connection_lost() set, which the API answers
// with 503 STORE_UNAVAILABLE. A connection the server dropped is reset on
// its next use, so a database restart needs no gateway restart.
#pragma once

#include "store/postgres/pg_connection.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::gw::pg {

struct PoolOptions {
  size_t size = 16;                                  // connections at most
  std::chrono::milliseconds wait{2000};              // for a free connection
  std::chrono::milliseconds reconnect_backoff{500};  // between failed connects
};

class PgPool {
 public:
  PgPool(std::string dsn, PoolOptions options);
  ~PgPool();

  // A connection lent until the Lease ends. A lease that ends inside a
  // transaction (an exception between BEGIN and COMMIT) rolls it back; a
  // broken connection is dropped, not returned.
  class Lease {
   public:
    Lease(PgPool& pool, std::unique_ptr<PgConnection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };
  Lease acquire();
  // For /readyz: a trivial statement on a pooled connection.
  bool reachable();
  size_t open_connections() const;

 private:
  void give_back(std::unique_ptr<PgConnection> conn);
  const std::string dsn_;
  const PoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_ = 0;  // idle + lent
};

}  // namespace cgw::gw::pg
