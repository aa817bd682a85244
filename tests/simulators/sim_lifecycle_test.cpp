// Unit tests of the ledger's order lifecycle: stages on the simulated clock,
// stage changes reported once each, cancellation, SIM replacements.
#include "cgw/sim/config.hpp"
#include "cgw/sim/ledger.hpp"
#include "sim_lifecycle_support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace cgw::sim;
using namespace cgw::sim::test;

namespace {

std::vector<std::string> stage_names(const std::vector<StageChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(to_string(c.stage));
  return out;
}

using Names = std::vector<std::string>;

}  // namespace

TEST(Lifecycle, StagesAtFractionsOfTheDelayThenFirstTopup) {
  Ledger ledger = small_ledger();
  const std::string number = place(ledger, "O1", due_in(3'000));
  EXPECT_EQ(ledger.find_order("O1", "")->stage, OrderStage::kAccepted);
  EXPECT_EQ(ledger.next_due_ms(), kT0 + 1'000);  // shipped at 1/3
  EXPECT_TRUE(ledger.run_due(kT0 + 999).empty());
  EXPECT_TRUE(ledger.take_stage_changes().empty());

  EXPECT_TRUE(ledger.run_due(kT0 + 1'000).empty());  // not final yet
  auto o = *ledger.find_order("O1", "");
  EXPECT_EQ(o.stage, OrderStage::kShipped);
  EXPECT_EQ(o.state, OrderState::kProcessing);
  EXPECT_FALSE(o.courier.empty());
  EXPECT_GE(o.waybill.size(), 12u);
  EXPECT_EQ(o.waybill.rfind(o.courier, 0), 0u) << o.waybill;

  ledger.run_due(kT0 + 2'000);
  EXPECT_EQ(ledger.find_order("O1", "")->stage, OrderStage::kDelivered);
  auto done = ledger.run_due(kT0 + 3'000);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].state, OrderState::kSuccess);
  EXPECT_EQ(done[0].stage, OrderStage::kActivated);
  ASSERT_TRUE(ledger.find_line(number));
  EXPECT_EQ(ledger.find_line(number)->balance_fen, 0);

  // The first top-up: 60 s after activation, 5000 fen, on the line.
  EXPECT_EQ(ledger.next_due_ms(), kT0 + 63'000);
  EXPECT_TRUE(ledger.run_due(kT0 + 63'000).empty()) << "final states are reported once";
  o = *ledger.find_order("O1", "");
  EXPECT_EQ(o.stage, OrderStage::kFirstTopup);
  EXPECT_EQ(o.state, OrderState::kSuccess);
  EXPECT_EQ(o.first_topup_fen, 5'000);
  EXPECT_EQ(ledger.find_line(number)->balance_fen, 5'000);
  ASSERT_EQ(ledger.recharges().size(), 1u);
  EXPECT_TRUE(ledger.recharges()[0].first_topup);
  EXPECT_FALSE(ledger.next_due_ms());

  auto changes = ledger.take_stage_changes();
  EXPECT_EQ(stage_names(changes), (Names{"shipped", "delivered", "activated", "first_topup"}));
  EXPECT_EQ(changes[0].at_ms, kT0 + 1'000);
  EXPECT_EQ(changes[0].order.courier, o.courier);
  EXPECT_TRUE(ledger.take_stage_changes().empty()) << "each change is taken once";
}

TEST(Lifecycle, OneJumpReportsEveryStageInOrder) {
  Ledger ledger = small_ledger();
  place(ledger, "O1", due_in(3'000));
  auto done = ledger.run_due(kT0 + 600'000);
  EXPECT_EQ(done.size(), 1u);
  EXPECT_EQ(stage_names(ledger.take_stage_changes()),
            (Names{"shipped", "delivered", "activated", "first_topup"}));
}

TEST(Lifecycle, ReviewFailedReturnedAndSettings) {
  Ledger ledger = small_ledger();
  LifecycleSettings s;
  s.ship_fraction = 0.5;
  s.deliver_fraction = 0.75;
  s.first_topup_delay_ms = -1;  // none
  ledger.set_lifecycle(s);
  OrderPlan review = due_in(4'000);
  review.review = true;
  OrderPlan failed = due_in(4'000);
  failed.final_state = OrderState::kFailed;
  failed.fail_reason = "X1";
  OrderPlan returned = due_in(4'000);
  returned.returned = true;
  const std::string a = place(ledger, "OA", review, "o", 0);
  const std::string b = place(ledger, "OB", failed, "o", 1);
  const std::string c = place(ledger, "OC", returned, "o", 2);
  EXPECT_EQ(ledger.find_order("OA", "")->stage, OrderStage::kReviewing);
  EXPECT_EQ(stage_names(ledger.take_stage_changes()), (Names{"reviewing"}));

  ledger.run_due(kT0 + 2'000);
  EXPECT_EQ(ledger.find_order("OA", "")->stage, OrderStage::kShipped);   // at 1/2
  EXPECT_EQ(ledger.find_order("OB", "")->stage, OrderStage::kAccepted);  // never ships
  ledger.run_due(kT0 + 3'000);
  EXPECT_EQ(ledger.find_order("OA", "")->stage, OrderStage::kDelivered);  // at 3/4
  EXPECT_EQ(ledger.find_order("OC", "")->stage, OrderStage::kShipped);
  auto done = ledger.run_due(kT0 + 4'000);
  EXPECT_EQ(done.size(), 3u);
  EXPECT_EQ(ledger.find_order("OB", "")->stage, OrderStage::kFailed);
  EXPECT_EQ(ledger.find_order("OB", "")->fail_reason, "X1");
  EXPECT_EQ(ledger.find_order("OC", "")->stage, OrderStage::kReturned);
  EXPECT_EQ(ledger.find_order("OC", "")->state, OrderState::kFailed);
  EXPECT_EQ(ledger.find_order("OC", "")->fail_reason, "returned");
  EXPECT_EQ(ledger.find_number(b, kT0)->state, NumberState::kIdle);
  EXPECT_EQ(ledger.find_number(c, kT0)->state, NumberState::kIdle);
  EXPECT_EQ(ledger.find_number(a, kT0)->state, NumberState::kSold);
  EXPECT_FALSE(ledger.next_due_ms()) << "no first top-up with a negative delay";
}

TEST(Lifecycle, CancelBeforeShippingOnly) {
  Ledger ledger = small_ledger();
  const std::string a = place(ledger, "OA", due_in(3'000), "o", 0);
  place(ledger, "OB", due_in(3'000), "o", 1);
  EXPECT_EQ(ledger.active_lines("o"), 2);
  EXPECT_EQ(ledger.cancel("nope", "", kT0).result, CancelResult::kNotFound);

  auto c = ledger.cancel("", "POA", kT0 + 500);
  ASSERT_EQ(c.result, CancelResult::kCancelled);
  EXPECT_EQ(c.order.stage, OrderStage::kCancelled);
  EXPECT_EQ(c.order.state, OrderState::kFailed);
  EXPECT_EQ(ledger.find_number(a, kT0 + 500)->state, NumberState::kIdle);
  EXPECT_EQ(ledger.active_lines("o"), 1);
  EXPECT_EQ(ledger.cancel("OA", "", kT0 + 600).result, CancelResult::kCancelled)
      << "cancelling a cancelled order answers cancelled";
  EXPECT_EQ(stage_names(ledger.take_stage_changes()), (Names{"cancelled"}));

  ledger.run_due(kT0 + 1'000);  // OB shipped; OA's schedule is gone
  EXPECT_EQ(ledger.find_order("OA", "")->stage, OrderStage::kCancelled);
  auto refused = ledger.cancel("OB", "", kT0 + 1'000);
  EXPECT_EQ(refused.result, CancelResult::kRefused);
  EXPECT_EQ(refused.reason, "already_shipped");
  ledger.run_due(kT0 + 3'000);
  EXPECT_EQ(ledger.cancel("OB", "", kT0 + 3'000).reason, "already_activated");
  EXPECT_EQ(ledger.run_due(kT0 + 99'000).size(), 0u);
  EXPECT_EQ(ledger.find_order("OA", "")->stage, OrderStage::kCancelled);
}

TEST(Lifecycle, SimReplacementIsAnOrderWithItsOwnLifecycle) {
  Ledger ledger = small_ledger();
  const std::string number = active_line(ledger, "owner-1");
  const int64_t t = kT0 + 10'000;
  ReplacementDraft d{"R1", "PR1", number, "someone-else", "http://127.0.0.1:1/cb"};
  EXPECT_EQ(ledger.replace_sim(d, t).result, ReplaceResult::kIdentityMismatch);
  d.holder_key = "owner-1";
  d.msisdn = "13000000000";
  EXPECT_EQ(ledger.replace_sim(d, t).result, ReplaceResult::kLineNotFound);
  d.msisdn = number;
  auto created = ledger.replace_sim(d, t);
  ASSERT_EQ(created.result, ReplaceResult::kCreated);
  EXPECT_EQ(created.order.kind, OrderKind::kSimReplacement);
  EXPECT_EQ(created.order.number, number);
  d.order_id = "R2";
  auto again = ledger.replace_sim(d, t + 1);
  EXPECT_EQ(again.result, ReplaceResult::kDuplicate);
  EXPECT_EQ(again.order.order_id, "R1");
  ReplacementDraft clash{"R3", "PO0", number, "owner-1", ""};  // an activation's id
  EXPECT_EQ(ledger.replace_sim(clash, t).result, ReplaceResult::kIdConflict);

  // Found by the order query, by either id; shipped, delivered, activated
  // after the replacement delay (3 s by default), no first top-up.
  EXPECT_EQ(ledger.find_order("", "PR1")->order_id, "R1");
  auto done = ledger.run_due(t + 3'000);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].order_id, "R1");
  EXPECT_EQ(stage_names(ledger.take_stage_changes()), (Names{"shipped", "delivered", "activated"}));
  EXPECT_EQ(ledger.find_line(number)->replacements, 1);
  EXPECT_EQ(ledger.lines().size(), 1u) << "a replacement opens no new line";
  EXPECT_EQ(ledger.find_number(number, t)->state, NumberState::kSold);
  EXPECT_FALSE(ledger.next_due_ms());
}

TEST(Lifecycle, WithoutFulfilmentOrdersGoStraightToActivated) {
  Ledger ledger = small_ledger();
  LifecycleSettings s;
  s.fulfilment = false;
  ledger.set_lifecycle(s);
  place(ledger, "O1", due_in(3'000));
  EXPECT_EQ(ledger.next_due_ms(), kT0 + 3'000);
  EXPECT_EQ(ledger.run_due(kT0 + 600'000).size(), 1u);
  EXPECT_EQ(stage_names(ledger.take_stage_changes()), (Names{"activated"}));
  EXPECT_TRUE(ledger.find_order("O1", "")->courier.empty());
  EXPECT_FALSE(ledger.next_due_ms()) << "no first top-up either";
}

TEST(Lifecycle, ConfigKeysOfTheLifecycle) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("sim_lifecycle_cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "m.secret") << "s3cret\n";
  const std::string head =
      "simulators:\n  - carrier: mobile\n    listen: \"127.0.0.1:0\"\n    app_id: a\n"
      "    secret: {file: m.secret}\n";
  auto r = parse_config(head +
                            "    first_topup_delay_ms: -1\n    first_topup_fen: 800\n"
                            "    replacement_delay_ms: 0\n    fulfilment: false\n",
                        dir, "sim.yaml", {"mobile"});
  ASSERT_TRUE(r.ok()) << r.error;
  const LifecycleSettings& l = r.config.simulators.at(0).lifecycle;
  EXPECT_EQ(l.first_topup_delay_ms, -1);
  EXPECT_EQ(l.first_topup_fen, 800);
  EXPECT_EQ(l.replacement_delay_ms, 0);
  EXPECT_FALSE(l.fulfilment);
  auto defaults = parse_config(head, dir, "sim.yaml", {"mobile"});
  ASSERT_TRUE(defaults.ok()) << defaults.error;
  EXPECT_EQ(defaults.config.simulators.at(0).lifecycle.first_topup_delay_ms, 60'000);
  EXPECT_TRUE(defaults.config.simulators.at(0).lifecycle.fulfilment);
  EXPECT_NE(parse_config(head + "    fulfilment: maybe\n", dir, "sim.yaml", {"mobile"})
                .error.find("sim.yaml:6: fulfilment must be true or false"),
            std::string::npos);
  EXPECT_NE(parse_config(head + "    first_topup_fen: 0\n", dir, "sim.yaml", {"mobile"})
                .error.find("first_topup_fen"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}
