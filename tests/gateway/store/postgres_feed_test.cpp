// The change feed of local holds (store/hold_feed.hpp): every hold and
// release of a number committed by any instance is read once, in order, a
// change whose transaction commits after a later one is not skipped, and a
// reader behind the pruned horizon is told to rebuild. SQLite has no feed.
#include "store/store_backend.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace cgw::gw;

namespace {

class HoldFeedTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    BackendStoreTest::SetUp();
    std::vector<cgw::NumberItem> page;
    for (int i = 0; i < 4; ++i)
      page.push_back({"1380000004" + std::to_string(i),
                      "广东",
                      "广州",
                      100,
                      cgw::NumberState::available,
                      {},
                      {}});
    store_->upsert_numbers("mobile", page, 1);
    feed_ = store_->repos.hold_feed.get();
    ASSERT_NE(feed_, nullptr);
    feed_->start();
  }
  // The next batch's changes as "msisdn:hold|unhold".
  std::vector<std::string> read() {
    auto b = feed_->next(100);
    EXPECT_FALSE(b.behind);
    std::vector<std::string> out;
    for (const auto& c : b.changes)
      out.push_back(c.number.msisdn + (c.hidden ? ":hold" : ":unhold"));
    return out;
  }
  void set_hold(StoreHarness& s, const std::string& msisdn, LocalHold hold) {
    auto tx = s.repos.db->begin();
    s.repos.numbers->set_local_hold(*tx, {"mobile", msisdn}, hold);
    tx->commit();
  }
  HoldFeed* feed_ = nullptr;
};

// One instance owns an SQLite file: its index hears of every hold as it
// commits, and no follower runs.
class NoHoldFeedTest : public BackendStoreTest {};
TEST_P(NoHoldFeedTest, SqliteHasNoFeed) {
  EXPECT_EQ(store_->repos.hold_feed, nullptr);
}

TEST_P(HoldFeedTest, AReservationAndItsReleaseReachTheFeedInOrder) {
  auto other = make_store();  // another instance
  ASSERT_EQ(other->open(), "");
  auto r = other->begin_reservation("t1", "mobile", "13800000040", 1000);
  ASSERT_TRUE(r) << r.error().message;
  other->release_reservation(r.value().id, 2000);
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000040:hold", "13800000040:unhold"}));
  EXPECT_TRUE(read().empty());  // each change once
  // A change that leaves the hold as it is writes nothing.
  set_hold(*store_, "13800000041", LocalHold::kShown);
  EXPECT_TRUE(read().empty());
}

// Instance A takes a seq and commits late; instance B takes the next seq
// and commits first. The reader sees B's change, then A's once it commits.
TEST_P(HoldFeedTest, AChangeThatCommitsAfterALaterOneIsNotSkipped) {
  auto other = make_store();
  ASSERT_EQ(other->open(), "");
  auto slow = store_->repos.db->begin();
  store_->repos.numbers->set_local_hold(*slow, {"mobile", "13800000042"}, LocalHold::kReserved);
  set_hold(*other, "13800000043", LocalHold::kReserved);
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000043:hold"}));
  slow->commit();
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000042:hold"}));
  EXPECT_TRUE(read().empty());
}

// A change rolled back never shows, and its seq does not hold the reader up.
TEST_P(HoldFeedTest, ARolledBackChangeNeverShows) {
  {
    auto tx = store_->repos.db->begin();
    store_->repos.numbers->set_local_hold(*tx, {"mobile", "13800000040"}, LocalHold::kReserved);
  }  // rolled back
  set_hold(*store_, "13800000041", LocalHold::kReserved);
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000041:hold"}));
  EXPECT_TRUE(read().empty());
  set_hold(*store_, "13800000041", LocalHold::kShown);
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000041:unhold"}));
}

TEST_P(HoldFeedTest, AReaderBehindThePrunedChangesIsToldToRebuild) {
  set_hold(*store_, "13800000040", LocalHold::kReserved);
  EXPECT_EQ(feed_->prune(0), 1);  // older than 0 ms: every change
  EXPECT_TRUE(feed_->next(100).behind);
  feed_->start();  // positioned again (the caller rebuilds its index)
  set_hold(*store_, "13800000041", LocalHold::kReserved);
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000041:hold"}));
  // A reader that had read everything before the prune is not behind.
  set_hold(*store_, "13800000041", LocalHold::kShown);
  EXPECT_EQ(read(), (std::vector<std::string>{"13800000041:unhold"}));
  EXPECT_EQ(feed_->prune(0), 2);
  EXPECT_FALSE(feed_->next(100).behind);
}

INSTANTIATE_TEST_SUITE_P(Backend, HoldFeedTest, ::testing::Values(StoreBackend::kPostgres),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backend, NoHoldFeedTest, ::testing::Values(StoreBackend::kSqlite),
                         backend_name);

}  // namespace
