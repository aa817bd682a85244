// The subscriber services' SQL terms (store/subscriber_sql.hpp) against the
// partial indexes of SQLite migration 7: each index has exactly the term
// its queries build, and SQLite's plans use the indexes (a request path
// must not scan the activations or the top-ups).
#include "store/subscriber_sql.hpp"
#include "store/sqlite/open.hpp"
#include "store/sqlite/sqlite_db.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

using namespace cgw::gw;

namespace {

class SubscriberSql : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cgw_subscriber_sql_" + std::to_string(::getpid()));
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
  std::string index_sql(const std::string& name) {
    db::Stmt s(*conn_, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?");
    s.bind(1, name);
    return s.step() ? s.text(0) : std::string();
  }
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

TEST_F(SubscriberSql, TermsAreBuiltFromTheConstants) {
  EXPECT_EQ(submitting_recharge_term(), "status = 'submitting'");
  EXPECT_EQ(open_replacement_term(),
            "status IN ('pending', 'unknown', 'submitted', 'reviewing', 'shipped', 'delivered')");
  EXPECT_EQ(sold_activation_term(), "status IN ('activated', 'first_topup')");
}

TEST_F(SubscriberSql, ThePartialIndexesHaveTheTermsTheQueriesBuild) {
  EXPECT_NE(index_sql("recharges_submitting").find("WHERE " + submitting_recharge_term()),
            std::string::npos)
      << index_sql("recharges_submitting");
  EXPECT_NE(index_sql("sim_replacements_open").find("WHERE " + open_replacement_term()),
            std::string::npos)
      << index_sql("sim_replacements_open");
}

TEST_F(SubscriberSql, QueriesUseTheirIndexes) {
  EXPECT_NE(plan("SELECT id FROM recharges WHERE " + submitting_recharge_term() +
                 " AND updated_at <= 5 ORDER BY updated_at")
                .find("recharges_submitting"),
            std::string::npos);
  EXPECT_NE(plan("SELECT id FROM sim_replacements WHERE " + open_replacement_term())
                .find("sim_replacements_open"),
            std::string::npos);
  EXPECT_NE(plan("SELECT id FROM activations WHERE msisdn = '13800138000' AND tenant = 't' AND " +
                 sold_activation_term())
                .find("activations_by_msisdn"),
            std::string::npos);
  EXPECT_NE(plan("SELECT id FROM recharges WHERE tenant = 't' AND idempotency_key = 'k'")
                .find("recharges_by_key"),
            std::string::npos);
}
