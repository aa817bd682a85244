// Unit tests of the simulator core (and the pure parts of the mobile
// simulator): pool determinism, vanity grading, nonce store, the simulated
// clock, callback policy, the request journal, mobile KYC and catalogue.
// sim_ledger_test.cpp has the ledger (locks, changes, orders),
// sim_config_test.cpp the config and the kit's rules; sim_kit_test.cpp the
// kit over HTTP.
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
  EXPECT_EQ(test_plans, 6);
  EXPECT_TRUE(mobile::plan_exists("SIM-REJECT"));
  EXPECT_TRUE(mobile::plan_exists("SIM-STUCK"));
  EXPECT_TRUE(mobile::plan_exists("SIM-NOCALLBACK"));
  EXPECT_TRUE(mobile::plan_exists("SIM-RETURN"));
  EXPECT_TRUE(mobile::plan_exists("SIM-EVENTS"));
  EXPECT_TRUE(mobile::plan_exists("SIM-EVENTS-OOO"));
  EXPECT_FALSE(mobile::plan_exists("SIM-OTHER"));
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
  auto by_operation = [&j](size_t limit, std::string operation) {
    JournalQuery q;
    q.limit = limit;
    q.operation = std::move(operation);
    return j.query(q);
  };
  auto orders = by_operation(10, "order.create");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].at_ms, 1);
  EXPECT_EQ(orders[0].target, "/router/rest");
  auto queries = by_operation(10, "number.query");
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].fault, "latency");
  EXPECT_EQ(queries[0].code, "1001");
  EXPECT_FALSE(queries[0].signature_ok);
  EXPECT_EQ(by_operation(1, "").at(0).operation, "");  // not served by the kit
  EXPECT_EQ(j.total(), 3u);
}
