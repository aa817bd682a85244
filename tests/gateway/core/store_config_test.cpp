// store: the SQLite default, `kind: postgres` with its DSN as a secret
// reference, and the precise errors of a store section that does not fit.
#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using cgw::gw::parse_config;
using cgw::gw::StoreKind;

namespace {

std::string with_store(const std::string& store) {
  return store +
         "security:\n  pii_key: {env: CGW_TEST_PII_KEY}\n"
         "tenants:\n  - id: t1\n    api_keys:\n      - sha256: "
         "2f5d635229ee255a2b6a13a61692b639cb1da5d0905641a8a611b1430ab84123\n"
         "carriers:\n  - id: mobile\n    plugin: /x/cgw_mobile.so\n    base_url: "
         "http://127.0.0.1:1\n";
}

class StoreConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("CGW_TEST_PII_KEY", std::string(64, 'a').c_str(), 1);
    setenv("CGW_TEST_PG_DSN", "host=/tmp/pg dbname=cgw user=cgw", 1);
  }
  std::string error_of(const std::string& store) {
    auto r = parse_config(with_store(store), "/c/g.yaml");
    return r.ok() ? "" : r.error().message;
  }
};

TEST_F(StoreConfigTest, SqliteIsTheDefault) {
  auto r = parse_config(with_store("store: {path: data/x.db}\n"), "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->store_kind, StoreKind::kSqlite);
  EXPECT_EQ(r->store_path, std::filesystem::path("/c/data/x.db"));
  auto k = parse_config(with_store("store: {kind: sqlite}\n"), "/c/g.yaml");
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->store_path, std::filesystem::path("/c/var/cgw.db"));
}

TEST_F(StoreConfigTest, PostgresTakesItsDsnFromAReference) {
  auto r = parse_config(with_store("store:\n  kind: postgres\n  dsn: {env: CGW_TEST_PG_DSN}\n"
                                   "  pool_size: 4\n  pool_wait_ms: 750\n"),
                        "/c/g.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->store_kind, StoreKind::kPostgres);
  EXPECT_EQ(r->store_dsn, "host=/tmp/pg dbname=cgw user=cgw");
  EXPECT_EQ(r->store_pool_size, 4);
  EXPECT_EQ(r->store_pool_wait.count(), 750);
}

TEST_F(StoreConfigTest, MisfitStoreSectionsNameTheKey) {
  EXPECT_EQ(error_of("store: {kind: mysql}\n"),
            "/c/g.yaml:1: store.kind must be sqlite or postgres, not 'mysql'");
  EXPECT_EQ(error_of("store: {kind: postgres}\n"),
            "/c/g.yaml:1: store.dsn is required for kind postgres (a {file:} or {env:})");
  // A DSN may hold a password: never a plain value in the file.
  EXPECT_EQ(error_of("store: {kind: postgres, dsn: \"host=db password=x\"}\n"),
            "/c/g.yaml:1: store.dsn must be a {file:} or {env:} reference: it may hold a "
            "password");
  EXPECT_EQ(error_of("store: {kind: postgres, dsn: {env: CGW_TEST_PG_DSN}, path: x.db}\n"),
            "/c/g.yaml:1: store.path is for kind sqlite (postgres takes store.dsn)");
  EXPECT_EQ(error_of("store: {path: x.db, dsn: {env: CGW_TEST_PG_DSN}}\n"),
            "/c/g.yaml:1: store.dsn is for kind postgres");
  EXPECT_NE(
      error_of("store: {kind: postgres, dsn: {env: CGW_TEST_NO_SUCH_VAR}}\n").find("store.dsn: "),
      std::string::npos);
  EXPECT_NE(error_of("store: {kind: postgres, dsn: {env: CGW_TEST_PG_DSN}, pool_size: 0}\n")
                .find("store.pool_size must be positive"),
            std::string::npos);
}

}  // namespace
