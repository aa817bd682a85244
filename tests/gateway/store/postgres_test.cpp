// The PostgreSQL backend's foundation against a real PostgreSQL 15
// (postgres_server.hpp): parameterized statements, the migrations under an
// advisory lock when instances start together, the pool's bounded wait and
// its recovery after a database restart.
#include "postgres_server.hpp"
#include "store/postgres/pg_pool.hpp"
#include "store/postgres/schema.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace cgw::gw;
using namespace cgw::gw::pg;

namespace {

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every test starts from an empty database.
    PgConnection c(server_->dsn());
    c.exec_simple("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  }
  // The executable's shared server (the store suite uses it too).
  in_process::PostgresServer* server_ = &in_process::shared_postgres();
};

TEST_F(PostgresTest, StatementsTakeParametersNeverSqlBuiltFromValues) {
  PgConnection c(server_->dsn());
  c.exec_simple("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT)");
  const std::string hostile = "x'); DROP TABLE t; --";
  c.exec("INSERT INTO t (k, n) VALUES ($1, $2)", {p(hostile), p(int64_t{42})});
  c.exec("INSERT INTO t (k, n) VALUES ($1, $2)", {p("null"), std::nullopt});
  auto r = c.exec("SELECT k, n FROM t WHERE k = $1", {p(hostile)});
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.str(0, 0), hostile);
  EXPECT_EQ(r.int64(0, 1), 42);
  EXPECT_FALSE(c.exec("SELECT n FROM t WHERE k = $1", {p("null")}).opt_int64(0, 0));
  // The same statement again runs prepared; a duplicate key is recognizable.
  try {
    c.exec("INSERT INTO t (k, n) VALUES ($1, $2)", {p(hostile), p(int64_t{1})});
    FAIL() << "a duplicate primary key was accepted";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.unique_violation()) << e.what();
    EXPECT_FALSE(e.connection_lost());
  }
}

TEST_F(PostgresTest, MigrationsRunOnceAndAgainIsANoOp) {
  PgConnection c(server_->dsn());
  EXPECT_EQ(schema_version(c), 0);
  EXPECT_EQ(migrate_schema(c), 0);
  EXPECT_EQ(schema_version(c), latest_schema_version());
  EXPECT_EQ(migrate_schema(c), latest_schema_version());
  auto r = c.exec("SELECT count(*) FROM cgw_schema");
  EXPECT_EQ(r.int64(0, 0), latest_schema_version());
  // The live-reservation rule is the database's: a second live claim of a
  // number fails whatever instance makes it.
  const std::string insert =
      "INSERT INTO reservations (id, tenant, carrier, msisdn, status, created_at, updated_at) "
      "VALUES ($1, 't', 'mobile', '13800000000', $2, 0, 0)";
  c.exec(insert, {p("r1"), p("held")});
  c.exec(insert, {p("r2"), p("released")});
  EXPECT_THROW(c.exec(insert, {p("r3"), p("pending")}), PgError);
}

TEST_F(PostgresTest, InstancesStartingTogetherMigrateOnce) {
  constexpr int kInstances = 4;
  std::vector<std::thread> starts;
  std::atomic<int> failures{0}, found_empty{0};
  for (int i = 0; i < kInstances; ++i)
    starts.emplace_back([&] {
      try {
        PgConnection c(server_->dsn());
        if (migrate_schema(c) == 0) ++found_empty;
      } catch (const PgError& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  for (auto& t : starts) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(found_empty, 1) << "exactly one instance applies the migrations";
  PgConnection c(server_->dsn());
  EXPECT_EQ(c.exec("SELECT count(*) FROM cgw_schema").int64(0, 0), latest_schema_version());
}

TEST_F(PostgresTest, ADatabaseNewerThanTheGatewayIsRefused) {
  PgConnection c(server_->dsn());
  migrate_schema(c);
  c.exec("INSERT INTO cgw_schema (version) VALUES ($1)", {p(int64_t{latest_schema_version() + 1})});
  try {
    migrate_schema(c);
    FAIL() << "a newer schema was accepted";
  } catch (const PgError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this gateway"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresTest, APoolWaitsBoundedlyForAFreeConnection) {
  PgPool pool(server_->dsn(), {2, std::chrono::milliseconds(300), std::chrono::milliseconds(50)});
  auto a = pool.acquire();
  auto b = pool.acquire();
  EXPECT_EQ(pool.open_connections(), 2u);
  const auto started = std::chrono::steady_clock::now();
  try {
    auto c = pool.acquire();
    FAIL() << "a third connection was lent by a pool of two";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.connection_lost());
    EXPECT_NE(std::string(e.what()).find("no database connection free"), std::string::npos)
        << e.what();
  }
  // Bounded, not a timing assertion: it did give up.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  { auto released = std::move(b); }
  auto c = pool.acquire();  // the returned one
  c->exec("SELECT 1");
  EXPECT_EQ(pool.open_connections(), 2u);
}

TEST_F(PostgresTest, ALeaseEndingInsideATransactionRollsItBack) {
  PgPool pool(server_->dsn(), {});
  {
    auto l = pool.acquire();
    l->exec_simple("CREATE TABLE t (k TEXT)");
  }
  {
    auto l = pool.acquire();
    l->exec_simple("BEGIN");
    l->exec("INSERT INTO t VALUES ($1)", {p("lost")});
  }
  auto l = pool.acquire();
  EXPECT_FALSE(l->in_transaction());
  EXPECT_EQ(l->exec("SELECT count(*) FROM t").int64(0, 0), 0);
}

TEST_F(PostgresTest, ThePoolRecoversAfterADatabaseRestart) {
  PgPool pool(server_->dsn(), {2, std::chrono::milliseconds(500), std::chrono::milliseconds(50)});
  pool.acquire()->exec("SELECT 1");
  ASSERT_EQ(server_->stop(), "");
  EXPECT_FALSE(pool.reachable());
  try {
    pool.acquire()->exec("SELECT 1");
    FAIL() << "a statement ran with the database down";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.connection_lost()) << e.what();
  }
  ASSERT_EQ(server_->start_again(), "");
  // No new pool: the broken connections are reset on their next use.
  EXPECT_TRUE(pool.reachable());
  pool.acquire()->exec("SELECT 1");
}

}  // namespace
