// Magic msisdns for reserve outcomes (magic_numbers.hpp) and the scripted
// event plans (EventScript) of the simulator core.
#include "cgw/sim/magic_numbers.hpp"
#include "sim_lifecycle_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

using namespace cgw::sim;
using namespace cgw::sim::test;

namespace {

// stage name @ ms after kT0, for each stage change taken.
std::vector<std::string> changes(Ledger& ledger) {
  std::vector<std::string> out;
  for (const StageChange& c : ledger.take_stage_changes())
    out.push_back(std::string(to_string(c.stage)) + "@" + std::to_string(c.at_ms - kT0));
  return out;
}

using Names = std::vector<std::string>;

}  // namespace

TEST(MagicNumbers, EachCarriersExamplesAnswerTheSameAlways) {
  Ledger ledger = small_ledger();
  // One example per carrier (docs/simulators-reference.md), in its own segments.
  const std::vector<std::string> prefixes = {"1380", "1300", "1330", "1700"};
  for (const std::string& p : prefixes) {
    const std::string locked = p + "0000001", sold = p + "0000002", unknown = p + "0000003";
    EXPECT_EQ(magic_reserve(locked), MagicReserve::kLockedElsewhere);
    EXPECT_EQ(magic_reserve(sold), MagicReserve::kSold);
    EXPECT_EQ(magic_reserve(unknown), MagicReserve::kNotInPool);
    for (int attempt = 0; attempt < 2; ++attempt) {
      EXPECT_EQ(ledger.lock(reserve(locked, numbered("LA", attempt) + p, 60'000), kT0).first,
                LockResult::kUnavailable);
      EXPECT_EQ(ledger.lock(reserve(sold, numbered("LB", attempt) + p, 60'000), kT0).first,
                LockResult::kUnavailable);
      EXPECT_EQ(ledger.lock(reserve(unknown, numbered("LC", attempt) + p, 60'000), kT0).first,
                LockResult::kNotFound);
    }
  }
  EXPECT_FALSE(magic_reserve("13800000004"));
  EXPECT_FALSE(magic_reserve("1380000001"));  // 10 digits
  EXPECT_FALSE(magic_reserve("138000000a1"));
}

TEST(MagicNumbers, NeverDrawnIntoAPool) {
  // A segment so narrow (10,000 numbers) that a pool of half of it would
  // hold the magic numbers about half the time, were they not skipped.
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const auto pool = generate_pool(PoolSpec{{"1380000"}, {{"北京", "北京"}}, 5'000, seed});
    ASSERT_EQ(pool.size(), 5'000u);
    for (const auto& r : pool) EXPECT_FALSE(magic_reserve(r.number)) << r.number;
  }
}

TEST(MagicPlans, AllStagesInOrderWhateverTheSettings) {
  Ledger ledger = small_ledger();
  LifecycleSettings s;
  s.fulfilment = false;  // the script still ships and delivers
  ledger.set_lifecycle(s);
  OrderPlan plan = due_in(3'000);
  plan.script = EventScript::kAllStages;
  place(ledger, "E1", plan);
  for (int64_t t = 1'000; t <= 3'000; t += 1'000) ledger.run_due(kT0 + t);
  EXPECT_EQ(changes(ledger),
            (Names{"reviewing@0", "shipped@1000", "delivered@2000", "activated@3000"}));
  EXPECT_EQ(ledger.find_order("E1", "")->state, OrderState::kSuccess);
}

TEST(MagicPlans, OutOfOrderEventsNeverMoveTheOrderBack) {
  Ledger ledger = small_ledger();
  OrderPlan plan = due_in(4'000);
  plan.script = EventScript::kOutOfOrder;
  place(ledger, "O1", plan);
  ledger.run_due(kT0 + 1'000);
  EXPECT_EQ(changes(ledger), (Names{"reviewing@0", "delivered@1000"}));
  EXPECT_FALSE(ledger.find_order("O1", "")->courier.empty());  // delivered by someone
  ledger.run_due(kT0 + 2'000);
  auto late = ledger.take_stage_changes();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].stage, OrderStage::kShipped);  // the late report ...
  EXPECT_EQ(late[0].order.stage, OrderStage::kShipped);
  EXPECT_EQ(ledger.find_order("O1", "")->stage, OrderStage::kDelivered);  // ... moves nothing
  ledger.run_due(kT0 + 3'000);
  ledger.run_due(kT0 + 4'000);
  ledger.run_due(kT0 + 10'000'000);  // nothing more
  EXPECT_EQ(changes(ledger), (Names{"activated@3000", "shipped@4000"}));
  const auto order = ledger.find_order("O1", "");
  EXPECT_EQ(order->stage, OrderStage::kActivated);
  EXPECT_EQ(order->state, OrderState::kSuccess);
  EXPECT_TRUE(ledger.find_line(order->number));
  EXPECT_FALSE(ledger.next_due_ms());  // no first top-up
}
