// The instance itself, plans, inventory paging and number holds.
#include "suite.hpp"

#include <set>

namespace cgw::conformance {

namespace {

constexpr int64_t kPageSize = 500;
constexpr int kMaxPages = 2000;  // 1,000,000 numbers: more is a paging loop
constexpr int64_t kDayMs = 86'400'000;

bool is_msisdn(std::string_view s) {
  if (s.size() != 11 || s[0] != '1') return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string plan_problem(const std::vector<Plan>& plans) {
  if (plans.empty()) return "no plans listed";
  std::set<std::string> ids;
  for (size_t i = 0; i < plans.size(); ++i) {
    const Plan& p = plans[i];
    const std::string at = "plans[" + std::to_string(i) + "]";
    if (p.plan_id.empty()) return at + ".plan_id is empty";
    if (!ids.insert(p.plan_id).second) return at + ".plan_id " + p.plan_id + " is listed twice";
    if (p.name.empty()) return at + ".name is empty";
    if (p.monthly_fee_fen < 0 || p.data_mb < 0 || p.voice_minutes < 0)
      return at + " has a negative fee, data or voice allowance";
  }
  return {};
}

// Inputs are built outside the coroutines: GCC 12 miscompiles an
// initializer list inside a co_await expression ("array used as initializer").
json::object reserve_input(const std::string& msisdn) {
  return json::object{
      {"msisdn", msisdn}, {"gateway_reservation_id", fresh_id("conf_rsv_")}, {"hold_seconds", 600}};
}

json::object release_input(const std::string& msisdn, const std::string& reservation) {
  return json::object{{"msisdn", msisdn}, {"carrier_reservation_id", reservation}};
}

std::string item_problem(const NumberItem& n) {
  if (!is_msisdn(n.msisdn)) return "msisdn is not an 11-digit number starting with 1";
  if (n.price_fen < 0) return n.msisdn + ": negative price_fen";
  return {};
}

}  // namespace

Awaitable check_instance(Suite& suite) {
  std::string why;
  suite.carrier = make_carrier(
      suite, carrier_config(suite, suite.options.base_url, std::chrono::milliseconds(10'000)), why);
  if (!suite.carrier) {
    suite.runner.fail("create", why);
    co_return;
  }
  suite.runner.pass("create", "instance created with callback_url " + suite.callback_url());

  if (suite.runner.selected("create.rejects_empty_settings")) {
    gw::CarrierConfig empty =
        carrier_config(suite, suite.options.base_url, std::chrono::milliseconds(10'000));
    empty.settings = YAML::Node(YAML::NodeType::Map);
    empty.settings["base_url"] = suite.options.base_url;
    std::string refusal;
    auto accepted = make_carrier(suite, std::move(empty), refusal);
    if (accepted)
      suite.runner.skip("create.rejects_empty_settings",
                        "the plugin accepts a settings block with only base_url and callback_url");
    else
      suite.runner.pass("create.rejects_empty_settings", refusal);
  }

  if (suite.runner.selected("unsupported_operation")) {
    auto o =
        co_await run_op(suite, *suite.carrier, "conformance.no_such_operation", json::object{});
    suite.runner.verdict("unsupported_operation",
                         expect_error(o, "UNSUPPORTED_OPERATION", false, false), describe(o));
  }
}

Awaitable check_plans(Suite& suite) {
  if (suite.plans_ran) co_return;
  suite.plans_ran = true;
  if (!suite.has(CGW_CAP_PLANS)) {
    suite.plan_problem = "the plugin declares no CGW_CAP_PLANS";
    suite.runner.skip("plans.list", suite.plan_problem);
    co_return;
  }
  auto o = co_await run_op(suite, *suite.carrier, op::kPlansList, json::object{});
  std::string why;
  auto out = typed<PlansListOutput>(o, why);
  if (out) why = plan_problem(out->plans);
  if (!why.empty()) {
    suite.plan_problem = "plans.list: " + why;
    suite.runner.fail("plans.list", why);
    co_return;
  }
  suite.plan_id = out->plans.front().plan_id;
  suite.runner.pass("plans.list",
                    std::to_string(out->plans.size()) + " plans, the first " + *suite.plan_id);
}

Awaitable check_inventory(Suite& suite) {
  if (suite.inventory_ran) co_return;
  suite.inventory_ran = true;
  if (!suite.has(CGW_CAP_INVENTORY_SYNC)) {
    suite.inventory_problem = "the plugin declares no CGW_CAP_INVENTORY_SYNC";
    suite.runner.skip("inventory.sync", suite.inventory_problem);
    co_return;
  }
  std::set<std::string> seen;
  std::string cursor, problem;
  int pages = 0;
  bool ended = false;
  while (!ended && problem.empty()) {
    if (++pages > kMaxPages) {
      problem = "has_more still true after " + std::to_string(kMaxPages) + " pages";
      break;
    }
    const json::object input{{"cursor", cursor}, {"page_size", kPageSize}};
    auto o = co_await run_op(suite, *suite.carrier, op::kInventorySync, input);
    const std::string at = "page " + std::to_string(pages) + ": ";
    // Absent members would silently read as defaults; the gateway relies on both.
    const json::object* raw = o.ok() ? o.value().if_object() : nullptr;
    if (o.ok() && (!raw || !raw->contains("items") || !raw->contains("has_more"))) {
      problem = at + "the result lacks items or has_more";
      break;
    }
    std::string why;
    auto out = typed<InventorySyncOutput>(o, why);
    if (!out) {
      problem = at + why;
      break;
    }
    for (const auto& item : out->items) {
      if (auto p = item_problem(item); !p.empty()) {
        problem = at + p;
        break;
      }
      if (!seen.insert(item.msisdn).second) {
        problem = at + item.msisdn + " was already listed (duplicate across pages)";
        break;
      }
      if (item.status == NumberState::available) suite.available.push_back(item.msisdn);
    }
    if (!out->has_more) {
      ended = true;
    } else if (out->next_cursor.empty()) {
      problem = at + "has_more is true but next_cursor is empty";
    } else if (out->next_cursor == cursor) {
      problem = at + "next_cursor did not advance";
    } else {
      cursor = out->next_cursor;
    }
  }
  if (problem.empty() && seen.empty()) problem = "the inventory lists no numbers";
  if (!problem.empty()) {
    suite.inventory_problem = "inventory.sync: " + problem;
    suite.runner.fail("inventory.sync", problem);
    co_return;
  }
  suite.runner.pass("inventory.sync", std::to_string(seen.size()) + " numbers (" +
                                          std::to_string(suite.available.size()) +
                                          " available) in " + std::to_string(pages) +
                                          " pages of up to " + std::to_string(kPageSize) +
                                          ", no duplicates, has_more ended");
}

asio::awaitable<std::optional<ReserveOutput>> hold_number(Suite& suite, std::string msisdn,
                                                          std::string& why, json::object input) {
  if (input.empty()) input = reserve_input(msisdn);
  auto o = co_await run_op(suite, *suite.carrier, op::kNumberReserve, std::move(input));
  auto out = typed<ReserveOutput>(o, why);
  if (!out) co_return std::nullopt;
  const int64_t now = now_ms();
  if (out->carrier_reservation_id.empty())
    why = "carrier_reservation_id is empty";
  else if (out->expires_at_ms <= now)
    why = "expires_at_ms is not in the future (Unix milliseconds expected)";
  else if (out->expires_at_ms > now + 31 * kDayMs)
    why = "expires_at_ms is more than 31 days ahead (Unix milliseconds expected)";
  if (!why.empty()) co_return std::nullopt;
  co_return out;
}

Awaitable release_hold(Suite& suite, std::string msisdn, std::string carrier_reservation_id) {
  co_await run_op(suite, *suite.carrier, op::kNumberRelease,
                  release_input(msisdn, carrier_reservation_id));
}

Awaitable check_reserve(Suite& suite) {
  const char* const checks[] = {"number.reserve", "number.reserve.held", "number.reserve.retry",
                                "number.release", "number.reserve.after_release"};
  auto skip_all = [&](size_t from, const std::string& why) {
    for (size_t i = from; i < std::size(checks); ++i) suite.runner.skip(checks[i], why);
  };
  if (!suite.has(CGW_CAP_RESERVE)) {
    for (const char* c : checks)
      suite.runner.not_applicable(c, "the plugin declares no CGW_CAP_RESERVE");
    co_return;
  }
  co_await check_inventory(suite);
  if (suite.available.empty()) {
    suite.runner.fail("number.reserve", "no available number to hold: " +
                                            (suite.inventory_problem.empty()
                                                 ? std::string("inventory.sync listed none")
                                                 : suite.inventory_problem));
    {
      skip_all(1, "needs number.reserve");
      co_return;
    }
  }
  const std::string msisdn = suite.available.front();

  std::string why;
  const json::object first_input = reserve_input(msisdn);
  auto held = co_await hold_number(suite, msisdn, why, first_input);
  if (!held) {
    suite.runner.fail("number.reserve", msisdn + ": " + why);
    {
      skip_all(1, "needs number.reserve");
      co_return;
    }
  }
  suite.runner.pass("number.reserve",
                    msisdn + " held as " + held->carrier_reservation_id + ", expires in " +
                        std::to_string((held->expires_at_ms - now_ms()) / 1000) + " s");

  auto again = co_await run_op(suite, *suite.carrier, op::kNumberReserve, reserve_input(msisdn));
  suite.runner.verdict("number.reserve.held",
                       expect_error(again, "NUMBER_UNAVAILABLE", false, false),
                       "a second hold of " + msisdn + ": " + describe(again));
  // The gateway's retry after a lost answer (a crash, a timeout) sends the
  // same gateway_reservation_id: it must get its own lock back, or it can
  // neither adopt nor release that lock (docs/sdk.md 10.3).
  std::string retry_why;
  auto retried = co_await hold_number(suite, msisdn, retry_why, first_input);
  if (retried && retried->carrier_reservation_id != held->carrier_reservation_id)
    retry_why = "answered another lock, " + retried->carrier_reservation_id;
  suite.runner.verdict(
      "number.reserve.retry", retry_why,
      "the same gateway_reservation_id again returns " + held->carrier_reservation_id);

  auto released = co_await run_op(suite, *suite.carrier, op::kNumberRelease,
                                  release_input(msisdn, held->carrier_reservation_id));
  std::string release_why;
  auto rel = typed<ReleaseOutput>(released, release_why);
  if (rel && !rel->released) release_why = "released is false";
  suite.runner.verdict("number.release", release_why, held->carrier_reservation_id + " released");
  if (!release_why.empty()) {
    skip_all(4, "needs number.release");
    co_return;
  }

  auto rehold = co_await hold_number(suite, msisdn, why);
  suite.runner.verdict("number.reserve.after_release", rehold ? "" : msisdn + ": " + why,
                       msisdn + " can be held again after the release");
  if (rehold) co_await release_hold(suite, msisdn, rehold->carrier_reservation_id);
}

}  // namespace cgw::conformance
