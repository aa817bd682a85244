// The subscriber repository on every backend (store/subscriber_repository.
// hpp): which numbers a tenant sold, the holder check against the sale's
// verification, top-ups kept once per key and settled once, and SIM
// replacements that only move forward.
#include "store/store_backend.hpp"

#include <gtest/gtest.h>

using namespace cgw::gw;

namespace {

class SubscriberStoreTest : public BackendStoreTest {
 protected:
  SubscriberRepository& subs() { return *store_->repos.subscribers; }

  // An activation of `tenant` for `msisdn`, moved to `status`, whose holder
  // is 张三 / 11010519491231002X.
  std::string sell(const std::string& tenant, const std::string& msisdn,
                   const std::string& status = "activated") {
    auto r = store_->begin_reservation(tenant, "mobile", msisdn, 1000);
    EXPECT_TRUE(r);
    store_->hold_reservation(r->id, "L1", 1'000'000, 1000);
    cgw::KycVerifyOutput out{cgw::KycResult::passed, {}, "V1"};
    auto v =
        store_->save_verification(tenant, "mobile", {"张三", "11010519491231002X", {}}, out, 1000);
    NewActivation a;
    a.tenant = tenant;
    a.idempotency_key = "k-" + msisdn;
    a.request_hash = "h";
    a.reservation_id = r->id;
    a.verification_id = v.id;
    a.plan_id = "P1";
    a.delivery = {"张三", "13800000000", "Somewhere 1"};
    auto id = std::get<Activation>(store_->create_activation(a, 2000).value()).id;
    EXPECT_TRUE(store_->advance_activation(id, "submitted", "submit", 2100));
    if (status != "submitted") {
      EXPECT_TRUE(store_->advance_activation(id, status, "cb", 2200));
    }
    return id;
  }

  Recharge recharge(const std::string& id, const std::string& key, int64_t amount = 5000) {
    Recharge r;
    r.id = id;
    r.tenant = "t1";
    r.idempotency_key = key;
    r.request_hash = "h-" + std::to_string(amount);
    r.carrier = "mobile";
    r.msisdn = "13900000001";
    r.amount_fen = amount;
    r.status = recharge::kSubmitting;
    r.created_at_ms = r.updated_at_ms = 5000;
    return r;
  }
};

}  // namespace

// Only an activation of the tenant at activated or later makes a number
// the tenant's line; another tenant's sale, or an order not yet activated,
// does not.
TEST_P(SubscriberStoreTest, SoldLinesAreTheTenantsActivatedOnes) {
  const auto sold = sell("t1", "13900000001");
  sell("t1", "13900000002", "submitted");
  auto line = subs().sold_line("t1", "13900000001");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->activation_id, sold);
  EXPECT_EQ(line->carrier, "mobile");
  EXPECT_FALSE(subs().sold_line("t2", "13900000001"));
  EXPECT_FALSE(subs().sold_line("t1", "13900000002"));
  EXPECT_FALSE(subs().sold_line("t1", "13900000009"));
  auto seller = subs().seller("mobile", "13900000001");
  ASSERT_TRUE(seller);
  EXPECT_EQ(seller->tenant, "t1");
  EXPECT_FALSE(subs().seller("unicom", "13900000001"));
}

TEST_P(SubscriberStoreTest, HolderIsCheckedAgainstTheSalesVerification) {
  const auto id = sell("t1", "13900000001");
  EXPECT_TRUE(subs().holder_matches(id, "张三", "11010519491231002X"));
  EXPECT_FALSE(subs().holder_matches(id, "张三", "110105194912310037"));
  EXPECT_FALSE(subs().holder_matches(id, "李四", "11010519491231002X"));
  EXPECT_FALSE(subs().holder_matches("act_none", "张三", "11010519491231002X"));
}

// One top-up per (tenant, key): a second insert under the key returns the
// first, as stored; the first verdict is the only one.
TEST_P(SubscriberStoreTest, ATopUpIsKeptOncePerKeyAndSettledOnce) {
  auto first = subs().insert_recharge(recharge("rch_1", "key-1"));
  EXPECT_EQ(first.id, "rch_1");
  EXPECT_EQ(first.status, recharge::kSubmitting);
  auto again = subs().insert_recharge(recharge("rch_2", "key-1", 7000));
  EXPECT_EQ(again.id, "rch_1");
  EXPECT_EQ(again.amount_fen, 5000);
  EXPECT_EQ(again.request_hash, "h-5000");
  // Another tenant's key of the same name is its own.
  auto other = recharge("rch_3", "key-1");
  other.tenant = "t2";
  EXPECT_EQ(subs().insert_recharge(other).id, "rch_3");
  EXPECT_FALSE(subs().recharge("t2", "rch_1"));

  subs().note_recharge_attempt("rch_1", 6000);
  ASSERT_EQ(subs().submitting_recharges(6000, 10).size(), 2u);
  EXPECT_TRUE(subs().submitting_recharges(5999, 10).size() == 1u);  // rch_3 only
  ASSERT_TRUE(
      subs().settle_recharge("rch_1", {recharge::kSucceeded, "R1", "", int64_t{6900}}, 7000));
  EXPECT_FALSE(subs().settle_recharge("rch_1", {recharge::kFailed, "", "late", {}}, 8000));
  auto settled = subs().recharge("t1", "rch_1");
  ASSERT_TRUE(settled);
  EXPECT_EQ(settled->status, recharge::kSucceeded);
  EXPECT_EQ(settled->carrier_recharge_id, "R1");
  EXPECT_EQ(settled->balance_fen, 6900);
  EXPECT_EQ(settled->attempts, 1);
  EXPECT_EQ(subs().submitting_recharges(100'000, 10).size(), 1u);
}

TEST_P(SubscriberStoreTest, ReplacementsMoveForwardOnlyWithHistory) {
  const auto act = sell("t1", "13900000001");
  SimReplacement r;
  r.id = "rpl_1";
  r.tenant = "t1";
  r.idempotency_key = "key-r";
  r.request_hash = "h";
  r.carrier = "mobile";
  r.msisdn = "13900000001";
  r.activation_id = act;
  r.reason = "lost";
  r.status = "pending";
  r.created_at_ms = r.updated_at_ms = 5000;
  EXPECT_EQ(subs().insert_replacement(r).id, "rpl_1");
  auto dup = r;
  dup.id = "rpl_2";
  EXPECT_EQ(subs().insert_replacement(dup).id, "rpl_1");
  EXPECT_EQ(subs().open_replacements(), std::vector<std::string>{"rpl_1"});

  ASSERT_TRUE(subs().advance_replacement("rpl_1", {"submitted", "accepted", "C1"}, 6000));
  ReplacementChange shipped{"shipped", "callback E1", "", "", "", "SF", "SF123"};
  ASSERT_TRUE(subs().advance_replacement("rpl_1", shipped, 7000));
  // Late: not forward, nothing moves (the waybill stays).
  EXPECT_FALSE(subs().advance_replacement("rpl_1", {"submitted", "callback E0"}, 8000));
  ASSERT_TRUE(subs().advance_replacement("rpl_1", {"activated", "poll"}, 9000));
  auto got = subs().replacement("t1", "rpl_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, "activated");
  EXPECT_EQ(got->carrier_order_id, "C1");
  EXPECT_EQ(got->courier, "SF");
  EXPECT_EQ(got->waybill, "SF123");
  ASSERT_EQ(got->history.size(), 4u);
  EXPECT_EQ(got->history[0].status, "pending");
  EXPECT_EQ(got->history[2].cause, "callback E1");
  EXPECT_FALSE(subs().replacement("t2", "rpl_1"));
  EXPECT_TRUE(subs().open_replacements().empty());
}

// Line events go to the webhook outbox under the sale's activation, in the
// caller's transaction.
TEST_P(SubscriberStoreTest, LineEventsAreQueuedUnderTheSale) {
  const auto act = sell("t1", "13900000001");
  auto line = *subs().sold_line("t1", "13900000001");
  {
    auto tx = store_->repos.db->begin();
    subs().enqueue_line_event(*tx, line, "evt_x", "subscriber.suspended", R"({"id":"evt_x"})",
                              9000);
  }  // rolled back
  EXPECT_TRUE(store_->repos.outbox->events_for(act).empty());
  in_transaction(*store_->repos.db, [&](Tx& tx) {
    subs().enqueue_line_event(tx, line, "evt_y", "subscriber.suspended", R"({"id":"evt_y"})", 9000);
  });
  auto events = store_->repos.outbox->events_for(act);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.type, "subscriber.suspended");
  EXPECT_EQ(events[0].event.tenant, "t1");
}

#ifdef CGW_STORE_TEST_POSTGRES
INSTANTIATE_TEST_SUITE_P(Backend, SubscriberStoreTest, ::testing::Values(StoreBackend::kPostgres),
                         backend_name);
#else
INSTANTIATE_TEST_SUITE_P(Backend, SubscriberStoreTest, ::testing::Values(StoreBackend::kSqlite),
                         backend_name);
#endif
