// Unit tests of the simulator's ledger: lock races, lock TTL with the
// simulated clock, the change feed, order bookkeeping, due work.
#include "cgw/sim/callback_chaos.hpp"
#include "cgw/sim/callback_sender.hpp"
#include "cgw/sim/clock.hpp"
#include "cgw/sim/config.hpp"
#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/ledger.hpp"
#include "cgw/sim/mobile/catalog.hpp"
#include "cgw/sim/mobile/kyc.hpp"
#include "cgw/sim/nonce_store.hpp"
#include "cgw/sim/number_pool.hpp"
#include "cgw/sim/request_journal.hpp"
#include "cgw/sim/rng.hpp"
#include "cgw/sim/schedule.hpp"
#include "cgw/sim/vanity.hpp"
#include "sim_core_support.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <set>
#include <thread>

using namespace cgw::sim;
using namespace cgw::sim::test;

// ---- locks -------------------------------------------------------------

TEST(Ledger, ConcurrentLocksOfOneNumberExactlyOneWins) {
  Ledger ledger = small_ledger();
  const std::string number = first_number(ledger);
  constexpr int kThreads = 32;
  std::atomic<int> won{0}, refused{0};
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto [r, res] = ledger.lock(reserve(number, numbered("L", i), 60'000), kT0);
      if (r == LockResult::kOk) ++won;
      if (r == LockResult::kUnavailable) ++refused;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(ledger.find_number(number, kT0)->state, NumberState::kLocked);
}

TEST(Ledger, LockExpiresWithTheSimulatedClock) {
  SimClock clock(kT0);
  Ledger ledger = small_ledger();
  const std::string number = first_number(ledger);
  auto [r1, res] = ledger.lock(reserve(number, "L1", 30 * 60'000), clock.now_ms());
  ASSERT_EQ(r1, LockResult::kOk);
  EXPECT_EQ(res.expire_ms, kT0 + 30 * 60'000);

  clock.advance(30 * 60'000 - 1);
  EXPECT_EQ(ledger.lock(reserve(number, "L2", 1'000), clock.now_ms()).first,
            LockResult::kUnavailable);
  EXPECT_EQ(ledger.page("", 1, clock.now_ms()).items[0].state, NumberState::kLocked);

  clock.advance(1);  // expiry instant: the number is free again
  EXPECT_EQ(ledger.page("", 1, clock.now_ms()).items[0].state, NumberState::kIdle);
  EXPECT_EQ(ledger.unlock(number, "L1", clock.now_ms()), ReleaseResult::kLockNotFound);
  EXPECT_EQ(ledger.lock(reserve(number, "L3", 1'000), clock.now_ms()).first, LockResult::kOk);
  auto locks = ledger.reservations();
  ASSERT_EQ(locks.size(), 2u);
  EXPECT_EQ(locks[0].state, LockState::kExpired);
  EXPECT_EQ(locks[1].state, LockState::kActive);
}

TEST(Ledger, UnlockChecksOwnershipAndUnknownNumbers) {
  Ledger ledger = small_ledger();
  auto page = ledger.page("", 2, kT0);
  const auto a = page.items[0].record.number, b = page.items[1].record.number;
  ASSERT_EQ(ledger.lock(reserve(a, "LA", 60'000), kT0).first, LockResult::kOk);
  EXPECT_EQ(ledger.lock(reserve("13000000000", "LX", 60'000), kT0).first, LockResult::kNotFound);
  EXPECT_EQ(ledger.unlock(b, "LA", kT0), ReleaseResult::kWrongNumber);
  EXPECT_EQ(ledger.unlock(a, "nope", kT0), ReleaseResult::kLockNotFound);
  EXPECT_EQ(ledger.unlock(a, "LA", kT0), ReleaseResult::kOk);
  EXPECT_EQ(ledger.unlock(a, "LA", kT0), ReleaseResult::kLockNotFound);
  EXPECT_EQ(ledger.find_number(a, kT0)->state, NumberState::kIdle);
}

TEST(Ledger, PagingIsStableByNumber) {
  Ledger ledger = small_ledger();
  std::vector<std::string> seen;
  std::string cursor;
  for (;;) {
    auto page = ledger.page(cursor, 37, kT0);
    for (auto& n : page.items) seen.push_back(n.record.number);
    if (!page.has_more) break;
    cursor = page.items.back().record.number;
  }
  ASSERT_EQ(seen.size(), ledger.size());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
}

namespace {
using Changes = std::vector<std::pair<std::string, NumberState>>;
Changes changes_of(const Page& page) {
  Changes out;
  for (const auto& n : page.items) out.emplace_back(n.record.number, n.state);
  return out;
}
}  // namespace

TEST(Ledger, ChangesListEachChangedNumberOnceInItsCurrentState) {
  Ledger ledger = small_ledger();
  auto first = ledger.page("", 3, kT0);
  EXPECT_EQ(first.change_seq, 0u);
  EXPECT_EQ(first.total, 200u);
  const auto a = first.items[0].record.number, b = first.items[1].record.number,
             c = first.items[2].record.number;
  ASSERT_EQ(ledger.lock(reserve(a, "LA", 60'000), kT0).first, LockResult::kOk);
  ASSERT_EQ(ledger.lock(reserve(b, "LB", 60'000), kT0).first, LockResult::kOk);
  ASSERT_EQ(ledger.unlock(a, "LA", kT0), ReleaseResult::kOk);
  ASSERT_TRUE(ledger.sell_elsewhere(c, kT0));

  auto all = ledger.changes(0, 100, kT0);
  EXPECT_EQ(changes_of(all),
            (Changes{{a, NumberState::kIdle}, {b, NumberState::kLocked}, {c, NumberState::kSold}}));
  EXPECT_EQ(all.change_seq, 4u);
  EXPECT_FALSE(all.has_more);
  EXPECT_EQ(all.total, 200u);
  EXPECT_EQ(ledger.page("", 1, kT0).change_seq, 4u) << "the listing is at the log end";
  // From a later position only what changed after it.
  EXPECT_EQ(changes_of(ledger.changes(2, 100, kT0)),
            (Changes{{a, NumberState::kIdle}, {c, NumberState::kSold}}));
  auto none = ledger.changes(4, 100, kT0);
  EXPECT_TRUE(none.items.empty());
  EXPECT_EQ(none.change_seq, 4u);
  EXPECT_FALSE(none.has_more);
  // Beyond the log end: nothing, and change_seq (< since) tells the caller.
  auto ahead = ledger.changes(9, 100, kT0);
  EXPECT_TRUE(ahead.items.empty());
  EXPECT_EQ(ahead.change_seq, 4u);
  // Pages of two: the position advances by the log entries read.
  auto p1 = ledger.changes(0, 2, kT0);
  EXPECT_EQ(changes_of(p1), (Changes{{a, NumberState::kIdle}, {b, NumberState::kLocked}}));
  EXPECT_TRUE(p1.has_more);
  EXPECT_EQ(p1.change_seq, 2u);
  auto p2 = ledger.changes(p1.change_seq, 2, kT0);
  EXPECT_EQ(changes_of(p2), (Changes{{a, NumberState::kIdle}, {c, NumberState::kSold}}));
  EXPECT_FALSE(p2.has_more);
  EXPECT_EQ(p2.change_seq, 4u);
}

TEST(Ledger, ExpiryAndOrdersAreChangesToo) {
  Ledger ledger = small_ledger();
  auto first = ledger.page("", 2, kT0);
  const auto a = first.items[0].record.number, b = first.items[1].record.number;
  ASSERT_EQ(ledger.lock(reserve(a, "LA", 1'000), kT0).first, LockResult::kOk);
  ASSERT_EQ(ledger.lock(reserve(b, "LB", 60'000), kT0).first, LockResult::kOk);
  const uint64_t after_locks = ledger.changes(0, 100, kT0).change_seq;
  EXPECT_EQ(after_locks, 2u);
  // The lock of `a` expires: a change seen by the next call.
  EXPECT_EQ(changes_of(ledger.changes(after_locks, 100, kT0 + 1'000)),
            (Changes{{a, NumberState::kIdle}}));
  // An order consumes the lock of `b` and sells it when it ends.
  ASSERT_EQ(ledger
                .submit(
                    OrderDraft{"O1", "P1", b, "LB", "P", "", "k"},
                    [](int) {
                      GateDecision g;
                      g.plan.due_ms = kT0 + 5'000;
                      return g;
                    },
                    kT0 + 1'000)
                .result,
            SubmitResult::kCreated);
  ledger.run_due(kT0 + 5'000);
  auto tail = ledger.changes(after_locks + 1, 100, kT0 + 5'000);
  EXPECT_EQ(changes_of(tail), (Changes{{b, NumberState::kSold}}));
}

TEST(Ledger, SellElsewhereOnlySellsIdleNumbers) {
  Ledger ledger = small_ledger();
  auto first = ledger.page("", 2, kT0);
  const auto a = first.items[0].record.number, b = first.items[1].record.number;
  EXPECT_TRUE(ledger.sell_elsewhere(a, kT0));
  EXPECT_EQ(ledger.find_number(a, kT0)->state, NumberState::kSold);
  EXPECT_FALSE(ledger.sell_elsewhere(a, kT0)) << "sold already";
  EXPECT_EQ(ledger.lock(reserve(a, "LA", 60'000), kT0).first, LockResult::kUnavailable);
  ASSERT_EQ(ledger.lock(reserve(b, "LB", 60'000), kT0).first, LockResult::kOk);
  EXPECT_FALSE(ledger.sell_elsewhere(b, kT0)) << "locked";
  EXPECT_FALSE(ledger.sell_elsewhere("13000000000", kT0)) << "unknown";
  EXPECT_EQ(ledger.find_number(b, kT0)->state, NumberState::kLocked);
  // Only the sale and the lock are in the log; refusals change nothing.
  EXPECT_EQ(ledger.changes(0, 100, kT0).change_seq, 2u);
}

// ---- orders ------------------------------------------------------------

namespace {
OrderGate accept_after(int64_t due_ms) {
  return [due_ms](int) {
    GateDecision g;
    g.plan.due_ms = due_ms;
    return g;
  };
}
OrderDraft draft(const std::string& id, const std::string& pid, const std::string& number,
                 const std::string& lock) {
  return OrderDraft{id, pid, number, lock, "P", "http://127.0.0.1:1/cb", "applicant-1"};
}
}  // namespace

TEST(Ledger, OrderLifecycleDedupeAndLines) {
  Ledger ledger = small_ledger();
  const std::string number = first_number(ledger);
  ASSERT_EQ(ledger.lock(reserve(number, "L1", 60'000), kT0).first, LockResult::kOk);
  EXPECT_EQ(ledger.submit(draft("O1", "P1", number, "nope"), accept_after(kT0), kT0).result,
            SubmitResult::kLockNotFound);
  EXPECT_EQ(ledger.submit(draft("O1", "P1", "13500000000", "L1"), accept_after(kT0), kT0).result,
            SubmitResult::kWrongNumber);
  auto created = ledger.submit(draft("O1", "P1", number, "L1"), accept_after(kT0 + 2'000), kT0);
  ASSERT_EQ(created.result, SubmitResult::kCreated);
  EXPECT_EQ(ledger.active_lines("applicant-1"), 1);  // in flight counts
  auto again = ledger.submit(draft("O2", "P1", number, "L1"), accept_after(kT0), kT0);
  EXPECT_EQ(again.result, SubmitResult::kDuplicate);
  EXPECT_EQ(again.order.order_id, "O1");
  EXPECT_EQ(again.order.submit_count, 2);

  EXPECT_TRUE(ledger.run_due(kT0 + 1'999).empty());
  auto done = ledger.run_due(kT0 + 2'000);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].state, OrderState::kSuccess);
  EXPECT_TRUE(ledger.run_due(kT0 + 9'000).empty()) << "final states are reported once";
  EXPECT_EQ(ledger.find_number(number, kT0)->state, NumberState::kSold);
  EXPECT_EQ(ledger.active_lines("applicant-1"), 1);
  EXPECT_EQ(ledger.find_order("", "P1")->state, OrderState::kSuccess);
  EXPECT_FALSE(ledger.find_order("O1", "P2").has_value());
  EXPECT_EQ(ledger.reservations()[0].state, LockState::kConsumed);
}

TEST(Ledger, FailedOrderFreesTheNumberAndStuckOrderNeverEnds) {
  Ledger ledger = small_ledger();
  auto page = ledger.page("", 2, kT0);
  const auto a = page.items[0].record.number, b = page.items[1].record.number;
  ledger.lock(reserve(a, "LA", 60'000), kT0);
  ledger.lock(reserve(b, "LB", 60'000), kT0);
  auto fail = [](int) {
    GateDecision g;
    g.plan = OrderPlan{kT0 + 10, OrderState::kFailed, "4008", true};
    return g;
  };
  auto stuck = [](int) {
    GateDecision g;
    g.plan.due_ms = -1;
    return g;
  };
  ASSERT_EQ(ledger.submit(draft("OA", "PA", a, "LA"), fail, kT0).result, SubmitResult::kCreated);
  ASSERT_EQ(ledger.submit(draft("OB", "PB", b, "LB"), stuck, kT0).result, SubmitResult::kCreated);
  auto done = ledger.run_due(kT0 + 365LL * 86'400'000);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].fail_reason, "4008");
  EXPECT_EQ(ledger.find_number(a, kT0)->state, NumberState::kIdle);
  EXPECT_EQ(ledger.find_order("OB", "")->state, OrderState::kProcessing);
  EXPECT_EQ(ledger.active_lines("applicant-1"), 1) << "the stuck order is still in flight";
}

TEST(Ledger, GateRejectionCreatesNothing) {
  Ledger ledger = small_ledger();
  const std::string number = first_number(ledger);
  ledger.lock(reserve(number, "L1", 60'000), kT0);
  auto out = ledger.submit(
      draft("O1", "P1", number, "L1"),
      [](int) {
        return GateDecision{"4008", {}};
      },
      kT0);
  EXPECT_EQ(out.result, SubmitResult::kRejected);
  EXPECT_EQ(out.code, "4008");
  EXPECT_TRUE(ledger.orders().empty());
  EXPECT_EQ(ledger.reservations()[0].state, LockState::kActive) << "the lock stays usable";
}

TEST(Ledger, ConcurrentResubmissionsCreateOneOrder) {
  Ledger ledger = small_ledger();
  const std::string number = first_number(ledger);
  ledger.lock(reserve(number, "L1", 60'000), kT0);
  constexpr int kThreads = 16;
  std::atomic<int> created{0};
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      go.arrive_and_wait();
      auto out =
          ledger.submit(draft(numbered("O", i), "P1", number, "L1"), accept_after(kT0 + 1), kT0);
      if (out.result == SubmitResult::kCreated) ++created;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  ASSERT_EQ(ledger.orders().size(), 1u);
  EXPECT_EQ(ledger.orders()[0].submit_count, kThreads);
}

TEST(Ledger, NextDueAndExpireDueInTimeOrder) {
  Ledger ledger = small_ledger();
  auto page = ledger.page("", 3, kT0);
  EXPECT_FALSE(ledger.next_due_ms());
  ASSERT_EQ(ledger.lock(reserve(page.items[0].record.number, "L1", 2'000), kT0).first,
            LockResult::kOk);
  ASSERT_EQ(ledger.lock(reserve(page.items[1].record.number, "L2", 1'000), kT0).first,
            LockResult::kOk);
  EXPECT_EQ(ledger.next_due_ms(), kT0 + 1'000);
  auto expired = ledger.expire_due(kT0 + 5'000);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].lock_id, "L2");
  EXPECT_EQ(expired[1].lock_id, "L1");
  EXPECT_EQ(expired[1].state, LockState::kExpired);
  EXPECT_FALSE(ledger.next_due_ms());
}
