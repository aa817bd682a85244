// The inventory sync (inventory/sync.hpp) against the real mobile simulator
// and plugin, in process: a full sync stores every number and installs the
// index it built from the pages; an incremental sync follows a change made
// at the carrier; a sync cut by the shutdown changes nothing; rebuilding the
// index from the store gives what the sync built.
#include "inventory/sync.hpp"
#include "carrier_in_process.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace cgw::gw;
namespace json = boost::json;

namespace {

constexpr int kPool = 300;

class InventorySyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name =
        std::string("sync_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(in.start(name, "mobile", kPool), "");
  }
  SyncResult full() { return in.run(full_sync(*in.inventory, *in.carrier)); }
  SyncResult incremental() { return in.run(incremental_sync(*in.inventory, *in.carrier)); }
  int64_t indexed_available() { return in.inventory->index.available("mobile").value_or(-1); }
  int64_t stored_available() { return in.svc->store.numbers->inventory("mobile", true).available; }

  in_process::CarrierInProcess in;
};

TEST_F(InventorySyncTest, AFullSyncStoresEveryNumberAndInstallsTheIndexItBuilt) {
  EXPECT_FALSE(in.inventory->index.available("mobile"));  // nothing before the first sync
  const auto r = full();
  ASSERT_TRUE(r.ok);
  // Pages of 100 (CarrierInProcess): the pass walked every page.
  EXPECT_EQ(r.numbers, kPool);
  const auto st = in.svc->store.numbers->sync_state("mobile");
  EXPECT_TRUE(st.last_full_sync_at_ms);
  EXPECT_FALSE(st.change_cursor.empty()) << "the mobile plugin offers a change feed";
  EXPECT_GT(stored_available(), 0);
  EXPECT_LE(stored_available(), kPool);
  EXPECT_EQ(indexed_available(), stored_available());
}

TEST_F(InventorySyncTest, RebuildingTheIndexFromTheStoreGivesWhatTheSyncBuilt) {
  ASSERT_TRUE(full().ok);
  const int64_t from_sync = indexed_available();
  rebuild_number_index(*in.inventory, "mobile");
  EXPECT_EQ(indexed_available(), from_sync);
}

TEST_F(InventorySyncTest, AnIncrementalSyncFollowsANumberLockedAtTheCarrier) {
  ASSERT_TRUE(full().ok);
  const int64_t before = indexed_available();
  // Someone else (another channel) locks an available number at the carrier.
  cgw::InventorySyncInput page{"", 20, ""};
  auto listed =
      in.run(in.carrier->run(cgw::op::kInventorySync, json::serialize(json::value_from(page))));
  ASSERT_TRUE(listed);
  std::string msisdn;
  for (const auto& n : json::value_to<cgw::InventorySyncOutput>(listed.value()).items)
    if (n.status == cgw::NumberState::available) {
      msisdn = n.msisdn;
      break;
    }
  ASSERT_FALSE(msisdn.empty());
  cgw::ReserveInput ri{msisdn, "other-channel-1", 600};
  auto locked =
      in.run(in.carrier->run(cgw::op::kNumberReserve, json::serialize(json::value_from(ri))));
  ASSERT_TRUE(locked) << locked.error().code;

  const auto r = incremental();
  ASSERT_TRUE(r.ok);
  EXPECT_GE(r.numbers, 1);
  EXPECT_EQ(indexed_available(), before - 1);
  EXPECT_EQ(stored_available(), before - 1);
  // Nothing more changed: the next pass finds no change.
  const auto again = incremental();
  ASSERT_TRUE(again.ok);
  EXPECT_EQ(again.numbers, 0);
}

TEST_F(InventorySyncTest, AFullSyncCutByTheShutdownKeepsThePreviousInventory) {
  ASSERT_TRUE(full().ok);
  const auto st = in.svc->store.numbers->sync_state("mobile");
  const int64_t before = indexed_available();
  in.svc->stopping = true;
  const auto r = full();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(indexed_available(), before);
  EXPECT_EQ(stored_available(), before);
  EXPECT_EQ(in.svc->store.numbers->sync_state("mobile").last_full_sync_at_ms,
            st.last_full_sync_at_ms);
}

}  // namespace
