// The store writes statuses into its SQL from the constants of
// core/*_status.hpp (store/status_sql.hpp), while the shipped
// migrations keep the literals they were written with. The partial indexes
// those migrations create must have exactly the conditions the queries
// build, or SQLite stops using them: checked on a freshly migrated store.
#include "store/status_sql.hpp"
#include "store/sqlite/open.hpp"
#include "store/sqlite/sqlite_db.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

using namespace cgw::gw;

namespace {

class StatusSql : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("cgw_status_sql_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store =
        open_sqlite_store(dir_ / "cgw.db", std::make_shared<const PiiCipher>(std::string(32, 'k')));
    ASSERT_TRUE(store.ok()) << store.error().message;
    conn_ = std::make_unique<db::Connection>((dir_ / "cgw.db").string(), true);
  }
  void TearDown() override {
    conn_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The CREATE statement of index `name`, as the migrations wrote it.
  std::string index_sql(const std::string& name) {
    db::Stmt s(*conn_, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?");
    s.bind(1, name);
    return s.step() ? s.text(0) : std::string();
  }
  // What SQLite's plan for `sql` says it uses.
  std::string plan(const std::string& sql) {
    db::Stmt s(*conn_, "EXPLAIN QUERY PLAN " + sql);
    std::string out;
    while (s.step()) out += s.text(3) + "\n";
    return out;
  }
  std::filesystem::path dir_;
  std::unique_ptr<db::Connection> conn_;
};

}  // namespace

TEST_F(StatusSql, TermsAreBuiltFromTheConstants) {
  EXPECT_EQ(live_reservation_term(), "status IN ('pending', 'held', 'consumed', 'releasing')");
  EXPECT_EQ(open_activation_term(),
            "status IN ('pending', 'submitted', 'unknown', 'reviewing', 'shipped', 'delivered')");
  EXPECT_EQ(due_event_term(), "status = 'pending'");
  EXPECT_EQ(sql_literal("it's"), "'it''s'");
}

TEST_F(StatusSql, ThePartialIndexesHaveTheTermsTheQueriesBuild) {
  EXPECT_NE(index_sql("reservations_live").find("WHERE " + live_reservation_term()),
            std::string::npos)
      << index_sql("reservations_live");
  EXPECT_NE(index_sql("activations_open").find("WHERE " + open_activation_term()),
            std::string::npos)
      << index_sql("activations_open");
  EXPECT_NE(index_sql("webhook_outbox_due").find("WHERE " + due_event_term()), std::string::npos)
      << index_sql("webhook_outbox_due");
}

TEST_F(StatusSql, QueriesWithTheTermsUseThePartialIndexes) {
  EXPECT_NE(
      plan("SELECT id FROM activations WHERE " + open_activation_term()).find("activations_open"),
      std::string::npos);
  EXPECT_NE(
      plan("SELECT id FROM webhook_outbox WHERE " + due_event_term() + " AND next_attempt_at <= 5")
          .find("webhook_outbox_due"),
      std::string::npos);
  EXPECT_NE(plan("SELECT id FROM reservations WHERE carrier = 'c' AND msisdn = 'm' AND " +
                 live_reservation_term())
                .find("reservations_live"),
            std::string::npos);
}
