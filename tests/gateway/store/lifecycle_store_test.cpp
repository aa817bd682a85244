// The fulfilment lifecycle in the store (docs/after-sales.md), on each
// backend: forward moves with what came with them, the endings, the
// number's fate, and cancelling an order that was never sent.
#include "core/activation_status.hpp"
#include "store/operations.hpp"
#include "store/store_backend.hpp"

#include <gtest/gtest.h>

using namespace cgw::gw;
namespace act = cgw::gw::activation;

namespace {
class LifecycleStoreTest : public BackendStoreTest {
 protected:
  bool move(const std::string& id, const char* status, int64_t at, std::string detail = {}) {
    StatusChange c{status, std::string("carrier: ") + status};
    c.detail = std::move(detail);
    return store_->advance_activation(id, c, at);
  }
};
}  // namespace

TEST(Lifecycle, MovesOnlyForwardAndEndsOnlyWhileOpen) {
  EXPECT_TRUE(activation_moves_forward(act::kSubmitted, act::kShipped));  // skips reviewing
  EXPECT_TRUE(activation_moves_forward(act::kDelivered, act::kFirstTopup));
  EXPECT_FALSE(activation_moves_forward(act::kDelivered, act::kShipped));
  EXPECT_FALSE(activation_moves_forward(act::kShipped, act::kShipped));
  EXPECT_TRUE(activation_moves_forward(act::kShipped, act::kReturned));
  EXPECT_TRUE(activation_moves_forward(act::kPending, act::kCancelled));
  EXPECT_FALSE(activation_moves_forward(act::kActivated, act::kCancelled));
  EXPECT_FALSE(activation_moves_forward(act::kActivated, act::kFailed));
  EXPECT_FALSE(activation_moves_forward(act::kCancelled, act::kShipped));
  EXPECT_FALSE(activation_moves_forward(act::kFirstTopup, act::kReturned));
  EXPECT_FALSE(activation_moves_forward(act::kShipped, "lost_in_the_post"));
  EXPECT_TRUE(is_settled_status(act::kActivated));
  EXPECT_FALSE(is_final_status(act::kActivated));
  EXPECT_TRUE(is_final_status(act::kFirstTopup));
  EXPECT_FALSE(is_settled_status(act::kShipped));
}

TEST_P(LifecycleStoreTest, TheHistoryKeepsEachMoveWithWhatCameWithIt) {
  const auto id = new_activation("13800000101");
  ASSERT_TRUE(move(id, act::kSubmitted, 3000));
  ASSERT_TRUE(move(id, act::kShipped, 4000, R"({"courier":"SF","waybill":"SF1001"})"));
  // Shipped orders are still driven by the engine (polling).
  EXPECT_EQ(store_->open_activations().size(), 1u);
  EXPECT_FALSE(move(id, act::kReviewing, 4100));  // late: behind shipped
  ASSERT_TRUE(move(id, act::kActivated, 5000));   // delivered skipped
  EXPECT_TRUE(store_->open_activations().empty());
  EXPECT_FALSE(move(id, act::kCancelled, 5100));  // an activated line does not end so
  ASSERT_TRUE(move(id, act::kFirstTopup, 6000, R"({"amount_fen":5000})"));
  EXPECT_FALSE(move(id, act::kFirstTopup, 6100, R"({"amount_fen":9900})"));
  auto a = store_->activation("t1", id);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, act::kFirstTopup);
  ASSERT_EQ(a->history.size(), 5u);  // pending, submitted, shipped, activated, first_topup
  EXPECT_EQ(a->history[2].status, act::kShipped);
  EXPECT_EQ(a->history[2].detail, R"({"courier":"SF","waybill":"SF1001"})");
  EXPECT_EQ(a->history[3].detail, "");
  EXPECT_EQ(a->history[4].detail, R"({"amount_fen":5000})");
}

TEST_P(LifecycleStoreTest, AFirstTopupReportedFirstStillSellsTheNumber) {
  const auto id = new_activation("13800000102");
  ASSERT_TRUE(move(id, act::kSubmitted, 3000));
  ASSERT_TRUE(move(id, act::kFirstTopup, 4000, R"({"amount_fen":100})"));
  // Sold: another tenant cannot claim it, whatever the hold's expiry.
  EXPECT_FALSE(store_->begin_reservation("t2", "mobile", "13800000102", 9'000'000));
}

TEST_P(LifecycleStoreTest, CancelledOrReturnedGivesTheNumberBack) {
  const auto id = new_activation("13800000103");
  ASSERT_TRUE(move(id, act::kShipped, 3000));
  ASSERT_TRUE(move(id, act::kReturned, 4000));
  EXPECT_TRUE(store_->open_activations().empty());
  // Queued for release at the carrier, like a failed order's.
  EXPECT_EQ(store_->reservation("t1", store_->activation("t1", id)->reservation_id, 4000)->status,
            "releasing");
}

TEST_P(LifecycleStoreTest, AnOrderNeverSentIsCancelledAndThenNeverSent) {
  const auto id = new_activation("13800000104");
  auto before = cancel_unsent_activation(store_->repos, "t1", id, "cancelled", 3000);
  ASSERT_EQ(before, act::kPending);
  EXPECT_EQ(store_->activation("t1", id)->status, act::kCancelled);
  // The engine's count before a submit now refuses: the order is not sent.
  EXPECT_FALSE(store_->repos.activations->note_submit_attempt(id));
  EXPECT_FALSE(cancel_unsent_activation(store_->repos, "t2", id, "x", 3100));  // another tenant
}

TEST_P(LifecycleStoreTest, AnOrderWhoseSubmitStartedIsLeftToTheCarrier) {
  const auto id = new_activation("13800000105");
  ASSERT_TRUE(store_->repos.activations->note_submit_attempt(id));
  auto before = cancel_unsent_activation(store_->repos, "t1", id, "cancelled", 3000);
  ASSERT_EQ(before, act::kPending);
  EXPECT_EQ(store_->activation("t1", id)->status, act::kPending);  // nothing written
}

#ifdef CGW_STORE_TEST_POSTGRES
INSTANTIATE_TEST_SUITE_P(Backend, LifecycleStoreTest, ::testing::Values(StoreBackend::kPostgres),
                         backend_name);
#else
INSTANTIATE_TEST_SUITE_P(Backend, LifecycleStoreTest, ::testing::Values(StoreBackend::kSqlite),
                         backend_name);
#endif
