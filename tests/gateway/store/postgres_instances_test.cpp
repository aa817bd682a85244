// The PostgreSQL backend's guarantees across gateway instances: two stores
// on one database (two instances) racing for one number, one
// Idempotency-Key, one reservation's activation and the webhook outbox;
// and a database restart under a running store.
#include "store/store_backend.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace cgw::gw;

namespace {

class PostgresInstancesTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    BackendStoreTest::SetUp();
    other_ = make_store();
    ASSERT_EQ(other_->open(), "");
  }
  void TearDown() override {
    other_.reset();
    BackendStoreTest::TearDown();
  }
  // Whether a backend of this database waits for a lock: the second
  // instance's statement is queued behind the first's transaction.
  bool someone_waits_for_a_lock() {
    pg::PgConnection c(shared_postgres().dsn());
    return c.exec("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
               .int64(0, 0) > 0;
  }
  std::unique_ptr<StoreHarness> other_;  // a second instance on the same database
};

TEST_P(PostgresInstancesTest, OneNumberReservedFromTwoInstancesHasOneWinner) {
  for (int n = 0; n < 20; ++n) {
    const std::string msisdn = "138000010" + std::to_string(10 + n);
    std::atomic<int> wins{0}, refused{0};
    auto claim = [&](StoreHarness& s, const std::string& tenant) {
      auto r = s.begin_reservation(tenant, "mobile", msisdn, 1000);
      if (r)
        ++wins;
      else if (r.error().code == "NUMBER_UNAVAILABLE")
        ++refused;
    };
    std::thread a([&] { claim(*store_, "t1"); });
    std::thread b([&] { claim(*other_, "t2"); });
    a.join();
    b.join();
    EXPECT_EQ(wins.load(), 1) << msisdn;
    EXPECT_EQ(refused.load(), 1) << msisdn;
  }
}

// Instance A has claimed the key and not committed yet; instance B's claim
// of the same key waits for A, then finds the request in flight (the API's
// 409 IDEMPOTENCY_KEY_IN_USE) instead of running it a second time.
TEST_P(PostgresInstancesTest, OneIdempotencyKeyOnTwoInstancesRunsOnce) {
  auto& a = store_->repos;
  auto tx = a.db->begin();
  ASSERT_EQ(a.idempotency->claim(*tx, "t1", "key-1", "h1", 1000, 60'000).kind, KeyClaim::kNew);
  KeyClaim::Kind seen_by_b = KeyClaim::kNew;
  std::thread b([&] { seen_by_b = other_->claim_idempotency_key("t1", "key-1", "h1", 1001).kind; });
  // Bounded: B is queued behind A's uncommitted row within a few seconds.
  for (int i = 0; i < 500 && !someone_waits_for_a_lock(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  tx->commit();
  b.join();
  EXPECT_EQ(seen_by_b, KeyClaim::kInFlight);
  // Answered on A: B now gets the replay.
  store_->complete_idempotency_key("t1", "key-1", 201, "{\"id\":\"res_1\"}");
  auto replay = other_->claim_idempotency_key("t1", "key-1", "h1", 1002);
  EXPECT_EQ(replay.kind, KeyClaim::kReplay);
  EXPECT_EQ(replay.replay.body, "{\"id\":\"res_1\"}");
}

TEST_P(PostgresInstancesTest, OneReservationActivatedFromTwoInstancesOnce) {
  auto r = store_->begin_reservation("t1", "mobile", "13800002001", 1000);
  ASSERT_TRUE(r);
  store_->hold_reservation(r->id, "L1", 1'000'000, 1000);
  auto v = store_->save_verification("t1", "mobile", {"张三", "11010519491231002X", {}},
                                     {cgw::KycResult::passed, {}, "V1"}, 1000);
  std::atomic<int> created{0}, refused{0};
  auto activate = [&](StoreHarness& s, const std::string& key) {
    NewActivation a;
    a.tenant = "t1";
    a.idempotency_key = key;
    a.request_hash = "h-" + key;
    a.reservation_id = r->id;
    a.verification_id = v.id;
    a.plan_id = "P1";
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    try {
      auto out = s.create_activation(a, 2000);
      if (out && std::holds_alternative<Activation>(out.value())) ++created;
      if (!out) ++refused;
    } catch (const StoreError& e) {
      ADD_FAILURE() << "the second activation failed in the database: " << e.what();
    }
  };
  std::thread x([&] { activate(*store_, "ka"); });
  std::thread y([&] { activate(*other_, "kb"); });
  x.join();
  y.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), 1);  // RESERVATION_NOT_HELD: it is consumed
}

TEST_P(PostgresInstancesTest, TwoInstancesLeaseDisjointWebhookEvents) {
  store_->set_webhook_tenants({"t1"});
  for (int i = 0; i < 6; ++i) {
    auto r = store_->begin_reservation("t1", "mobile", "1380000300" + std::to_string(i), 1000);
    ASSERT_TRUE(r);
    store_->hold_reservation(r->id, "L", 1'000'000, 1000);
    auto v = store_->save_verification("t1", "mobile", {"张三", "11010519491231002X", {}},
                                       {cgw::KycResult::passed, {}, "V1"}, 1000);
    NewActivation a;
    a.tenant = "t1";
    a.idempotency_key = "k" + std::to_string(i);
    a.request_hash = "h";
    a.reservation_id = r->id;
    a.verification_id = v.id;
    a.plan_id = "P1";
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    ASSERT_TRUE(store_->create_activation(a, 1000));
  }
  std::vector<OutboxEvent> got_a, got_b;
  std::thread x([&] { got_a = store_->lease_due_webhook_events(2000, 4, 60'000); });
  std::thread y([&] { got_b = other_->lease_due_webhook_events(2000, 4, 60'000); });
  x.join();
  y.join();
  std::set<std::string> ids;
  for (const auto& e : got_a) ids.insert(e.id);
  for (const auto& e : got_b) EXPECT_TRUE(ids.insert(e.id).second) << e.id << " leased twice";
  EXPECT_EQ(ids.size(), 6u);
  // Leased: nothing is due until the lease ends.
  EXPECT_TRUE(other_->lease_due_webhook_events(2000, 10, 60'000).empty());
}

// A database restart under a running store: the next operation fails with
// a clear "unavailable" error (the API's 503) while it is down, and
// succeeds once it is back, without reopening the store.
TEST_P(PostgresInstancesTest, TheStoreReconnectsAfterADatabaseRestart) {
  ASSERT_TRUE(store_->begin_reservation("t1", "mobile", "13800004001", 1000));
  EXPECT_TRUE(store_->repos.db->reachable());
  ASSERT_EQ(shared_postgres().stop(), "");
  EXPECT_FALSE(store_->repos.db->reachable());
  try {
    (void)store_->begin_reservation("t1", "mobile", "13800004002", 1000);
    FAIL() << "a reservation was made with the database down";
  } catch (const StoreError& e) {
    EXPECT_TRUE(e.unavailable()) << e.what();
  }
  ASSERT_EQ(shared_postgres().start_again(), "");
  EXPECT_TRUE(store_->repos.db->reachable());
  auto again = store_->begin_reservation("t1", "mobile", "13800004002", 1000);
  ASSERT_TRUE(again);
  EXPECT_FALSE(store_->begin_reservation("t2", "mobile", "13800004001", 1000))
      << "the claim made before the restart still holds";
}

// Connections that sat idle in the pool through a restart are found dead
// before use, not by failing the first requests after the database is back.
TEST_P(PostgresInstancesTest, TheFirstRequestsAfterARestartSucceed) {
  {
    std::vector<std::unique_ptr<Tx>> open;  // four connections at once, then idle
    for (int i = 0; i < 4; ++i) open.push_back(store_->repos.db->begin());
  }
  ASSERT_EQ(shared_postgres().stop(), "");
  ASSERT_EQ(shared_postgres().start_again(), "");
  for (int i = 0; i < 4; ++i) {
    try {
      EXPECT_TRUE(
          store_->begin_reservation("t1", "mobile", "1380000500" + std::to_string(i), 1000));
    } catch (const StoreError& e) {
      ADD_FAILURE() << "request " << i << " after the restart: " << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backend, PostgresInstancesTest, ::testing::Values(StoreBackend::kPostgres),
                         backend_name);

}  // namespace
