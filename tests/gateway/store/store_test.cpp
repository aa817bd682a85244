#include "store/store_backend.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace cgw::gw;

namespace {
class StoreTest : public BackendStoreTest {};
}  // namespace

// Migrations run once: a reopened store keeps its version and its rows (a
// migration run again, or a store recreated on open, fails here).
TEST_P(StoreTest, SchemaIsMigrated) {
  const int version = store_->schema_version();
  EXPECT_GT(version, 0);
  ASSERT_TRUE(store_->begin_reservation("t1", "mobile", "13800000009", 1000));
  store_.reset();
  store_ = make_store();
  ASSERT_EQ(store_->open(), "");
  EXPECT_EQ(store_->schema_version(), version);
  auto again = store_->begin_reservation("t2", "mobile", "13800000009", 2000);
  ASSERT_FALSE(again);  // the claim made before the reopen still holds
  EXPECT_EQ(again.error().code, "NUMBER_UNAVAILABLE");
}

TEST_P(StoreTest, ANumberCanBeClaimedOnce) {
  auto a = store_->begin_reservation("t1", "mobile", "13800000001", 1000);
  ASSERT_TRUE(a);
  auto b = store_->begin_reservation("t2", "mobile", "13800000001", 1000);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "NUMBER_UNAVAILABLE");
  store_->release_reservation(a->id, 2000);
  EXPECT_TRUE(store_->begin_reservation("t2", "mobile", "13800000001", 3000));
}

TEST_P(StoreTest, ConcurrentClaimsHaveOneWinner) {
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (store_->begin_reservation("t1", "mobile", "13800000002", 1000)) ++wins;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_P(StoreTest, ExpiredHoldFreesTheNumber) {
  auto a = store_->begin_reservation("t1", "mobile", "13800000003", 1000);
  store_->hold_reservation(a->id, "L", 5000, 1000);
  EXPECT_FALSE(store_->begin_reservation("t1", "mobile", "13800000003", 4999));
  EXPECT_TRUE(store_->begin_reservation("t1", "mobile", "13800000003", 5000));
  EXPECT_EQ(store_->reservation("t1", a->id, 6000)->status, "expired");
}

TEST_P(StoreTest, ReservationsAreTenantScoped) {
  auto a = store_->begin_reservation("t1", "mobile", "13800000004", 1000);
  EXPECT_TRUE(store_->reservation("t1", a->id, 1000));
  EXPECT_FALSE(store_->reservation("t2", a->id, 1000));
}

TEST_P(StoreTest, IdempotencyReplayAndMismatch) {
  auto [res, ver] = ready_to_activate("13800000005");
  auto first = store_->create_activation(request(res, ver), 2000);
  ASSERT_TRUE(first);
  auto& act = std::get<Activation>(first.value());
  auto again = store_->create_activation(request(res, ver), 3000);
  ASSERT_TRUE(again);
  auto* replay = std::get_if<IdempotentReplay>(&again.value());
  ASSERT_NE(replay, nullptr);
  EXPECT_EQ(replay->http_status, 202);
  EXPECT_NE(replay->body.find(act.id), std::string::npos);
  auto changed = request(res, ver);
  changed.request_hash = "h2";
  auto bad = store_->create_activation(changed, 3000);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(store_->open_activations().size(), 1u);
}

TEST_P(StoreTest, ActivationNeedsHeldReservationAndPassedVerification) {
  auto [res, ver] = ready_to_activate("13800000006");
  auto r = store_->create_activation(request("res_missing", ver), 2000);
  EXPECT_EQ(r.error().code, "RESERVATION_NOT_FOUND");
  r = store_->create_activation(request(res, "kyc_missing", "k2"), 2000);
  EXPECT_EQ(r.error().code, "VERIFICATION_NOT_FOUND");
  cgw::KycVerifyOutput rejected{cgw::KycResult::rejected, {"ID_NAME_MISMATCH"}, ""};
  auto v2 =
      store_->save_verification("t1", "mobile", {"李四", "11010519491231002X", {}}, rejected, 1);
  r = store_->create_activation(request(res, v2.id, "k3"), 2000);
  EXPECT_EQ(r.error().code, "VERIFICATION_NOT_PASSED");
  r = store_->create_activation(request(res, ver, "k4"), 2'000'000);
  EXPECT_EQ(r.error().code, "RESERVATION_EXPIRED");
  // The same key replays the stored error.
  auto again = store_->create_activation(request(res, ver, "k4"), 2000);
  ASSERT_TRUE(again);
  EXPECT_EQ(std::get<IdempotentReplay>(again.value()).http_status, 422);
  // A reservation is used once.
  ASSERT_TRUE(store_->create_activation(request(res, ver, "k5"), 2000));
  r = store_->create_activation(request(res, ver, "k6"), 2000);
  EXPECT_EQ(r.error().code, "RESERVATION_NOT_HELD");
}

TEST_P(StoreTest, StatusOnlyMovesForward) {
  auto [res, ver] = ready_to_activate("13800000007");
  auto created = store_->create_activation(request(res, ver), 2000);
  auto id = std::get<Activation>(created.value()).id;
  EXPECT_TRUE(store_->advance_activation(id, "submitted", "accepted", 3000, "ORD1"));
  EXPECT_FALSE(store_->advance_activation(id, "pending", "late", 3100));
  EXPECT_FALSE(store_->advance_activation(id, "unknown", "late", 3100));
  EXPECT_TRUE(store_->advance_activation(id, "activated", "callback", 4000));
  EXPECT_FALSE(store_->advance_activation(id, "failed", "late", 5000));
  auto a = store_->activation("t1", id);
  EXPECT_EQ(a->status, "activated");
  EXPECT_EQ(a->carrier_order_id, "ORD1");
  ASSERT_EQ(a->history.size(), 3u);
  EXPECT_EQ(a->history[2].cause, "callback");
  EXPECT_TRUE(store_->open_activations().empty());
  EXPECT_FALSE(store_->activation("t2", id));
}

TEST_P(StoreTest, SubmissionDecryptsAndTheStoreHoldsNoPlaintext) {
  auto [res, ver] = ready_to_activate("13800000008");
  auto created = store_->create_activation(request(res, ver), 2000);
  auto id = std::get<Activation>(created.value()).id;
  auto sub = store_->submission(id);
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->id_number, "11010519491231002X");
  EXPECT_EQ(sub->name, "张三");
  EXPECT_EQ(sub->delivery.phone, "13800000000");
  store_.reset();  // checkpoint-free: read the db and its WAL
  const auto stored = stored_bytes();
  EXPECT_NE(stored.find(ver), std::string::npos) << "the dump holds the rows";
  EXPECT_EQ(stored.find("11010519491231002X"), std::string::npos);
  EXPECT_EQ(stored.find("张三"), std::string::npos);
}

TEST_P(StoreTest, CallbackEventsAreAppliedOnce) {
  auto [res, ver] = ready_to_activate("13800000009");
  auto id = std::get<Activation>(store_->create_activation(request(res, ver), 2000).value()).id;
  StatusChange submitted{"submitted", "submit", "ORD9", "", ""};
  ASSERT_TRUE(store_->advance_activation(id, submitted, 2100));
  StatusChange done{"activated", "callback E1", "ORD9", "", ""};
  auto first = store_->apply_callback_event("mobile", "E1", "{}", id, done, 3000);
  EXPECT_TRUE(first.fresh);
  EXPECT_TRUE(first.advanced);
  auto dup = store_->apply_callback_event("mobile", "E1", "{}", id, done, 3100);
  EXPECT_FALSE(dup.fresh);
  EXPECT_FALSE(dup.advanced);
  // A late, out-of-order event is recorded but never moves status back.
  StatusChange late{"submitted", "callback E0", "ORD9", "", ""};
  auto old = store_->apply_callback_event("mobile", "E0", "{}", id, late, 3200);
  EXPECT_TRUE(old.fresh);
  EXPECT_FALSE(old.advanced);
  EXPECT_EQ(store_->activation("t1", id)->status, "activated");
  EXPECT_EQ(store_->activation("t1", id)->history.size(), 3u);
  // The same event id at another carrier is another event.
  EXPECT_TRUE(store_->apply_callback_event("other", "E1", "{}", "", done, 3300).fresh);
}

// A carrier (or a restarted, seeded simulator) that uses an event id again
// for another event: applied, not dropped as a duplicate; its own
// redelivery is then a duplicate.
TEST_P(StoreTest, ReusedCallbackEventIdWithAnotherEventIsApplied) {
  auto [res, ver] = ready_to_activate("13800000019");
  auto id = std::get<Activation>(store_->create_activation(request(res, ver), 2000).value()).id;
  StatusChange done{"activated", "callback E1", "ORD19", "", ""};
  ASSERT_TRUE(store_->apply_callback_event("mobile", "E1", R"({"old":1})", "", done, 2500).fresh);
  auto reused = store_->apply_callback_event("mobile", "E1", R"({"new":1})", id, done, 3000);
  EXPECT_TRUE(reused.id_reused);
  EXPECT_TRUE(reused.fresh);
  EXPECT_TRUE(reused.advanced);
  EXPECT_EQ(store_->activation("t1", id)->status, "activated");
  auto again = store_->apply_callback_event("mobile", "E1", R"({"new":1})", id, done, 3100);
  EXPECT_FALSE(again.fresh);
  EXPECT_FALSE(again.advanced);
}

TEST_P(StoreTest, JanitorExpiresHoldsAndPrunesKeys) {
  std::vector<cgw::NumberItem> page{
      {"13800000020", "广东", "广州", 100, cgw::NumberState::available, {}, {}}};
  store_->upsert_numbers("mobile", page, 1);
  NumberIndex index;
  store_->attach_index(&index);
  index.install(store_->load_numbers("mobile", index.begin_build("mobile")));
  auto r = store_->begin_reservation("t1", "mobile", "13800000020", 1000);
  store_->hold_reservation(r->id, "L", 5000, 1000);
  EXPECT_TRUE(index.search({}).empty());
  EXPECT_EQ(store_->expire_reservations(4999), 0);
  EXPECT_EQ(store_->expire_reservations(5000), 1);
  EXPECT_EQ(index.search({}).size(), 1u);  // the expiry shows it again at once
  store_->attach_index(nullptr);
  EXPECT_EQ(store_->reservation("t1", r->id, 6000)->status, "expired");

  EXPECT_EQ(store_->claim_idempotency_key("t1", "k", "h", 1000).kind, KeyClaim::kNew);
  EXPECT_EQ(store_->claim_idempotency_key("t1", "k", "h", 1001).kind, KeyClaim::kInFlight);
  EXPECT_EQ(store_->prune_idempotency_keys(10'000), 0);  // in flight: kept
  store_->complete_idempotency_key("t1", "k", 201, "{}");
  EXPECT_EQ(store_->claim_idempotency_key("t1", "k", "other", 1002).kind, KeyClaim::kMismatch);
  EXPECT_EQ(store_->claim_idempotency_key("t1", "k", "h", 1002).kind, KeyClaim::kReplay);
  EXPECT_EQ(store_->prune_idempotency_keys(1000), 0);
  EXPECT_EQ(store_->prune_idempotency_keys(10'000), 1);
  EXPECT_EQ(store_->claim_idempotency_key("t1", "k", "other", 20'000).kind, KeyClaim::kNew);
  // A claim left in flight by a crash can be retaken after the stale time.
  EXPECT_EQ(store_->claim_idempotency_key("t1", "k", "other", 20'000 + 60'000).kind,
            KeyClaim::kNew);
}

TEST_P(StoreTest, SyncHidesHeldAndDropsVanished) {
  NumberIndex index;
  store_->attach_index(&index);
  auto rebuild = [&] {
    index.install(store_->load_numbers("mobile", index.begin_build("mobile")));
  };
  std::vector<cgw::NumberItem> page{
      {"13800000010", "广东", "广州", 100, cgw::NumberState::available, {}, {}},
      {"13800000011", "广东", "深圳", 100, cgw::NumberState::available, {}, {}}};
  store_->upsert_numbers("mobile", page, 1);
  store_->finish_sync("mobile", 1, 10, "seq-1");
  rebuild();
  EXPECT_EQ(store_->inventory("mobile").available, 2);
  EXPECT_EQ(index.available("mobile"), 2);
  EXPECT_EQ(store_->sync_state("mobile").change_cursor, "seq-1");
  // The reservation's commit hides the number in the index at once.
  auto r = store_->begin_reservation("t1", "mobile", "13800000010", 20);
  NumberSearch q;
  auto rows = index.search(q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].msisdn, "13800000011");
  EXPECT_EQ(index.available("mobile"), 1);
  // Second full sync lists only ...11: ...10 stays (held by us), nothing else.
  store_->upsert_numbers("mobile", {page[1]}, 2);
  store_->finish_sync("mobile", 2, 30);
  rebuild();
  EXPECT_EQ(index.search(q).size(), 1u);
  store_->release_reservation(r->id, 40);
  q.prefix = "1380000001";
  EXPECT_EQ(index.search(q).size(), 2u);
  q.suffix = "11";
  EXPECT_EQ(index.search(q).size(), 1u);
  store_->attach_index(nullptr);
}

TEST_P(StoreTest, FailedSecondClaimKeepsTheNumberHidden) {
  NumberIndex index;
  store_->attach_index(&index);
  store_->upsert_numbers(
      "mobile", {{"13800000010", "广东", "广州", 100, cgw::NumberState::available, {}, {}}}, 1);
  store_->finish_sync("mobile", 1, 10);
  index.install(store_->load_numbers("mobile", index.begin_build("mobile")));
  ASSERT_TRUE(store_->begin_reservation("t1", "mobile", "13800000010", 20));
  // The second claim fails on the live-reservation constraint and rolls
  // back: the number stays hidden under the first.
  EXPECT_FALSE(store_->begin_reservation("t2", "mobile", "13800000010", 21));
  EXPECT_EQ(index.available("mobile"), 0);
  store_->attach_index(nullptr);
}

TEST_P(StoreTest, HostNetworkIsKeptPerNumber) {
  cgw::NumberItem mvno;
  mvno.msisdn = "17041234567";
  mvno.province = "北京";
  mvno.city = "北京";
  mvno.host_network = "unicom";
  cgw::NumberItem own = mvno;
  own.msisdn = "17001234567";
  own.host_network.reset();
  store_->upsert_numbers("mvno", {mvno, own}, 1);
  NumberIndex index;
  index.install(store_->load_numbers("mvno", index.begin_build("mvno")));
  auto rows = index.search(NumberSearch{});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].msisdn, "17001234567");
  EXPECT_EQ(rows[0].host_network, "");  // the carrier's own network
  EXPECT_EQ(rows[1].host_network, "unicom");
}

// POST /v1/reservations: the key and the number are claimed in one
// transaction, the hold and the stored answer written in another.
TEST_P(StoreTest, ReservationAndItsKeyAreClaimedAndAnsweredTogether) {
  auto start =
      store_->start_reservation("t1", "res-1", "h", "mobile", "13800000030", std::nullopt, 1000);
  ASSERT_EQ(start.claim.kind, KeyClaim::kNew);
  ASSERT_TRUE(start.reservation);
  EXPECT_FALSE(start.refused);
  EXPECT_EQ(start.reservation->status, "pending");
  // The key is in flight while the carrier is called; the number is taken.
  auto again =
      store_->start_reservation("t1", "res-1", "h", "mobile", "13800000030", std::nullopt, 1001);
  EXPECT_EQ(again.claim.kind, KeyClaim::kInFlight);
  EXPECT_FALSE(again.reservation);
  EXPECT_FALSE(store_->begin_reservation("t2", "mobile", "13800000030", 1001));

  store_->hold_reservation_with_key(start.reservation->id, "L1", 50'000, 50'000, 1002, "t1",
                                    "res-1", 201, R"({"reservation_id":"x"})");
  auto r = store_->reservation("t1", start.reservation->id, 1003);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, "held");
  EXPECT_EQ(r->carrier_reservation_id, "L1");
  EXPECT_EQ(r->expires_at_ms, 50'000);
  auto replay =
      store_->start_reservation("t1", "res-1", "h", "mobile", "13800000030", std::nullopt, 1004);
  ASSERT_EQ(replay.claim.kind, KeyClaim::kReplay);
  EXPECT_EQ(replay.claim.replay.http_status, 201);
  EXPECT_EQ(replay.claim.replay.body, R"({"reservation_id":"x"})");
  EXPECT_FALSE(replay.reservation);  // nothing new held
  auto other =
      store_->start_reservation("t1", "res-1", "h2", "mobile", "13800000031", std::nullopt, 1005);
  EXPECT_EQ(other.claim.kind, KeyClaim::kMismatch);
}

TEST_P(StoreTest, RefusedReservationIsStoredUnderItsKey) {
  ASSERT_TRUE(store_->begin_reservation("t2", "mobile", "13800000032", 1000));
  // Taken: NUMBER_UNAVAILABLE is the key's answer, replayed.
  auto taken =
      store_->start_reservation("t1", "res-2", "h", "mobile", "13800000032", std::nullopt, 1000);
  ASSERT_EQ(taken.claim.kind, KeyClaim::kNew);
  ASSERT_TRUE(taken.refused);
  EXPECT_EQ(taken.refused->code, "NUMBER_UNAVAILABLE");
  auto replay =
      store_->start_reservation("t1", "res-2", "h", "mobile", "13800000032", std::nullopt, 1001);
  ASSERT_EQ(replay.claim.kind, KeyClaim::kReplay);
  EXPECT_EQ(replay.claim.replay.http_status, 409);
  EXPECT_EQ(replay.claim.replay.body, error_body(*taken.refused));
  // Refused before any work (a bad request): stored too, nothing claimed.
  auto bad = store_->start_reservation("t1", "res-3", "h", "", "", bad_argument("no"), 1002);
  ASSERT_TRUE(bad.refused);
  EXPECT_FALSE(bad.reservation);
  auto bad_again = store_->start_reservation("t1", "res-3", "h", "", "", bad_argument("no"), 1003);
  ASSERT_EQ(bad_again.claim.kind, KeyClaim::kReplay);
  EXPECT_EQ(bad_again.claim.replay.http_status, 400);
}

TEST_P(StoreTest, AbandonedReservationFreesTheNumberAndARetryableKey) {
  auto a =
      store_->start_reservation("t1", "res-4", "h", "mobile", "13800000033", std::nullopt, 1000);
  ASSERT_TRUE(a.reservation);
  // A retryable carrier failure (5xx): the key is dropped, the number free.
  store_->abandon_reservation_with_key(a.reservation->id, 1001, "t1", "res-4", 503, "{}");
  EXPECT_EQ(store_->reservation("t1", a.reservation->id, 1002)->status, "failed");
  auto b =
      store_->start_reservation("t1", "res-4", "h", "mobile", "13800000033", std::nullopt, 1003);
  ASSERT_EQ(b.claim.kind, KeyClaim::kNew);
  ASSERT_TRUE(b.reservation);
  // A final refusal (4xx) is stored and replayed.
  store_->abandon_reservation_with_key(b.reservation->id, 1004, "t1", "res-4", 409, R"({"e":1})");
  auto c =
      store_->start_reservation("t1", "res-4", "h", "mobile", "13800000033", std::nullopt, 1005);
  ASSERT_EQ(c.claim.kind, KeyClaim::kReplay);
  EXPECT_EQ(c.claim.replay.http_status, 409);
  EXPECT_TRUE(store_->begin_reservation("t2", "mobile", "13800000033", 1006));
}

// The suite above runs on each backend this executable was built for:
// SQLite in gateway_unit_test, PostgreSQL in postgres_store_test (one
// server for the executable, a schema per test).
#ifdef CGW_STORE_TEST_POSTGRES
INSTANTIATE_TEST_SUITE_P(Backend, StoreTest, ::testing::Values(StoreBackend::kPostgres),
                         backend_name);
#else
INSTANTIATE_TEST_SUITE_P(Backend, StoreTest, ::testing::Values(StoreBackend::kSqlite),
                         backend_name);

// SQLite's own mechanics: its full-scan counter and its WAL checkpoints
// (PostgreSQL has neither in this form).
namespace {
class SqliteStoreTest : public StoreTest {};
}  // namespace
INSTANTIATE_TEST_SUITE_P(Backend, SqliteStoreTest, ::testing::Values(StoreBackend::kSqlite),
                         backend_name);

// Reserving must cost the same with 1 or 100,000 past reservations: the
// claim's checks use the live-reservation index, never a scan.
TEST_P(SqliteStoreTest, ClaimingANumberDoesNotScanPastReservations) {
  for (int i = 0; i < 300; ++i) {
    auto r = store_->begin_reservation("t1", "mobile", "1390000" + std::to_string(1000 + i), 1000);
    ASSERT_TRUE(r);
    store_->abandon_reservation(r->id, 1000);
  }
  const int64_t before = store_->writer_full_scan_steps();
  for (int i = 0; i < 20; ++i) {
    auto s = store_->start_reservation("t1", "k" + std::to_string(i), "h", "mobile",
                                       "1370000" + std::to_string(1000 + i), std::nullopt, 2000);
    ASSERT_TRUE(s.reservation);
    store_->hold_reservation_with_key(s.reservation->id, "L", 9000, 9000, 2000, "t1",
                                      "k" + std::to_string(i), 201, "{}");
  }
  EXPECT_LT(store_->writer_full_scan_steps() - before, 20);
}

// Checkpoints run on their own thread: the WAL is copied into the database
// and starts again from its beginning, so it stays bounded under writes.
TEST_P(SqliteStoreTest, WalIsCheckpointedInTheBackground) {
  std::vector<cgw::NumberItem> page;
  for (int i = 0; i < 20'000; ++i)
    page.push_back({"135000" + std::to_string(10'000 + i),
                    "广东",
                    "广州",
                    100,
                    cgw::NumberState::available,
                    {},
                    {}});
  for (int gen = 1; gen <= 12; ++gen) store_->upsert_numbers("mobile", page, gen);
  for (int i = 0; i < 200 && store_->wal_checkpoints() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GT(store_->wal_checkpoints(), 0u);
  // More writes (about 60 MB of pages): the WAL starts over rather than
  // growing with every page.
  for (int gen = 13; gen <= 40; ++gen) store_->upsert_numbers("mobile", page, gen);
  const auto wal = std::filesystem::file_size(dir_ / "cgw.db-wal");
  EXPECT_LT(wal, 24u * 1024 * 1024) << "WAL of " << wal << " bytes";
  EXPECT_EQ(store_->inventory("mobile").available, 20'000);
}
#endif
