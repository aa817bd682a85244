// Unit tests of the simulator core (and the pure parts of the mobile
// simulator): pool determinism, vanity grading, nonce store, lock races,
// lock TTL with the simulated clock, order bookkeeping, config errors, and
// the pure parts of the simulator kit (clock freeze, schedules, fault rules,
// callback chaos settings, journal queries). sim_kit_test.cpp has the kit
// over HTTP.
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

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <set>
#include <thread>

using namespace cgw::sim;

namespace {

constexpr int64_t kT0 = 1'760'000'000'000;  // a fixed simulated "now"

PoolSpec mobile_spec(size_t size, uint64_t seed) {
  return PoolSpec{mobile::segments(), mobile::regions(), size, seed};
}

Ledger small_ledger() {
  return Ledger(generate_pool(mobile_spec(200, 1)));
}

std::string first_number(Ledger& ledger) {
  return ledger.page("", 1, kT0).items.at(0).record.number;
}

// prefix + i. (Not `"x" + std::to_string(i)`: GCC 12 reports a false
// -Wstringop-overflow for that at -O3.)
std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

ReserveRequest reserve(const std::string& number, const std::string& lock_id, int64_t hold_ms) {
  return ReserveRequest{number, lock_id, "", hold_ms};
}

}  // namespace

// ---- number pool -------------------------------------------------------

TEST(NumberPool, SameSeedSamePool) {
  auto a = generate_pool(mobile_spec(5000, 42));
  auto b = generate_pool(mobile_spec(5000, 42));
  ASSERT_EQ(a.size(), 5000u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].number, b[i].number);
    EXPECT_EQ(a[i].city, b[i].city);
    EXPECT_EQ(a[i].price_fen, b[i].price_fen);
  }
  auto c = generate_pool(mobile_spec(5000, 43));
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].number == c[i].number;
  EXPECT_LT(same, 10u) << "another seed must give another pool";
}

TEST(NumberPool, SortedDistinctAndOnChinaMobileSegments) {
  auto pool = generate_pool(mobile_spec(20000, 42));
  std::set<std::string> provinces;
  for (size_t i = 0; i < pool.size(); ++i) {
    if (i) {
      ASSERT_LT(pool[i - 1].number, pool[i].number);
    }
    ASSERT_TRUE(in_segments(pool[i].number, mobile::segments())) << pool[i].number;
    ASSERT_FALSE(pool[i].number.starts_with("1349")) << "1349 is satellite";
    ASSERT_GE(pool[i].level, 0);
    ASSERT_LE(pool[i].level, 10);
    EXPECT_EQ(pool[i].price_fen, price_for_level(pool[i].level));
    provinces.insert(pool[i].province);
  }
  EXPECT_GE(provinces.size(), 5u);
  size_t vanity = 0;
  for (const auto& r : pool) vanity += r.level >= 5;
  EXPECT_GT(vanity, 100u) << "tests need vanity numbers to find";
}

// The pool of a seed is pinned: demo data, test fixtures and recorded runs
// rely on it, so a faster generator must give exactly the same numbers.
TEST(NumberPool, ContentsArePinnedForASeed) {
  auto pool = generate_pool(mobile_spec(20000, 42));
  uint64_t h = 1469598103934665603ULL;  // FNV-1a over every field
  auto mix = [&](const std::string& field) {
    for (unsigned char c : field) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  };
  for (const auto& r : pool) {
    mix(r.number);
    mix(r.province);
    mix(r.city);
    mix(std::to_string(r.level));
    mix(std::to_string(r.price_fen));
    mix(r.pattern);
  }
  EXPECT_EQ(h, 0x1e2a4845c65d4459ULL);
}

TEST(NumberPool, RejectsImpossibleSpecs) {
  EXPECT_THROW(generate_pool(PoolSpec{{"1340"}, mobile::regions(), 6'000'000, 1}),
               std::invalid_argument);
  EXPECT_THROW(generate_pool(PoolSpec{{"13a"}, mobile::regions(), 10, 1}), std::invalid_argument);
  EXPECT_THROW(generate_pool(PoolSpec{{"135"}, {}, 10, 1}), std::invalid_argument);
}

// ---- vanity grading ----------------------------------------------------

TEST(Vanity, LevelsOfKnownPatterns) {
  EXPECT_EQ(grade_number("13811111111").level, 10);  // AAAAAAAA
  EXPECT_EQ(grade_number("13800001111").level, 9);   // AAAA
  EXPECT_EQ(grade_number("13800001111").pattern, "AAAA");
  EXPECT_EQ(grade_number("13812345678").level, 9);  // ABCDE... + ending 8
  EXPECT_EQ(grade_number("13876543210").level, 8);  // descending run
  EXPECT_EQ(grade_number("13898765432").level, 7);  // the same, a 4 in the last four
  EXPECT_EQ(grade_number("13851931122").level, 5);  // AABB
  EXPECT_EQ(grade_number("13851931212").level, 4);  // ABAB
  EXPECT_EQ(grade_number("13851930168").level, 4);  // 168 + ending 8
  EXPECT_EQ(grade_number("13851937202").level, 0);  // plain
  EXPECT_EQ(grade_number("13851937202").price_fen, 0);
}

TEST(Vanity, TrailingFourLowersAndLuckyEndingRaises) {
  EXPECT_LT(grade_number("13800004444").level, grade_number("13800001111").level);
  EXPECT_LT(grade_number("13851931214").level, grade_number("13851931218").level);
  EXPECT_LT(grade_number("13851937202").level, grade_number("13851937208").level);
  EXPECT_LT(grade_number("13851937208").level, grade_number("13851937288").level);
}

TEST(Vanity, PriceGrowsWithLevel) {
  for (int l = 1; l <= 10; ++l) EXPECT_GT(price_for_level(l), price_for_level(l - 1));
  EXPECT_GT(grade_number("13800001111").price_fen, grade_number("13851931122").price_fen);
}

// ---- nonce store -------------------------------------------------------

TEST(NonceStore, RefusesReplaysWithinTheWindowOnly) {
  NonceStore store(600'000);
  EXPECT_TRUE(store.check_and_remember("abcdefgh12345678", kT0));
  EXPECT_FALSE(store.check_and_remember("abcdefgh12345678", kT0 + 1));
  EXPECT_FALSE(store.check_and_remember("abcdefgh12345678", kT0 + 599'999));
  EXPECT_TRUE(store.check_and_remember("other-nonce-0001", kT0 + 1));
  EXPECT_TRUE(store.check_and_remember("abcdefgh12345678", kT0 + 600'000));
  EXPECT_FALSE(store.check_and_remember("abcdefgh12345678", kT0 + 600'001));
}

TEST(NonceStore, ForgetsOldEntries) {
  NonceStore store(1'000);
  for (int i = 0; i < 100; ++i) store.check_and_remember(numbered("n", i), kT0);
  EXPECT_EQ(store.size(), 100u);
  store.check_and_remember("late", kT0 + 5'000);
  EXPECT_EQ(store.size(), 1u);
}

TEST(NonceStore, ConcurrentSameNonceExactlyOnePasses) {
  NonceStore store(600'000);
  constexpr int kThreads = 16;
  std::atomic<int> passed{0};
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      go.arrive_and_wait();
      if (store.check_and_remember("the-same-nonce-1", kT0)) ++passed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 1);
}

// ---- clock and ids -----------------------------------------------------

TEST(SimClock, AdvancesOnlyForward) {
  SimClock clock(kT0);
  EXPECT_EQ(clock.now_ms(), kT0);
  clock.advance(1'500);
  EXPECT_EQ(clock.now_ms(), kT0 + 1'500);
  clock.advance(-10'000);
  EXPECT_EQ(clock.now_ms(), kT0 + 1'500);
  SimClock real;
  EXPECT_NEAR(static_cast<double>(real.now_ms()), static_cast<double>(real.wall_ms()), 1'000.0);
}

TEST(SeededRng, SameSeedSameIds) {
  SeededRng a(7), b(7), c(8);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.token("LK", 16), b.token("LK", 16));
  EXPECT_NE(a.digits("MO", 18), c.digits("MO", 18));
  EXPECT_EQ(a.token("E", 20).size(), 21u);
}

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

// ---- callbacks, journal ------------------------------------------------

TEST(CallbackPolicy, BackoffDoublesAndCaps) {
  CallbackPolicy p;
  std::vector<int64_t> got;
  for (int n = 1; n <= 9; ++n) got.push_back(backoff_ms(p, n));
  EXPECT_EQ(got, (std::vector<int64_t>{1'000, 2'000, 4'000, 8'000, 16'000, 32'000, 60'000, 60'000,
                                       60'000}));
  EXPECT_EQ(url_target("http://127.0.0.1:8080/cb/mobile?a=1&b=%20"), "/cb/mobile?a=1&b=%20");
  EXPECT_EQ(url_target("https://example.test"), "/");
  EXPECT_EQ(url_target("ftp://x/y"), "");
}

TEST(RequestJournal, KeepsTheLastEntries) {
  RequestJournal j(3);
  for (int i = 0; i < 5; ++i) j.add(JournalEntry{i, "GET", numbered("/t", i), true, "0"});
  auto last = j.last(10);
  ASSERT_EQ(last.size(), 3u);
  EXPECT_EQ(last.front().target, "/t2");
  EXPECT_EQ(last.back().target, "/t4");
  EXPECT_EQ(j.total(), 5u);
  EXPECT_EQ(j.last(1).at(0).target, "/t4");
}

// ---- mobile KYC (pure part) ----------------------------------------------

namespace {
std::string make_id(const std::string& addr_birth_seq) {  // 17 digits
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (addr_birth_seq[i] - '0') * kW[i];
  return addr_birth_seq + "10X98765432"[sum % 11];
}
}  // namespace

TEST(MobileKyc, MagicSequenceCodesSelectTheOutcome) {
  const cgw::id::Date today{2026, 6, 1};
  const std::pair<const char*, const char*> cases[] = {
      {"901", ""},     {"911", "4002"}, {"921", "4003"}, {"931", "4009"}, {"941", "4006"},
      {"951", "4007"}, {"961", "4005"}, {"971", "4008"}, {"002", ""}};
  for (auto [seq, reason] : cases) {
    auto a = mobile::assess_identity(make_id(std::string("11010119900101") + seq), today);
    EXPECT_EQ(a.reason, reason) << seq;
    EXPECT_EQ(a.verdict == mobile::KycVerdict::kPass, std::string(reason).empty()) << seq;
  }
  EXPECT_EQ(mobile::assess_identity(make_id("11010119900101981"), today).verdict,
            mobile::KycVerdict::kReview);
  EXPECT_EQ(mobile::assess_identity(make_id("11010119900101991"), today).verdict,
            mobile::KycVerdict::kUnavailable);
}

TEST(MobileKyc, ChecksumAndAgeAgainstTheGivenDay) {
  auto id = make_id("11010120100601001");  // born 2010-06-01
  EXPECT_EQ(mobile::assess_identity(id, {2026, 5, 31}).reason, "4004");
  EXPECT_EQ(mobile::assess_identity(id, {2026, 6, 1}).verdict, mobile::KycVerdict::kPass);
  EXPECT_EQ(mobile::assess_identity(make_id("11010120100601911"), {2026, 5, 31}).reason, "4004")
      << "age comes before the magic outcome";
  std::string bad = make_id("11010119900101001");
  bad.back() = bad.back() == '0' ? '1' : '0';
  EXPECT_EQ(mobile::assess_identity(bad, {2026, 6, 1}).reason, "4001");
  EXPECT_EQ(mobile::assess_identity("12345", {2026, 6, 1}).reason, "4001");
  auto lower = make_id("11010519491231002");  // published example, ends in X
  ASSERT_EQ(lower.back(), 'X');
  lower.back() = 'x';
  auto a = mobile::assess_identity(lower, {2026, 6, 1});
  EXPECT_EQ(a.verdict, mobile::KycVerdict::kPass);
  EXPECT_EQ(a.normalized_id.back(), 'X');
}

// The test plans are listed (a partner that checks plan ids against the
// catalogue accepts them) at no fee; the real plans all have one.
TEST(MobileCatalog, MagicPlansAreListedAsFreeTestPlans) {
  int test_plans = 0;
  for (const auto& p : mobile::plans()) {
    if (p.code.starts_with("SIM-")) {
      ++test_plans;
      EXPECT_EQ(p.monthly_fee_fen, 0) << p.code;
    } else {
      EXPECT_GT(p.monthly_fee_fen, 0) << p.code;
    }
  }
  EXPECT_EQ(test_plans, 3);
  EXPECT_TRUE(mobile::plan_exists("SIM-REJECT"));
  EXPECT_TRUE(mobile::plan_exists("SIM-STUCK"));
  EXPECT_TRUE(mobile::plan_exists("SIM-NOCALLBACK"));
  EXPECT_FALSE(mobile::plan_exists("SIM-OTHER"));
}

// ---- config ------------------------------------------------------------

class SimConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sim_cfg_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(dir_ / "secrets");
    std::ofstream(dir_ / "secrets" / "m.secret") << "s3cret\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  ConfigResult parse(const std::string& yaml) {
    return parse_config(yaml, dir_, "sim.yaml", {"mobile"});
  }
  std::filesystem::path dir_;
};

TEST_F(SimConfigTest, ParsesAValidConfigWithDefaults) {
  auto r = parse(
      "threads: 3\n"
      "simulators:\n"
      "  - carrier: mobile\n"
      "    listen: \"127.0.0.1:0\"\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.config.threads, 3);
  ASSERT_EQ(r.config.simulators.size(), 1u);
  const auto& s = r.config.simulators[0];
  EXPECT_EQ(s.secret, "s3cret");
  EXPECT_EQ(s.port, 0);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.pool_size, 20000u);
  EXPECT_EQ(s.activation_delay_ms, 2000);
  EXPECT_EQ(s.reservation_ttl_s, 1800);
}

TEST_F(SimConfigTest, ErrorsNameFileAndLine) {
  const std::string head =
      "simulators:\n"
      "  - carrier: mobile\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n";
  auto r = parse(head + "    listen: \"127.0.0.1:99999\"\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:5: listen port", 0), 0u) << r.error;
  r = parse(head + "    listen: \"127.0.0.1:1\"\n    pool_size: -5\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:6: pool_size", 0), 0u) << r.error;
  r = parse(head + "    listen: \"127.0.0.1:1\"\n    colour: red\n");
  EXPECT_EQ(r.error, "sim.yaml:6: unknown key 'colour'");
  r = parse(
      "simulators:\n  - carrier: unicom\n    listen: \"127.0.0.1:1\"\n    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:2: unknown carrier 'unicom'", 0), 0u) << r.error;
  r = parse(
      "simulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:1\"\n    app_id: a\n"
      "    secret: plain-text\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:5: secret must be a reference", 0), 0u) << r.error;
  r = parse(
      "simulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:1\"\n    app_id: a\n"
      "    secret: {file: secrets/missing}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:5: cannot read secret file", 0), 0u) << r.error;
  r = parse("simulators: [\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:", 0), 0u) << r.error;
  r = parse("threads: 2\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:1: 'simulators' must be a non-empty list", 0), 0u) << r.error;
  r = parse("simulators:\n  - carrier: mobile\n    app_id: a\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:2: simulator lacks required key 'listen'", 0), 0u) << r.error;
  EXPECT_FALSE(load_config(dir_ / "nope.yaml", {"mobile"}).ok());
}

TEST_F(SimConfigTest, FaultsAndCallbackChaosPerSimulator) {
  const std::string head =
      "simulators:\n"
      "  - carrier: mobile\n"
      "    listen: \"127.0.0.1:0\"\n"
      "    app_id: a\n"
      "    secret: {file: secrets/m.secret}\n";
  auto r =
      parse(head +
            "    faults:\n"
            "      - {operation: /open/v1/numbers/lock, kind: http_status, status: 503, first: 2}\n"
            "      - {operation: \"*\", kind: business_error, code: \"9999\", probability: 0.25}\n"
            "    callback_chaos: {seed: 3, duplicate: {first: 1}, delay: {ms: 2000}}\n");
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& s = r.config.simulators.at(0);
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].operation, "/open/v1/numbers/lock");
  EXPECT_EQ(s.faults[0].http_status, 503);
  EXPECT_EQ(s.faults[0].schedule.first, 2u);
  EXPECT_EQ(s.faults[1].kind, FaultKind::kBusinessError);
  EXPECT_EQ(s.faults[1].code, "9999");  // quoted: a string, not a number
  EXPECT_DOUBLE_EQ(*s.faults[1].schedule.probability, 0.25);
  ASSERT_TRUE(s.callback_chaos.has_value());
  EXPECT_EQ(s.callback_chaos->seed, 3u);
  EXPECT_TRUE(s.callback_chaos->duplicate.has_value());
  EXPECT_EQ(s.callback_chaos->delay_ms, 2000);

  r = parse(head + "    faults:\n      - {kind: explode}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:7: faults[0]: kind must be one of", 0), 0u) << r.error;
  r = parse(head + "    faults:\n      - {kind: latency}\n");
  EXPECT_EQ(r.error, "sim.yaml:7: faults[0]: a latency fault needs latency_ms");
  r = parse(head + "    callback_chaos: {drop: {first: 0}}\n");
  EXPECT_EQ(r.error.rfind("sim.yaml:6: callback_chaos: drop: first must be", 0), 0u) << r.error;
}

// ---- the simulator kit (pure parts) ------------------------------------

TEST(SimClock, FreezeSetAndUnfreezeNeverGoBack) {
  SimClock clock;
  clock.freeze();
  ASSERT_TRUE(clock.frozen());
  const int64_t t = clock.now_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(clock.now_ms(), t) << "a frozen clock stands still";
  EXPECT_TRUE(clock.set_ms(t + 10'000));
  EXPECT_EQ(clock.now_ms(), t + 10'000);
  EXPECT_FALSE(clock.set_ms(t)) << "never backwards";
  clock.advance(5);
  EXPECT_EQ(clock.now_ms(), t + 10'005);
  clock.unfreeze();
  EXPECT_FALSE(clock.frozen());
  const int64_t after = clock.now_ms();
  EXPECT_GE(after, t + 10'005);
  EXPECT_LT(after, t + 11'005) << "resumes from the frozen time, not the wall clock";
  SimClock fixed(kT0);
  EXPECT_TRUE(fixed.set_ms(kT0 + 7));
  EXPECT_EQ(fixed.offset_ms(), 7);
}

TEST(Schedule, FirstEveryWindowAndSeededProbability) {
  DrawStream d(1);
  auto fires = [&](const Schedule& s, uint64_t n, int64_t now = 0) {
    return schedule_fires(s, n, now, d);
  };
  Schedule first;
  first.first = 2;
  EXPECT_TRUE(fires(first, 1));
  EXPECT_TRUE(fires(first, 2));
  EXPECT_FALSE(fires(first, 3));
  Schedule every;
  every.every = 3;
  EXPECT_FALSE(fires(every, 2));
  EXPECT_TRUE(fires(every, 3));
  EXPECT_TRUE(fires(every, 6));
  Schedule window;
  window.from_ms = 100;
  window.to_ms = 200;
  EXPECT_FALSE(fires(window, 1, 99));
  EXPECT_TRUE(fires(window, 1, 100));
  EXPECT_FALSE(fires(window, 1, 200));
  EXPECT_TRUE(fires(Schedule{}, 1)) << "no condition: always";

  Schedule half;
  half.probability = 0.5;
  auto pattern = [&](uint64_t seed) {
    DrawStream draws(mix_seed(seed, 1));
    std::string out;
    for (uint64_t n = 1; n <= 64; ++n) out += schedule_fires(half, n, 0, draws) ? '1' : '0';
    return out;
  };
  EXPECT_EQ(pattern(7), pattern(7));
  EXPECT_NE(pattern(7), pattern(8));
  const std::string seven = pattern(7);
  const auto ones = std::count(seven.begin(), seven.end(), '1');
  EXPECT_GT(ones, 16);
  EXPECT_LT(ones, 48);
}

TEST(FaultInjector, ParsesRulesAndDecidesByOperation) {
  auto parsed = fault_rules_from_json(boost::json::parse(
      R"([{"operation":"op.a","kind":"http_status","status":502,"first":1},
          {"operation":"*","kind":"latency_ms","latency_ms":5,"every":2}])"));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  FaultInjector faults(7);
  ASSERT_EQ(faults.add(parsed.rules), "");
  EXPECT_EQ(parsed.rules[0].id, "f1");
  auto d1 = faults.decide("op.a", 0);  // f1 fires (its 1st), f2 counts (its 1st)
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->id, "f1");
  auto d2 = faults.decide("op.b", 0);  // f2's 2nd call
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->kind, FaultKind::kLatency);
  EXPECT_FALSE(faults.decide("op.a", 0)) << "f1 is spent, f2's 3rd call is odd";
  auto rules = faults.rules();
  EXPECT_EQ(rules[0].seen, 2u);
  EXPECT_EQ(rules[0].fired, 1u);
  EXPECT_EQ(rules[1].seen, 3u);
  EXPECT_TRUE(faults.remove("f1"));
  EXPECT_FALSE(faults.remove("f1"));
  faults.clear();
  EXPECT_TRUE(faults.rules().empty());

  for (const char* bad :
       {R"({"kind":"reset","status":1})", R"({"kind":"http_status","status":99})",
        R"({"kind":"timeout","hold_ms":600000})", R"({"kind":"reset","probability":2})",
        R"({"kind":"reset","from_ms":5,"to_ms":5})",
        R"({"kind":"latency","latency_ms":1,"after_serve":true})"})
    EXPECT_FALSE(fault_rules_from_json(boost::json::parse(bad)).ok()) << bad;
}

TEST(CallbackChaos, ParsesAndRoundTrips) {
  auto p = callback_chaos_from_json(boost::json::parse(
      R"({"seed":9,"duplicate":{"first":1},"reorder":{"probability":0.5},"delay":{"ms":250},
          "drop":{"every":4},"bad_signature":{}})"));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_TRUE(p.chaos.any());
  auto back = callback_chaos_from_json(to_json(p.chaos));
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(boost::json::serialize(to_json(back.chaos)), boost::json::serialize(to_json(p.chaos)));
  EXPECT_FALSE(callback_chaos_from_json(boost::json::parse(R"({"delay":{}})")).ok());
  EXPECT_FALSE(callback_chaos_from_json(boost::json::parse(R"({"explode":{}})")).ok());

  cgw::net::HeaderList headers = {{"X-Sign-Type", "HMAC"}, {"X-Signature", "abc0"}};
  std::string body = "{}";
  corrupt_signature(headers, body);
  EXPECT_EQ(headers[0].second, "HMAC");
  EXPECT_EQ(headers[1].second, "abc1");
  cgw::net::HeaderList none;
  body = R"({"a":1,"sign":"ff"})";
  corrupt_signature(none, body);
  EXPECT_EQ(body, R"({"a":1,"sign":"f0"})");
}

// Entries carry the operation and fault the kit named on the request, so
// identical concurrent requests of different operations (one endpoint, as
// unicom has) are labelled exactly.
TEST(RequestJournal, EntriesTakeTheOperationNamedOnTheRequest) {
  RequestJournal j(10);
  auto request = [](const char* operation, const char* fault) {
    cgw::net::Request req{boost::beast::http::verb::post, "/router/rest", 11};
    req.set(kServedAsHeader, operation);
    req.set(kServedWithFaultHeader, fault);
    return req;
  };
  j.add(journal_entry(request("order.create", ""), 1, true, "0000", 200));
  j.add(journal_entry(request("number.query", "latency"), 2, false, "1001", 200));
  j.add(
      journal_entry(cgw::net::Request{boost::beast::http::verb::get, "/a", 11}, 3, true, "0", 200));
  auto orders = j.query(JournalQuery{10, "order.create"});
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].at_ms, 1);
  EXPECT_EQ(orders[0].target, "/router/rest");
  auto queries = j.query(JournalQuery{10, "number.query"});
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].fault, "latency");
  EXPECT_EQ(queries[0].code, "1001");
  EXPECT_FALSE(queries[0].signature_ok);
  EXPECT_EQ(j.query(JournalQuery{1, ""}).at(0).operation, "");  // not served by the kit
  EXPECT_EQ(j.total(), 3u);
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
