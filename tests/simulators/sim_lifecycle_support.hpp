// Shared by the lifecycle and line tests of the simulator core: an order
// placed on a small ledger, and a line activated from one.
#pragma once

#include "sim_core_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cgw::sim::test {

inline OrderGate plan_gate(OrderPlan plan) {
  return [plan](int) { return GateDecision{"", plan}; };
}

inline OrderPlan due_in(int64_t delay_ms) {
  OrderPlan p;
  p.due_ms = kT0 + delay_ms;
  return p;
}

// Locks the `index`-th number and places order `id` (partner id "P" + id)
// for applicant `owner` at kT0. Returns the number.
inline std::string place(Ledger& ledger, const std::string& id, const OrderPlan& plan,
                         const std::string& owner = "owner-1", size_t index = 0) {
  const std::string number = ledger.page("", index + 1, kT0).items.at(index).record.number;
  EXPECT_EQ(ledger.lock(ReserveRequest{number, std::string("L").append(id), "", 60'000}, kT0).first,
            LockResult::kOk);
  OrderDraft d{id,     std::string("P").append(id), number, std::string("L").append(id),
               "PLAN", "http://127.0.0.1:1/cb",     owner};
  EXPECT_EQ(ledger.submit(d, plan_gate(plan), kT0).result, SubmitResult::kCreated);
  return number;
}

// A line of `owner`, activated at kT0 + 3 s (no first top-up yet).
inline std::string active_line(Ledger& ledger, const std::string& owner = "owner-1",
                               size_t index = 0) {
  OrderPlan plan = due_in(3'000);
  plan.first_topup = false;
  const std::string number =
      place(ledger, numbered("O", static_cast<int>(index)), plan, owner, index);
  ledger.run_due(kT0 + 3'000);
  ledger.take_stage_changes();
  return number;
}

}  // namespace cgw::sim::test
