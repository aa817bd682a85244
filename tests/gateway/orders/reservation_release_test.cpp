// Carrier locks are never left behind: the release queue, the adoption of
// an interrupted reservation by a retry of its key, restart recovery and
// the rules on the carrier's reported expiry (docs/reliability.md
// "Carrier locks").
#include "core/reservation_status.hpp"
#include "orders/housekeeping.hpp"
#include "store/store_harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>

using namespace cgw::gw;
namespace rs = cgw::gw::reservation;

namespace {
class ReleaseQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cgw_release_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = std::make_unique<StoreHarness>(dir_ / "cgw.db", PiiCipher(std::string(32, 'k')));
    ASSERT_EQ(store_->open(), "");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string status(const std::string& id, int64_t now) {
    return store_->reservation("t1", id, now)->status;
  }
  bool claimable(const std::string& msisdn, int64_t now) {
    return static_cast<bool>(store_->begin_reservation("t2", "mobile", msisdn, now));
  }
  // A reservation held through its key, as POST /v1/reservations leaves it.
  std::string held(const std::string& msisdn, const std::string& key, int64_t expires_at,
                   int64_t carrier_expires_at) {
    auto s = store_->start_reservation("t1", key, "h", "mobile", msisdn, std::nullopt, 1000);
    EXPECT_TRUE(s.reservation);
    EXPECT_TRUE(store_->hold_reservation_with_key(s.reservation->id, "L-" + msisdn, expires_at,
                                                  carrier_expires_at, 1000, "t1", key, 201, "{}"));
    return s.reservation->id;
  }

  std::filesystem::path dir_;
  std::unique_ptr<StoreHarness> store_;
};
}  // namespace

TEST(KeptExpiry, CarrierClocksThatDisagreeWildlyAreRefused) {
  const int64_t now = 1'800'000'000'000, hold = 1'800'000;
  EXPECT_EQ(rs::kept_expiry(now + hold, now, hold), now + hold);
  EXPECT_EQ(rs::kept_expiry(now + 60'000, now, hold), now + 60'000);  // a shorter hold is kept
  // A carrier clock a little ahead: never shown longer than asked for.
  EXPECT_EQ(rs::kept_expiry(now + hold + 120'000, now, hold), now + hold);
  EXPECT_EQ(rs::kept_expiry(0, now, hold), now + hold);  // not reported
  EXPECT_FALSE(rs::kept_expiry(now, now, hold));         // already over
  EXPECT_FALSE(rs::kept_expiry(now - 1, now, hold));
  EXPECT_FALSE(rs::kept_expiry(now + hold + rs::kMaxExpirySkewMs + 1, now, hold));
  // The simulator clock moved by 2^61 ms, and the same read as a negative year.
  EXPECT_FALSE(rs::kept_expiry(now + (int64_t{1} << 61), now, hold));
  EXPECT_FALSE(rs::kept_expiry(-1'028'800'000'000'000, now, hold));
}

TEST(ReleaseBackoff, DoublesFromOneSecondToFiveMinutes) {
  EXPECT_EQ(release_backoff_ms(0), 1000);
  EXPECT_EQ(release_backoff_ms(1), 2000);
  EXPECT_EQ(release_backoff_ms(8), 256'000);
  EXPECT_EQ(release_backoff_ms(9), 300'000);
  EXPECT_EQ(release_backoff_ms(1000), 300'000);
}

TEST_F(ReleaseQueueTest, SchemaHasTheReleaseQueue) {
  EXPECT_GE(store_->schema_version(), 5);
}

TEST_F(ReleaseQueueTest, FailedActivationReleasesTheCarrierLockFirst) {
  const std::string id = held("13800070001", "k1", 1'000'000, 1'000'000);
  cgw::KycVerifyOutput out{cgw::KycResult::passed, {}, "V1"};
  auto v = store_->save_verification("t1", "mobile", {"张三", "11010519491231002X", {}}, out, 1000);
  NewActivation a;
  a.tenant = "t1";
  a.idempotency_key = "a1";
  a.request_hash = "h";
  a.reservation_id = id;
  a.verification_id = v.id;
  a.plan_id = "P1";
  a.delivery = {"张三", "13800000000", "Somewhere 1"};
  auto act = store_->create_activation(a, 2000);
  ASSERT_TRUE(act);
  const auto act_id = std::get<Activation>(act.value()).id;
  ASSERT_TRUE(store_->advance_activation(act_id, "failed", "refused", 3000, {}, "PLAN_NOT_FOUND",
                                         "no such plan"));
  // The carrier may still hold the lock: releasing, the number still claimed.
  EXPECT_EQ(status(id, 3000), rs::kReleasing);
  EXPECT_FALSE(claimable("13800070001", 3000));
  auto due = store_->lease_due_releases(3000, 10, 63'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, id);
  EXPECT_EQ(due[0].carrier_reservation_id, "L-13800070001");
  EXPECT_EQ(due[0].carrier_expires_at_ms, 1'000'000);
  store_->finish_release(id, 4000);
  EXPECT_EQ(status(id, 4000), rs::kReleased);
  EXPECT_TRUE(claimable("13800070001", 4000));
}

TEST_F(ReleaseQueueTest, LeasedReleasesComeDueAgainAndRetriesBackOff) {
  const std::string id = held("13800070002", "k2", 1'000'000, 1'000'000);
  ASSERT_TRUE(store_->queue_release(id, rs::kReleased, 2000));
  EXPECT_FALSE(store_->queue_release(id, rs::kReleased, 2000));  // not live twice
  ASSERT_EQ(store_->lease_due_releases(2000, 10, 62'000).size(), 1u);
  EXPECT_TRUE(store_->lease_due_releases(61'999, 10, 200'000).empty());   // leased
  ASSERT_EQ(store_->lease_due_releases(62'000, 10, 122'000).size(), 1u);  // a crash mid-release
  store_->retry_release(id, 64'000, "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(store_->lease_due_releases(63'999, 10, 200'000).empty());
  auto again = store_->lease_due_releases(64'000, 10, 124'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].release_attempts, 1);
  EXPECT_EQ(status(id, 64'000), rs::kReleasing);
}

TEST_F(ReleaseQueueTest, AnInterruptedReservationIsAdoptedByItsOwnKeyOnly) {
  auto first =
      store_->start_reservation("t1", "key-a", "h", "mobile", "13800070003", std::nullopt, 1000);
  ASSERT_TRUE(first.reservation);
  // The carrier's answer was lost: pending, the key freed for a retry.
  store_->interrupt_reservation_with_key(first.reservation->id, 61'000, "t1", "key-a");
  auto other =
      store_->start_reservation("t1", "key-b", "h", "mobile", "13800070003", std::nullopt, 2000);
  ASSERT_TRUE(other.refused);
  EXPECT_EQ(other.refused->code, "NUMBER_UNAVAILABLE");
  auto retry =
      store_->start_reservation("t1", "key-a", "h", "mobile", "13800070003", std::nullopt, 3000);
  ASSERT_EQ(retry.claim.kind, KeyClaim::kNew);
  ASSERT_FALSE(retry.refused);
  ASSERT_TRUE(retry.reservation);
  EXPECT_EQ(retry.reservation->id, first.reservation->id);  // the same reservation
  // Adopted: no longer due for recovery.
  EXPECT_TRUE(store_->lease_due_releases(100'000, 10, 200'000).empty());
  EXPECT_TRUE(store_->hold_reservation_with_key(retry.reservation->id, "L1", 1'800'000, 1'800'000,
                                                3000, "t1", "key-a", 201, "{\"ok\":1}"));
  EXPECT_EQ(status(first.reservation->id, 4000), rs::kHeld);
}

TEST_F(ReleaseQueueTest, RestartKeepsInterruptedReservationsForTheirKeyThenRecoversThem) {
  auto crashed =
      store_->start_reservation("t1", "key-c", "h", "mobile", "13800070004", std::nullopt, 1000);
  ASSERT_TRUE(crashed.reservation);
  const std::string id = crashed.reservation->id;
  auto r = store_->recover_interrupted_requests(2000, 60'000);
  EXPECT_EQ(r.keys, 1);
  EXPECT_EQ(r.reservations, 1);
  EXPECT_EQ(status(id, 2000), rs::kPending);  // not failed blindly
  EXPECT_FALSE(claimable("13800070004", 2000));
  EXPECT_TRUE(store_->lease_due_releases(61'999, 10, 200'000).empty());  // grace
  // No retry came: the lock (its id unknown) is recovered through the queue.
  auto due = store_->lease_due_releases(62'000, 10, 122'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, id);
  EXPECT_EQ(due[0].carrier_reservation_id, "");
  EXPECT_EQ(status(id, 62'000), rs::kReleasing);
  // A retry of the key now is told to come back (retryable, not stored).
  auto late =
      store_->start_reservation("t1", "key-c", "h", "mobile", "13800070004", std::nullopt, 63'000);
  ASSERT_TRUE(late.refused);
  EXPECT_EQ(late.refused->code, "CARRIER_UNAVAILABLE");  // 503 at the API
  EXPECT_TRUE(late.refused->retryable);
  store_->note_carrier_lock(id, "L-found");
  store_->finish_release(id, 64'000);
  EXPECT_EQ(status(id, 64'000), rs::kFailed);
  auto after =
      store_->start_reservation("t1", "key-c", "h", "mobile", "13800070004", std::nullopt, 65'000);
  ASSERT_EQ(after.claim.kind, KeyClaim::kNew);
  ASSERT_TRUE(after.reservation);
  EXPECT_NE(after.reservation->id, id);
}

TEST_F(ReleaseQueueTest, AnAnswerArrivingAfterRecoveryIsReleasedNotHeld) {
  auto s =
      store_->start_reservation("t1", "key-d", "h", "mobile", "13800070005", std::nullopt, 1000);
  ASSERT_TRUE(s.reservation);
  store_->interrupt_reservation_with_key(s.reservation->id, 2000, "t1", "key-d");
  ASSERT_EQ(store_->lease_due_releases(2000, 10, 62'000).size(), 1u);
  EXPECT_FALSE(store_->hold_reservation_with_key(s.reservation->id, "L-late", 1'800'000, 1'800'000,
                                                 2500, "t1", "key-d", 201, "{}"));
  EXPECT_EQ(status(s.reservation->id, 3000), rs::kReleasing);
  auto due = store_->lease_due_releases(62'000, 10, 122'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].carrier_reservation_id, "L-late");  // released by its id
}

TEST_F(ReleaseQueueTest, ABrokenLockReplyIsReleasedAndNeverHeld) {
  auto s =
      store_->start_reservation("t1", "key-e", "h", "mobile", "13800070006", std::nullopt, 1000);
  ASSERT_TRUE(s.reservation);
  store_->release_reservation_with_key(s.reservation->id, "L-odd", 0, 1000, "t1", "key-e");
  EXPECT_EQ(status(s.reservation->id, 1000), rs::kReleasing);
  auto due = store_->lease_due_releases(1000, 10, 61'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].carrier_reservation_id, "L-odd");
  EXPECT_EQ(due[0].release_to, rs::kFailed);
}

TEST_F(ReleaseQueueTest, AHoldPastItsExpiryShowsExpiredAndItsLongerCarrierLockIsReleased) {
  // The gateway keeps 5 s of a lock the carrier holds for 60 s.
  const std::string id = held("13800070007", "k7", 6000, 61'000);
  EXPECT_EQ(status(id, 5999), rs::kHeld);
  EXPECT_EQ(status(id, 6000), rs::kExpired);  // at once, before the janitor
  EXPECT_EQ(store_->expire_reservations(6000), 1);
  EXPECT_EQ(status(id, 6000), rs::kExpired);
  EXPECT_FALSE(claimable("13800070007", 6000));  // the carrier still has it
  // Refused as expired, not as "releasing", before anything is sent.
  cgw::KycVerifyOutput out{cgw::KycResult::passed, {}, "V1"};
  auto v = store_->save_verification("t1", "mobile", {"张三", "11010519491231002X", {}}, out, 1000);
  NewActivation a;
  a.tenant = "t1";
  a.idempotency_key = "a7";
  a.request_hash = "h";
  a.reservation_id = id;
  a.verification_id = v.id;
  a.plan_id = "P1";
  a.delivery = {"张三", "13800000000", "Somewhere 1"};
  auto refused = store_->create_activation(a, 6000);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "RESERVATION_EXPIRED");
  auto due = store_->lease_due_releases(6000, 10, 66'000);
  ASSERT_EQ(due.size(), 1u);
  store_->finish_release(id, 7000);
  EXPECT_EQ(status(id, 7000), rs::kExpired);
  EXPECT_TRUE(claimable("13800070007", 7000));
  // A hold whose carrier lock ends with it simply expires.
  const std::string plain = held("13800070008", "k8", 6000, 6000);
  EXPECT_EQ(store_->expire_reservations(6000), 1);
  EXPECT_TRUE(store_->lease_due_releases(6000, 10, 66'000).empty());
  EXPECT_TRUE(claimable("13800070008", 6000));
  EXPECT_EQ(status(plain, 6000), rs::kExpired);
}
