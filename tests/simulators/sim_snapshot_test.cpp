// Unit tests of saved namespaces' building blocks: the ledger's snapshot
// and restore (every field of every record, the rebuilt indexes, the
// lifecycle going on), the id stream's position, fault rules with their
// counters and draw streams, and precise errors for damaged snapshots.
#include "cgw/sim/fault_injector.hpp"
#include "cgw/sim/ledger.hpp"
#include "cgw/sim/mobile/mobile_simulator.hpp"
#include "cgw/sim/rng.hpp"
#include "sim_lifecycle_support.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

using namespace cgw::sim;
using namespace cgw::sim::test;
namespace json = boost::json;

namespace {

void expect_same(const Order& a, const Order& b) {
  SCOPED_TRACE(a.order_id);
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.partner_order_id, b.partner_order_id);
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.lock_id, b.lock_id);
  EXPECT_EQ(a.plan_code, b.plan_code);
  EXPECT_EQ(a.notify_url, b.notify_url);
  EXPECT_EQ(a.applicant_key, b.applicant_key);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.fail_reason, b.fail_reason);
  EXPECT_EQ(a.submit_count, b.submit_count);
  EXPECT_EQ(a.created_ms, b.created_ms);
  EXPECT_EQ(a.finished_ms, b.finished_ms);
  EXPECT_EQ(a.plan.due_ms, b.plan.due_ms);
  EXPECT_EQ(a.plan.final_state, b.plan.final_state);
  EXPECT_EQ(a.plan.fail_reason, b.plan.fail_reason);
  EXPECT_EQ(a.plan.notify, b.plan.notify);
  EXPECT_EQ(a.plan.review, b.plan.review);
  EXPECT_EQ(a.plan.returned, b.plan.returned);
  EXPECT_EQ(a.plan.first_topup, b.plan.first_topup);
  EXPECT_EQ(a.plan.script, b.plan.script);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.stage, b.stage);
  EXPECT_EQ(a.stage_ms, b.stage_ms);
  EXPECT_EQ(a.courier, b.courier);
  EXPECT_EQ(a.waybill, b.waybill);
  EXPECT_EQ(a.first_topup_fen, b.first_topup_fen);
  ASSERT_EQ(a.schedule.size(), b.schedule.size());
  for (size_t i = 0; i < a.schedule.size(); ++i) {
    EXPECT_EQ(a.schedule[i].at_ms, b.schedule[i].at_ms);
    EXPECT_EQ(a.schedule[i].stage, b.schedule[i].stage);
    EXPECT_EQ(a.schedule[i].stale, b.schedule[i].stale);
  }
  EXPECT_EQ(a.next_point, b.next_point);
}

void expect_same(const Reservation& a, const Reservation& b) {
  SCOPED_TRACE(a.lock_id);
  EXPECT_EQ(a.lock_id, b.lock_id);
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.partner_lock_id, b.partner_lock_id);
  EXPECT_EQ(a.created_ms, b.created_ms);
  EXPECT_EQ(a.expire_ms, b.expire_ms);
  EXPECT_EQ(a.state, b.state);
}

void expect_same(const Line& a, const Line& b) {
  SCOPED_TRACE(a.msisdn);
  EXPECT_EQ(a.msisdn, b.msisdn);
  EXPECT_EQ(a.owner_key, b.owner_key);
  EXPECT_EQ(a.plan_code, b.plan_code);
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.balance_fen, b.balance_fen);
  EXPECT_EQ(a.data_left_mb, b.data_left_mb);
  EXPECT_EQ(a.voice_left_minutes, b.voice_left_minutes);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.suspended_by, b.suspended_by);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.activated_ms, b.activated_ms);
  EXPECT_EQ(a.changed_ms, b.changed_ms);
  EXPECT_EQ(a.replacements, b.replacements);
}

void expect_same(const Recharge& a, const Recharge& b) {
  SCOPED_TRACE(a.recharge_id);
  EXPECT_EQ(a.recharge_id, b.recharge_id);
  EXPECT_EQ(a.partner_recharge_id, b.partner_recharge_id);
  EXPECT_EQ(a.msisdn, b.msisdn);
  EXPECT_EQ(a.amount_fen, b.amount_fen);
  EXPECT_EQ(a.balance_after_fen, b.balance_after_fen);
  EXPECT_EQ(a.at_ms, b.at_ms);
  EXPECT_EQ(a.succeeded, b.succeeded);
  EXPECT_EQ(a.fail_reason, b.fail_reason);
  EXPECT_EQ(a.first_topup, b.first_topup);
  EXPECT_EQ(a.request_count, b.request_count);
}

template <typename T>
void expect_same(const std::vector<T>& a, const std::vector<T>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i]);
}

void expect_same(Ledger& a, Ledger& b, int64_t now_ms) {
  expect_same(a.orders(), b.orders());
  expect_same(a.reservations(), b.reservations());
  expect_same(a.lines(), b.lines());
  expect_same(a.recharges(), b.recharges());
  EXPECT_EQ(a.next_due_ms(), b.next_due_ms());
  auto pa = a.page("", 1'000, now_ms), pb = b.page("", 1'000, now_ms);
  ASSERT_EQ(pa.items.size(), pb.items.size());
  for (size_t i = 0; i < pa.items.size(); ++i) {
    EXPECT_EQ(pa.items[i].record.number, pb.items[i].record.number);
    EXPECT_EQ(pa.items[i].state, pb.items[i].state);
  }
  EXPECT_EQ(pa.change_seq, pb.change_seq);
  auto ca = a.changes(0, 1'000, now_ms), cb = b.changes(0, 1'000, now_ms);
  ASSERT_EQ(ca.items.size(), cb.items.size());
  for (size_t i = 0; i < ca.items.size(); ++i)
    EXPECT_EQ(ca.items[i].record.number, cb.items[i].record.number);
}

// A ledger with something of everything: locks active, released, expired
// and consumed; orders reviewing, mid-way, scripted out of order,
// cancelled, activated with a line; top-ups, a replacement, a suspension, a
// number sold elsewhere, and stage changes not yet taken.
void make_busy(Ledger& ledger) {
  const auto numbers = ledger.page("", 20, kT0).items;
  auto number = [&](size_t i) { return numbers.at(i).record.number; };
  const std::string line = active_line(ledger, "owner-1", 0);
  EXPECT_EQ(ledger.recharge({"C1", "PR1", line, 2'000, ""}, kT0 + 3'100).result,
            RechargeResult::kDone);
  EXPECT_EQ(ledger.recharge({"C2", "PR2", line, 500, "limit"}, kT0 + 3'200).result,
            RechargeResult::kDone);
  EXPECT_EQ(ledger.replace_sim({"R1", "PX1", line, "owner-1", "http://127.0.0.1:1/cb"}, kT0 + 3'300)
                .result,
            ReplaceResult::kCreated);
  EXPECT_TRUE(ledger.suspend_line(line, SuspendedBy::kHolder, "lost", kT0 + 3'400).changed);

  place(ledger, "O1", due_in(9'000), "owner-2", 1);  // shipped at 3 s
  OrderPlan review = due_in(20'000);
  review.review = true;
  place(ledger, "O2", review, "owner-2", 2);
  OrderPlan script = due_in(8'000);
  script.script = EventScript::kOutOfOrder;
  place(ledger, "O3", script, "owner-3", 3);
  place(ledger, "O4", due_in(10'000), "owner-3", 4);
  EXPECT_EQ(ledger.cancel("O4", "", kT0 + 100).result, CancelResult::kCancelled);
  OrderPlan fails = due_in(5'000);
  fails.final_state = OrderState::kFailed;
  fails.fail_reason = "kyc";
  place(ledger, "O5", fails, "owner-4", 5);

  EXPECT_EQ(ledger.lock({number(10), "LA", "PLA", 600'000}, kT0 + 4'000).first, LockResult::kOk);
  EXPECT_EQ(ledger.lock({number(11), "LB", "PLB", 600'000}, kT0 + 4'000).first, LockResult::kOk);
  EXPECT_EQ(ledger.unlock(number(11), "LB", kT0 + 4'001), ReleaseResult::kOk);
  EXPECT_EQ(ledger.lock({number(12), "LC", "", 1'000}, kT0 + 4'000).first, LockResult::kOk);
  EXPECT_TRUE(ledger.sell_elsewhere(number(13), kT0 + 4'000));
  ledger.run_due(kT0 + 5'500);  // O1 shipped, O3 delivered, O5 failed, LC expired
}

void restore_into(Ledger& fresh, const json::object& snap) {
  // Through text, as the file is.
  EXPECT_EQ(fresh.restore(json::parse(json::serialize(snap)).as_object()), "");
}

}  // namespace

TEST(LedgerSnapshot, RestoreKeepsEveryFieldOfEveryRecord) {
  Ledger original = small_ledger(), copy = small_ledger();
  make_busy(original);
  const json::object snap = original.snapshot();
  restore_into(copy, snap);
  EXPECT_EQ(json::value(copy.snapshot()), json::value(snap));
  expect_same(original, copy, kT0 + 5'500);
  // Not taken before the save: the copy still reports them.
  EXPECT_EQ(copy.take_stage_changes().size(), original.take_stage_changes().size());
  EXPECT_GT(original.orders().size(), 4u);
  EXPECT_GT(original.lines().size(), 0u);
}

TEST(LedgerSnapshot, TheLifecycleGoesOnAsIfNothingHappened) {
  Ledger original = small_ledger(), copy = small_ledger();
  make_busy(original);
  restore_into(copy, original.snapshot());
  // Step both through the same times: the same orders end, the same stage
  // changes are queued, the same lock expiries.
  for (int64_t t = kT0 + 6'000; t <= kT0 + 90'000; t += 1'000) {
    const auto a = original.run_due(t), b = copy.run_due(t);
    expect_same(a, b);
    const auto sa = original.take_stage_changes(), sb = copy.take_stage_changes();
    ASSERT_EQ(sa.size(), sb.size());
    for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].stage, sb[i].stage);
  }
  expect_same(original, copy, kT0 + 90'000);
  const auto o3 = copy.find_order("O3", "");
  ASSERT_TRUE(o3);
  EXPECT_EQ(o3->stage, OrderStage::kActivated);
  EXPECT_EQ(copy.find_order("O2", "")->state, OrderState::kSuccess);
}

TEST(LedgerSnapshot, TheIndexesAreRebuilt) {
  Ledger original = small_ledger(), copy = small_ledger();
  make_busy(original);
  restore_into(copy, original.snapshot());
  // Dedupe on the partner's order id, lock id and recharge id.
  OrderDraft again{"NEW", "PO1", "", "", "PLAN", "", "owner-2"};
  auto dup = copy.submit(again, plan_gate(due_in(1'000)), kT0 + 6'000);
  EXPECT_EQ(dup.result, SubmitResult::kDuplicate);
  EXPECT_EQ(dup.order.order_id, "O1");
  const auto la = copy.reservations().at(copy.reservations().size() - 3);
  ASSERT_EQ(la.lock_id, "LA");
  auto relock = copy.lock({la.number, "LA2", "PLA", 600'000}, kT0 + 6'000);
  EXPECT_EQ(relock.first, LockResult::kOk);
  EXPECT_EQ(relock.second.lock_id, "LA") << "the partner's retry gets its lock back";
  EXPECT_EQ(copy.find_recharge("PR1")->recharge_id, "C1");
  EXPECT_EQ(copy.active_lines("owner-1"), original.active_lines("owner-1"));
  EXPECT_EQ(copy.active_lines("owner-2"), 2);
  // The active lock expires at its saved time.
  EXPECT_EQ(copy.expire_due(la.expire_ms - 1).size(), 0u);
  auto expired = copy.expire_due(la.expire_ms);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].lock_id, "LA");
}

TEST(LedgerSnapshot, DamagedSnapshotsAreRefusedNamingTheField) {
  Ledger busy = small_ledger();
  make_busy(busy);
  const json::object snap = busy.snapshot();
  auto restore_error = [&](auto&& damage) {
    json::object bad = snap;
    damage(bad);
    Ledger fresh = small_ledger();
    return fresh.restore(bad);
  };
  EXPECT_EQ(restore_error([](json::object& o) { o["pool_size"] = 7; }),
            "pool_size: 7 numbers saved, the pool now has 200 (was the config changed?)");
  EXPECT_EQ(restore_error([](json::object& o) {
              o["orders"].as_array()[1].as_object()["stage"] = "teleported";
            }),
            "orders[1].stage: unknown value 'teleported'");
  EXPECT_EQ(
      restore_error([](json::object& o) { o["locks"].as_array()[0].as_object().erase("number"); }),
      "locks[0].number: missing");
  EXPECT_EQ(restore_error(
                [](json::object& o) { o["orders"].as_array()[0].as_object()["next_point"] = 99; }),
            "orders[0].next_point: past the end of the schedule");
  EXPECT_EQ(restore_error([](json::object& o) {
              o["numbers"].as_array()[0].as_object()["number"] = "19999999999";
            }),
            "numbers[0].number: not in the pool");
  EXPECT_EQ(restore_error([](json::object& o) { o.erase("recharges"); }), "recharges: missing");
}

TEST(IdStreamSnapshot, ARestoredStreamGoesOnWhereItWas) {
  SeededRng a(7);
  for (int i = 0; i < 5; ++i) a.token("X", 10);
  SeededRng b(7);
  ASSERT_TRUE(b.set_state(a.state()));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(a.token("X", 10), b.token("X", 10));
  EXPECT_FALSE(b.set_state("not an engine"));
  EXPECT_FALSE(b.set_state(a.state() + " 12"));
}

TEST(FaultSnapshot, RulesKeepTheirIdsCountersAndDraws) {
  FaultInjector a(42);
  std::vector<FaultRule> rules(2);
  rules[0].operation = "op";
  rules[0].schedule.probability = 0.5;
  rules[1].schedule.first = 3;
  ASSERT_EQ(a.add(rules), "");
  for (int i = 0; i < 7; ++i) a.decide("op", kT0);
  FaultInjector b(42);
  ASSERT_EQ(b.restore(a.rules(), a.next_id()), "");
  const auto ra = a.rules(), rb = b.rules();
  ASSERT_EQ(rb.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(ra[i].rule.id, rb[i].rule.id);
    EXPECT_EQ(ra[i].seen, rb[i].seen);
    EXPECT_EQ(ra[i].fired, rb[i].fired);
  }
  // The probability draws go on where they were.
  for (int i = 0; i < 40; ++i) {
    auto fa = a.decide("op", kT0), fb = b.decide("op", kT0);
    EXPECT_EQ(fa ? fa->id : "", fb ? fb->id : "") << "call " << i;
  }
  std::vector<FaultRule> more(1);
  ASSERT_EQ(b.add(more), "");
  EXPECT_EQ(more[0].id, "f3") << "new rules do not reuse ids";
  auto bad = a.rules();
  bad[0].rule.id = "x1";
  EXPECT_EQ(b.restore(bad, 3), "fault rule id 'x1' is not of the form f<n>");
}

TEST(CarrierSnapshot, TheApplicantKeyIsKeptSoApplicantsAreKnownAgain) {
  boost::asio::io_context ioc;
  mobile::MobileSettings settings;
  settings.app_id = "app";
  settings.secret = "secret-0123456789";
  settings.pool_size = 50;
  mobile::MobileSimulator a(ioc.get_executor(), settings), b(ioc.get_executor(), settings);
  const json::value saved = a.save_state();
  // Each instance draws its own key: without the restore they differ.
  EXPECT_NE(saved, b.save_state());
  ASSERT_EQ(b.restore_state(json::parse(json::serialize(saved))), "");
  EXPECT_EQ(saved, b.save_state());
  EXPECT_EQ(b.restore_state(json::object{{"applicant_salt", "abc"}}),
            "applicant_salt: not 32 bytes of hex");
  EXPECT_EQ(b.restore_state(nullptr), "applicant_salt: missing");
}
