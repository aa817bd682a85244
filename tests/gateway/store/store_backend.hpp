// One store test, every backend: a value-parameterized fixture whose
// parameter names the backend. Each test gets an empty store of its own:
// SQLite in a fresh temporary directory, PostgreSQL in a fresh schema of
// the one server its executable starts on first use (postgres_server.hpp;
// the executable is one ctest test, tests/gateway/CMakeLists.txt).
#pragma once

#include "postgres_server.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/store_harness.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>

namespace cgw::gw {

enum class StoreBackend { kSqlite, kPostgres };

inline void PrintTo(StoreBackend b, std::ostream* os) {
  *os << (b == StoreBackend::kSqlite ? "sqlite" : "postgres");
}

inline std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "sqlite" : "postgres";
}

using in_process::shared_postgres;

class BackendStoreTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (GetParam() == StoreBackend::kSqlite) {
      std::string name = test;
      for (auto& ch : name)
        if (ch == '/') ch = '_';
      dir_ = std::filesystem::temp_directory_path() /
             ("cgw_store_test_" + std::to_string(::getpid()) + "_" + name);
      std::filesystem::remove_all(dir_);
    } else {
      static std::atomic<int> next{0};
      schema_ = "t" + std::to_string(++next);
      pg::PgConnection c(shared_postgres().dsn());
      c.exec_simple("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE; CREATE SCHEMA " + schema_);
    }
    store_ = make_store();
    ASSERT_EQ(store_->open(), "");
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Another store on the same data: a reopened SQLite file, or (for
  // PostgreSQL) a second gateway instance on the same database.
  std::unique_ptr<StoreHarness> make_store() const {
    PiiCipher pii(std::string(32, 'k'));
    if (GetParam() == StoreBackend::kSqlite)
      return std::make_unique<StoreHarness>(dir_ / "cgw.db", std::move(pii));
    return StoreHarness::postgres(dsn(), std::move(pii));
  }
  std::string dsn() const {
    return shared_postgres().dsn() + " options='-csearch_path=" + schema_ + "'";
  }

  // Every stored byte as text: the SQLite files (database and WAL), or
  // every row of every PostgreSQL table of the test's schema.
  std::string stored_bytes() const {
    std::string all;
    if (GetParam() == StoreBackend::kSqlite) {
      for (const auto& f : std::filesystem::directory_iterator(dir_)) {
        std::ifstream in(f.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        all += ss.str();
      }
      return all;
    }
    pg::PgConnection c(dsn());
    auto tables = c.exec(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        {pg::p(schema_)});
    for (int i = 0; i < tables.rows(); ++i) {
      auto rows = c.exec("SELECT t::text FROM " + schema_ + "." + tables.str(i, 0) + " t");
      for (int j = 0; j < rows.rows(); ++j) all += tables.str(i, 0) + ": " + rows.str(j, 0) + "\n";
    }
    return all;
  }

  // A held reservation and a passed verification of carrier "mobile".
  std::pair<std::string, std::string> ready_to_activate(const std::string& msisdn) {
    auto r = store_->begin_reservation("t1", "mobile", msisdn, 1000);
    EXPECT_TRUE(r);
    store_->hold_reservation(r->id, "L1", 1'000'000, 1000);
    cgw::KycVerifyOutput out{cgw::KycResult::passed, {}, "V1"};
    auto v =
        store_->save_verification("t1", "mobile", {"张三", "11010519491231002X", {}}, out, 1000);
    return {r->id, v.id};
  }
  NewActivation request(const std::string& res, const std::string& ver, std::string key = "k1") {
    NewActivation a;
    a.tenant = "t1";
    a.idempotency_key = std::move(key);
    a.request_hash = "h1";
    a.reservation_id = res;
    a.verification_id = ver;
    a.plan_id = "P1";
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    return a;
  }
  // A new activation of `msisdn` (pending), its id.
  std::string new_activation(const std::string& msisdn) {
    auto [res, ver] = ready_to_activate(msisdn);
    auto created = store_->create_activation(request(res, ver), 2000);
    EXPECT_TRUE(created);
    return std::get<Activation>(created.value()).id;
  }

  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<StoreHarness> store_;
};

}  // namespace cgw::gw
