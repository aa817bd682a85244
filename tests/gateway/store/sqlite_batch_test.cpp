// The SQLite store's batches (store/sqlite/database.hpp): each write is a
// savepoint in one open transaction that the group commit thread commits.
// A write that rolls back takes nothing else with it, every read sees every
// write before it, and committed()/durable() mean what they say for another
// connection.
#include "store/sqlite/database.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <filesystem>
#include <stdexcept>

using namespace cgw::gw;
namespace asio = boost::asio;

namespace {

class SqliteBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cgw_sqlite_batch_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    db_ = std::make_unique<sqlite::SqliteDatabase>(dir_ / "cgw.db");
    ASSERT_TRUE(db_->open().ok());
    db_->write([](db::Connection& c) { c.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)"); });
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void insert(int x) {
    db_->write(
        [x](db::Connection& c) { db::Stmt(c, "INSERT INTO t VALUES (?)").bind(1, x).run(); });
  }
  int64_t count_in_store() {
    return db_->read([](db::Connection& c) {
      db::Stmt s(c, "SELECT count(*) FROM t");
      s.step();
      return s.integer(0);
    });
  }
  // What a connection of its own sees: committed writes only.
  int64_t count_elsewhere() {
    db::Connection other((dir_ / "cgw.db").string(), true);
    db::Stmt s(other, "SELECT count(*) FROM t");
    s.step();
    return s.integer(0);
  }
  bool await(asio::awaitable<bool> (sqlite::SqliteDatabase::*wait)()) {
    asio::io_context ioc;
    auto f = asio::co_spawn(ioc, (db_.get()->*wait)(), asio::use_future);
    ioc.run();
    return f.get();
  }

  std::filesystem::path dir_;
  std::unique_ptr<sqlite::SqliteDatabase> db_;
};

}  // namespace

TEST_F(SqliteBatchTest, ARolledBackWriteTakesNothingElseWithIt) {
  insert(1);
  {
    auto tx = db_->begin();
    db::Stmt(db_->conn(*tx), "INSERT INTO t VALUES (2)").run();
    // Destroyed without commit(): rolled back to its own savepoint.
  }
  EXPECT_THROW(db_->write([](db::Connection& c) {
    db::Stmt(c, "INSERT INTO t VALUES (4)").run();
    throw std::runtime_error("refused half way");
  }),
               std::runtime_error);
  insert(3);
  EXPECT_EQ(count_in_store(), 2);
  ASSERT_TRUE(await(&sqlite::SqliteDatabase::durable));
  EXPECT_EQ(count_elsewhere(), 2);
  const auto kept = db_->read([](db::Connection& c) {
    db::Stmt s(c, "SELECT group_concat(x) FROM (SELECT x FROM t ORDER BY x)");
    s.step();
    return s.text(0);
  });
  EXPECT_EQ(kept, "1,3");
}

// Whether or not the batch has been committed when the read runs, it sees
// the write made just before it.
TEST_F(SqliteBatchTest, EveryReadSeesTheWritesBeforeIt) {
  for (int i = 1; i <= 500; ++i) {
    insert(i);
    ASSERT_EQ(count_in_store(), i);
  }
}

// committed(): another connection (another process after a crash) sees the
// writes made before it.
TEST_F(SqliteBatchTest, CommittedWritesAreSeenByOtherConnections) {
  for (int i = 1; i <= 20; ++i) {
    insert(i);
    ASSERT_TRUE(await(&sqlite::SqliteDatabase::committed));
    ASSERT_EQ(count_elsewhere(), i);
  }
}

// After the group commit thread stopped (shutdown), each write commits at once.
TEST_F(SqliteBatchTest, WritesAfterTheStopCommitAtOnce) {
  db_->stop_group_commit();
  insert(1);
  EXPECT_EQ(count_elsewhere(), 1);
}
