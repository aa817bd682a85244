// Unit tests of the ledger's lines: top-ups deduplicated on the partner's
// id, suspensions by the holder and by the carrier, and the admin routes
// of lines (GET /admin/lines, POST /admin/lines/{msisdn}/suspend|resume).
#include "cgw/sim/ledger.hpp"
#include "cgw/sim/sim_context.hpp"
#include "sim_lifecycle_support.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

using namespace cgw::sim;
using namespace cgw::sim::test;
namespace json = boost::json;

TEST(Lines, ActivationOpensALineWithTheSettingsAllowance) {
  Ledger ledger = small_ledger();
  LifecycleSettings s;
  s.initial_balance_fen = 1'000;
  s.initial_data_mb = 5;
  s.initial_voice_minutes = 7;
  ledger.set_lifecycle(s);
  const std::string number = active_line(ledger, "owner-1");
  auto line = ledger.find_line(number);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->owner_key, "owner-1");
  EXPECT_EQ(line->plan_code, "PLAN");
  EXPECT_EQ(line->status, LineStatus::kActive);
  EXPECT_EQ(line->balance_fen, 1'000);
  EXPECT_EQ(line->data_left_mb, 5);
  EXPECT_EQ(line->voice_left_minutes, 7);
  EXPECT_FALSE(ledger.find_line("13000000000"));
}

TEST(Lines, RechargeIsDeduplicatedOnThePartnersId) {
  Ledger ledger = small_ledger();
  const std::string number = active_line(ledger);
  EXPECT_EQ(ledger.recharge({"C0", "PX", "13000000000", 100, ""}, kT0).result,
            RechargeResult::kLineNotFound);
  EXPECT_FALSE(ledger.find_recharge("PX")) << "an unknown line records nothing";

  auto first = ledger.recharge({"C1", "P1", number, 2'000, ""}, kT0 + 1);
  ASSERT_EQ(first.result, RechargeResult::kDone);
  EXPECT_TRUE(first.recharge.succeeded);
  EXPECT_EQ(first.recharge.balance_after_fen, 2'000);
  // The same partner id again (even with another amount): the first answer.
  auto again = ledger.recharge({"C2", "P1", number, 9'999, ""}, kT0 + 2);
  EXPECT_EQ(again.result, RechargeResult::kDuplicate);
  EXPECT_EQ(again.recharge.recharge_id, "C1");
  EXPECT_EQ(again.recharge.amount_fen, 2'000);
  EXPECT_EQ(ledger.find_line(number)->balance_fen, 2'000) << "topped up once";
  EXPECT_EQ(ledger.find_recharge("P1")->request_count, 2);
  EXPECT_FALSE(ledger.find_recharge("P2"));

  auto refused = ledger.recharge({"C3", "P3", number, 1, "amount_too_small"}, kT0 + 3);
  EXPECT_FALSE(refused.recharge.succeeded);
  EXPECT_EQ(ledger.find_line(number)->balance_fen, 2'000);
  EXPECT_EQ(ledger.recharge({"C4", "P3", number, 500, ""}, kT0 + 4).recharge.fail_reason,
            "amount_too_small")
      << "a retry of a refused top-up answers the refusal";
  EXPECT_EQ(ledger.recharges().size(), 2u);
}

TEST(Lines, HolderSuspendAndResumeAreIdempotent) {
  Ledger ledger = small_ledger();
  const std::string number = active_line(ledger);
  EXPECT_EQ(ledger.suspend_line("13000000000", SuspendedBy::kHolder, "lost_phone", kT0).result,
            LineChangeResult::kNotFound);
  auto s = ledger.suspend_line(number, SuspendedBy::kHolder, "lost_phone", kT0 + 1);
  EXPECT_EQ(s.result, LineChangeResult::kOk);
  EXPECT_TRUE(s.changed);
  EXPECT_EQ(s.line.status, LineStatus::kSuspended);
  EXPECT_EQ(s.line.suspended_by, SuspendedBy::kHolder);
  EXPECT_EQ(s.line.reason, "lost_phone");
  s = ledger.suspend_line(number, SuspendedBy::kHolder, "lost_phone", kT0 + 2);
  EXPECT_EQ(s.result, LineChangeResult::kOk);
  EXPECT_FALSE(s.changed);
  // A suspended line can still be topped up.
  EXPECT_TRUE(ledger.recharge({"C1", "P1", number, 100, ""}, kT0 + 3).recharge.succeeded);
  auto r = ledger.resume_line(number, SuspendedBy::kHolder, kT0 + 4);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.line.status, LineStatus::kActive);
  EXPECT_EQ(r.line.suspended_by, SuspendedBy::kNone);
  r = ledger.resume_line(number, SuspendedBy::kHolder, kT0 + 5);
  EXPECT_EQ(r.result, LineChangeResult::kOk);
  EXPECT_FALSE(r.changed);
}

TEST(Lines, ACarrierSuspensionIsLiftedOnlyByTheCarrier) {
  Ledger ledger = small_ledger();
  const std::string number = active_line(ledger);
  ledger.suspend_line(number, SuspendedBy::kHolder, "lost_phone", kT0);
  // The carrier's suspension takes over the holder's.
  auto s = ledger.suspend_line(number, SuspendedBy::kCarrier, "reverification", kT0 + 1);
  EXPECT_TRUE(s.changed);
  EXPECT_EQ(s.line.suspended_by, SuspendedBy::kCarrier);
  EXPECT_EQ(s.line.reason, "reverification");
  EXPECT_FALSE(ledger.suspend_line(number, SuspendedBy::kHolder, "x", kT0 + 2).changed);
  EXPECT_EQ(ledger.find_line(number)->suspended_by, SuspendedBy::kCarrier);
  auto r = ledger.resume_line(number, SuspendedBy::kHolder, kT0 + 3);
  EXPECT_EQ(r.result, LineChangeResult::kCarrierSuspended);
  EXPECT_EQ(r.line.status, LineStatus::kSuspended);
  r = ledger.resume_line(number, SuspendedBy::kCarrier, kT0 + 4);
  EXPECT_EQ(r.result, LineChangeResult::kOk);
  EXPECT_EQ(r.line.status, LineStatus::kActive);
}

namespace {

SimContextOptions admin_options() {
  SimContextOptions o;
  o.seed = 1;
  o.pool = generate_pool(mobile_spec(50, 1));
  o.fixed_clock_ms = kT0;
  return o;
}

struct AdminFixture : ::testing::Test {
  boost::asio::io_context io;
  SimContext ctx{io.get_executor(), admin_options()};
  std::vector<Line> hooked;

  void SetUp() override {
    ctx.set_line_hook([this](const Line& l) { hooked.push_back(l); });
  }
  std::pair<int, json::value> call(cgw::net::http::verb method, const std::string& target,
                                   const std::string& body = "") {
    cgw::net::Request req{method, target, 11};
    req.body() = body;
    req.prepare_payload();
    auto res = ctx.handle_admin(req);
    return {static_cast<int>(res.result_int()), json::parse(res.body())};
  }
};

}  // namespace

TEST_F(AdminFixture, LinesAndCarrierSuspensionsOverTheAdminApi) {
  using cgw::net::http::verb;
  const std::string number = active_line(ctx.ledger);
  ctx.ledger.recharge({"C1", "P1", number, 700, ""}, kT0 + 1);
  auto [st, body] = call(verb::get, "/admin/lines");
  ASSERT_EQ(st, 200) << body;
  ASSERT_EQ(body.at("lines").as_array().size(), 1u);
  EXPECT_EQ(body.at("lines").at(0).at("msisdn").as_string(), number);
  EXPECT_EQ(body.at("lines").at(0).at("balanceFen").as_int64(), 700);
  EXPECT_EQ(body.at("recharges").at(0).at("partnerRechargeId").as_string(), "P1");

  EXPECT_EQ(call(verb::post, "/admin/lines/13000000000/suspend").first, 404);
  EXPECT_EQ(call(verb::post, "/admin/lines/12ab/suspend").first, 400);
  EXPECT_EQ(call(verb::post, "/admin/lines/" + number + "/suspend", "{\"reason\":7}").first, 400);
  EXPECT_EQ(call(verb::get, "/admin/lines/" + number + "/suspend").first, 405);
  EXPECT_EQ(call(verb::post, "/admin/lines/" + number + "/frobnicate").first, 404);
  auto [s1, b1] = call(verb::post, "/admin/lines/" + number + "/suspend");
  ASSERT_EQ(s1, 200) << b1;
  EXPECT_EQ(b1.at("status").as_string(), "suspended");
  EXPECT_EQ(b1.at("suspendedBy").as_string(), "carrier");
  EXPECT_EQ(b1.at("reason").as_string(), "reverification");
  EXPECT_TRUE(b1.at("changed").as_bool());
  auto [s2, b2] = call(verb::post, "/admin/lines/" + number + "/suspend", "{\"reason\":\"fraud\"}");
  EXPECT_EQ(s2, 200);
  EXPECT_FALSE(b2.at("changed").as_bool()) << "already suspended by the carrier";
  ASSERT_EQ(hooked.size(), 1u) << "one event per change";
  EXPECT_EQ(hooked[0].status, LineStatus::kSuspended);
  auto [s3, b3] = call(verb::post, "/admin/lines/" + number + "/resume");
  EXPECT_EQ(s3, 200);
  EXPECT_EQ(b3.at("status").as_string(), "active");
  ASSERT_EQ(hooked.size(), 2u);
  EXPECT_EQ(hooked[1].status, LineStatus::kActive);
}

TEST_F(AdminFixture, StageChangesReachTheStageHookOnceEach) {
  std::vector<std::string> seen;
  ctx.set_stage_hook([&](const StageChange& c) { seen.push_back(to_string(c.stage)); });
  place(ctx.ledger, "O1", due_in(3'000));
  std::vector<FiredTimer> fired;
  while (ctx.step_toward(kT0 + 100'000, fired)) {
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"shipped", "delivered", "activated", "first_topup"}));
  std::vector<std::string> kinds;
  for (const auto& f : fired) kinds.push_back(f.kind + ":" + f.detail);
  EXPECT_EQ(kinds, (std::vector<std::string>{"order_stage:shipped", "order_stage:delivered",
                                             "order_stage:activated", "order_final:SUCCESS",
                                             "order_stage:first_topup"}));
  auto [st, body] = call(cgw::net::http::verb::get, "/admin/state");
  EXPECT_EQ(body.at("orders").at(0).at("stage").as_string(), "first_topup");
  EXPECT_EQ(body.at("orders").at(0).at("firstTopupFen").as_int64(), 5'000);
}
