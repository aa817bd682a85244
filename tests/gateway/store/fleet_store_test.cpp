// Instances and leases (store/fleet_repository.hpp) on both backends. On
// PostgreSQL: two instances on one database, liveness by the database's
// clock, a lease held by one and taken over once it is not renewed, and the
// recovery of a dead instance's rows that leaves a live instance's alone.
// On SQLite: the single-instance stand-in (every lease held, no one else's
// work to adopt).
#include "store/fleet.hpp"
#include "store/store_backend.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace cgw::gw;

namespace {

// Short, so that a test waits for an expiry in well under a second.
constexpr int64_t kTtlMs = 1000;

// Polls `done` every 20 ms for at most `limit`: true once it held.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class FleetStoreTest : public BackendStoreTest {
 protected:
  FleetRepository& fleet(StoreHarness& s) { return *s.repos.fleet; }
  // A reservation made under an Idempotency-Key and left pending (its
  // carrier call in flight), and an activation left open, by `s`.
  struct InFlight {
    std::string key, reservation, activation;
  };
  InFlight work_of(StoreHarness& s, const std::string& tag, const std::string& msisdn,
                   const std::string& msisdn2) {
    InFlight w;
    w.key = "key-" + tag;
    auto start = s.start_reservation("t1", w.key, "h", "mobile", msisdn, std::nullopt, 1000);
    EXPECT_EQ(start.claim.kind, KeyClaim::kNew);
    w.reservation = start.reservation ? start.reservation->id : "";
    auto r = s.begin_reservation("t1", "mobile", msisdn2, 1000);
    s.hold_reservation(r->id, "L", 1'000'000, 1000);
    auto v = s.save_verification("t1", "mobile", {"张三", "11010519491231002X", {}},
                                 {cgw::KycResult::passed, {}, "V"}, 1000);
    NewActivation a;
    a.tenant = "t1";
    a.idempotency_key = "act-" + tag;
    a.request_hash = "h";
    a.reservation_id = r->id;
    a.verification_id = v.id;
    a.plan_id = "P1";
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    auto created = s.create_activation(a, 1000);
    EXPECT_TRUE(created);
    if (created) w.activation = std::get<Activation>(created.value()).id;
    return w;
  }
};

using SqliteFleetTest = FleetStoreTest;

// ------------------------------------------------------------- PostgreSQL

TEST_P(FleetStoreTest, ALeaseHasOneHolderAndIsTakenOverWhenNotRenewed) {
  auto other = make_store();
  ASSERT_EQ(other->open(), "");
  auto &a = fleet(*store_), &b = fleet(*other);
  // A longer ttl here: a renewal late by more than the ttl (a loaded
  // machine) would rightly lose the lease and fail the test.
  constexpr int64_t kLeaseTtlMs = 3000;
  a.join("host-a", 1, kLeaseTtlMs);
  b.join("host-b", 2, kLeaseTtlMs);
  ASSERT_NE(a.instance_id(), b.instance_id());
  auto first = a.claim_lease("inventory_sync:mobile");
  EXPECT_TRUE(first.held);
  EXPECT_TRUE(first.taken);
  EXPECT_EQ(first.previous_holder, "");
  // While A renews, B never gets it (a ttl and a half of renewals).
  const auto renew_until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kLeaseTtlMs * 3 / 2);
  while (std::chrono::steady_clock::now() < renew_until) {
    auto renewed = a.claim_lease("inventory_sync:mobile");
    EXPECT_TRUE(renewed.held);
    EXPECT_FALSE(renewed.taken);
    EXPECT_FALSE(b.claim_lease("inventory_sync:mobile").held);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  // A stops renewing (as if killed): B takes it once it expired.
  FleetRepository::Claim taken;
  EXPECT_TRUE(eventually([&] { return (taken = b.claim_lease("inventory_sync:mobile")).held; }));
  EXPECT_TRUE(taken.taken);
  EXPECT_EQ(taken.previous_holder, a.instance_id());
  EXPECT_FALSE(a.claim_lease("inventory_sync:mobile").held);
}

TEST_P(FleetStoreTest, LeavingReleasesTheLeasesAtOnce) {
  auto other = make_store();
  ASSERT_EQ(other->open(), "");
  auto &a = fleet(*store_), &b = fleet(*other);
  a.join("host-a", 1, 60'000);  // a ttl no test waits for
  b.join("host-b", 2, 60'000);
  ASSERT_TRUE(a.claim_lease("housekeeping").held);
  ASSERT_FALSE(b.claim_lease("housekeeping").held);
  EXPECT_EQ(b.heartbeat().live_instances, 2);
  a.leave();
  EXPECT_TRUE(b.claim_lease("housekeeping").held);
  EXPECT_EQ(b.heartbeat().live_instances, 1);
}

// An instance may recover others' work only after a ttl of unbroken
// heartbeats: after a gap in its own (a stall, or a database outage that
// stalled every instance) the others' silence proves nothing yet.
TEST_P(FleetStoreTest, RecoveryWaitsForATtlOfUnbrokenHeartbeats) {
  auto& a = fleet(*store_);
  a.join("host-a", 1, kTtlMs);
  EXPECT_FALSE(a.heartbeat().may_recover);
  EXPECT_TRUE(eventually([&] { return a.heartbeat().may_recover; }));
  // A gap longer than the ttl (measured by a second instance's view).
  auto other = make_store();
  ASSERT_EQ(other->open(), "");
  auto& b = fleet(*other);
  b.join("host-b", 2, kTtlMs);
  ASSERT_TRUE(eventually([&] { return b.heartbeat().live_instances == 1; }));
  EXPECT_FALSE(a.heartbeat().may_recover);
}

TEST_P(FleetStoreTest, RecoveryTakesOnlyTheRowsOfDeadInstances) {
  auto other = make_store();
  ASSERT_EQ(other->open(), "");
  auto &a = fleet(*store_), &b = fleet(*other);
  a.join("host-a", 1, kTtlMs);
  b.join("host-b", 2, kTtlMs);
  const InFlight wa = work_of(*store_, "a", "13800020001", "13800020002");
  const InFlight wb = work_of(*other, "b", "13800020003", "13800020004");
  // Both alive: a recovery pass (B restarting, say) touches nothing.
  auto none = other->recover_interrupted_requests(2000, 60'000);
  EXPECT_EQ(none.keys, 0);
  EXPECT_EQ(none.reservations, 0);
  EXPECT_TRUE(none.activations.empty());
  EXPECT_EQ(store_->claim_idempotency_key("t1", wa.key, "h", 2000).kind, KeyClaim::kInFlight);
  // A dies (no more heartbeats); B keeps beating until A is not alive.
  ASSERT_TRUE(eventually([&] { return b.heartbeat().live_instances == 1; }));
  auto rec = other->recover_interrupted_requests(3000, 60'000);
  EXPECT_EQ(rec.keys, 1);          // A's reservation key only
  EXPECT_EQ(rec.reservations, 1);  // A's half-made reservation
  ASSERT_EQ(rec.activations.size(), 1u);
  EXPECT_EQ(rec.activations[0], wa.activation);
  // A's key is free again; B's is still in flight.
  EXPECT_EQ(other->claim_idempotency_key("t1", wa.key, "h", 3000).kind, KeyClaim::kNew);
  EXPECT_EQ(other->claim_idempotency_key("t1", wb.key, "h", 3000).kind, KeyClaim::kInFlight);
  // B drives both activations now; A may no longer submit its old one.
  auto owned = other->repos.activations->owned_open_ids();
  EXPECT_EQ(owned.size(), 2u);
  EXPECT_FALSE(store_->repos.activations->note_submit_attempt(wa.activation));
  EXPECT_TRUE(other->repos.activations->note_submit_attempt(wa.activation));
  // Adopted rows are B's: a second pass finds nothing.
  auto again = other->recover_interrupted_requests(4000, 60'000);
  EXPECT_EQ(again.keys + again.reservations, 0);
  EXPECT_TRUE(again.activations.empty());
  // A was forgotten with its work: if it was only stalled, it joins again
  // under a new id at its next heartbeat.
  const std::string old_id = a.instance_id();
  b.heartbeat();
  auto beat = a.heartbeat();
  EXPECT_TRUE(beat.rejoined);
  EXPECT_NE(a.instance_id(), old_id);
  EXPECT_EQ(beat.live_instances, 2);
}

// An operator's resolution may reach any instance; the one that took it
// follows the order up, so the order is its own from then on.
TEST_P(FleetStoreTest, TheInstanceThatResolvesAnOrderDrivesIt) {
  auto other = make_store();
  ASSERT_EQ(other->open(), "");
  fleet(*store_).join("host-a", 1, 60'000);
  fleet(*other).join("host-b", 2, 60'000);
  const InFlight w = work_of(*store_, "a", "13800020001", "13800020002");
  ASSERT_TRUE(store_->advance_activation(w.activation, {"unknown", "timeout", {}, {}, {}}, 2000));
  StatusChange resolved{"submitted", "resolved by an operator", "ORD-1", {}, {}};
  ASSERT_EQ(other->resolve_unknown_activation("t1", w.activation, resolved, 3000), "unknown");
  EXPECT_EQ(other->repos.activations->owned_open_ids(), std::vector<std::string>{w.activation});
  EXPECT_TRUE(store_->repos.activations->owned_open_ids().empty());
}

// The loops read Fleet::holds(): while the heartbeat cannot reach the
// database no lease can be renewed, so every one is dropped at once rather
// than held on until another instance takes it.
TEST_P(FleetStoreTest, EveryLeaseIsDroppedWhileTheHeartbeatFails) {
  Metrics metrics;
  Fleet view(metrics);
  fleet(*store_).join("host-a", 1, 60'000);
  view.bind(fleet(*store_));
  view.want("housekeeping");
  view.beat();
  EXPECT_TRUE(view.holds("housekeeping"));
  ASSERT_EQ(shared_postgres().stop(), "");
  EXPECT_ANY_THROW(view.beat());
  EXPECT_FALSE(view.holds("housekeeping"));
  EXPECT_NE(metrics.render({}, std::nullopt).find("cgw_lease_held{lease=\"housekeeping\"} 0"),
            std::string::npos);
  ASSERT_EQ(shared_postgres().start_again(), "");
  view.beat();  // its own lease, not expired: renewed
  EXPECT_TRUE(view.holds("housekeeping"));
}

// ------------------------------------------------------------------ SQLite

TEST_P(SqliteFleetTest, OneInstanceHoldsEveryLeaseAndRecoversAtStart) {
  auto& f = fleet(*store_);
  EXPECT_FALSE(f.shared());
  f.join("host", 1, kTtlMs);
  EXPECT_TRUE(f.claim_lease("inventory_sync:mobile").held);
  EXPECT_TRUE(f.claim_lease("housekeeping").held);
  auto beat = f.heartbeat();
  EXPECT_EQ(beat.live_instances, 1);
  EXPECT_FALSE(beat.may_recover);  // never from the fleet loop: at start only
  const InFlight w = work_of(*store_, "a", "13800020001", "13800020002");
  // The previous process's work is this one's: every key, every pending
  // reservation; every open activation is driven by the start.
  auto rec = store_->recover_interrupted_requests(2000, 60'000);
  EXPECT_EQ(rec.keys, 1);
  EXPECT_EQ(rec.reservations, 1);
  EXPECT_TRUE(rec.activations.empty());
  EXPECT_EQ(store_->repos.activations->owned_open_ids(), std::vector<std::string>{w.activation});
  EXPECT_TRUE(store_->repos.activations->note_submit_attempt(w.activation));
}

}  // namespace

#ifdef CGW_STORE_TEST_POSTGRES
INSTANTIATE_TEST_SUITE_P(Backend, FleetStoreTest, ::testing::Values(StoreBackend::kPostgres),
                         backend_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SqliteFleetTest);
#else
INSTANTIATE_TEST_SUITE_P(Backend, SqliteFleetTest, ::testing::Values(StoreBackend::kSqlite),
                         backend_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FleetStoreTest);
#endif
