#include "probes.hpp"

#include "identities.hpp"

#include <algorithm>

namespace cgw::conformance {

namespace {

struct Probe {
  std::string op;
  json::object input;
  bool write = false;
};

// One read and every declared write. The inputs are well-formed for this
// carrier (a number from its inventory, one of its plans, when known), so a
// plugin that checks its input before sending still sends.
std::vector<Probe> probes(Suite& suite) {
  const std::string msisdn = suite.available.empty() ? "13800000000" : suite.available.front();
  const std::string plan = suite.plan_id.value_or("P1");
  std::vector<Probe> out;
  if (suite.has(CGW_CAP_PLANS)) {
    out.push_back({op::kPlansList, json::object{}, false});
  } else if (suite.has(CGW_CAP_INVENTORY_SYNC)) {
    out.push_back({op::kInventorySync, json::object{{"cursor", ""}, {"page_size", 10}}, false});
  } else if (suite.has(CGW_CAP_KYC)) {
    const std::string id = random_adult_id();
    suite.pii_sent.push_back(id);
    out.push_back(
        {op::kKycVerify, json::object{{"name", kApplicantName}, {"id_number", id}}, false});
  }
  if (suite.has(CGW_CAP_RESERVE))
    out.push_back({op::kNumberReserve,
                   json::object{{"msisdn", msisdn},
                                {"gateway_reservation_id", fresh_id("conf_rsv_")},
                                {"hold_seconds", 600}},
                   true});
  if (suite.has(CGW_CAP_ACTIVATION)) {
    const std::string id = random_adult_id();
    suite.pii_sent.push_back(id);
    out.push_back(
        {op::kActivationSubmit, submit_input(fresh_id("conf_act_"), msisdn, plan, "R1", id), true});
  }
  return out;
}

std::string probe_problem(const Probe& p, const gw::OperationResult& result, const Rule& rule) {
  if (result.ok()) return p.op + ": a result instead of an error";
  const gw::Error& o = result.error();
  std::vector<std::string> problems;
  if (std::find(rule.codes.begin(), rule.codes.end(), o.code) == rule.codes.end()) {
    std::string want;
    for (const auto& c : rule.codes) want += (want.empty() ? "" : " or ") + c;
    problems.push_back("code " + o.code + " instead of " + want);
  }
  if (rule.retryable && *rule.retryable != o.retryable)
    problems.push_back(o.retryable ? "retryable set" : "retryable not set");
  std::optional<bool> unknown = p.write ? rule.unknown_writes : rule.unknown_reads;
  if (p.op == op::kActivationSubmit && rule.unknown_submit) unknown = rule.unknown_submit;
  if (unknown && *unknown != o.outcome_unknown)
    problems.push_back(o.outcome_unknown ? "outcome_unknown set" : "outcome_unknown not set");
  if (problems.empty()) return {};
  std::string all;
  for (const auto& pr : problems) all += (all.empty() ? "" : "; ") + pr;
  return p.op + ": " + all + " (" + describe(o) + ")";
}

}  // namespace

bool has_probes(const Suite& suite) {
  return suite.has(CGW_CAP_PLANS) || suite.has(CGW_CAP_INVENTORY_SYNC) || suite.has(CGW_CAP_KYC) ||
         suite.has(CGW_CAP_RESERVE) || suite.has(CGW_CAP_ACTIVATION);
}

Awaitable warm_up(Suite& suite, gw::Carrier& carrier) {
  for (const Probe& p : probes(suite))
    if (!p.write) {
      co_await run_op(suite, carrier, p.op, p.input);
      co_return;
    }
}

Awaitable run_probes(Suite& suite, std::string check, std::string base_url, Rule rule,
                     std::chrono::milliseconds timeout, Arm arm) {
  // Quietly, unless selected: the probes borrow a number and a plan.
  co_await check_plans(suite);
  co_await check_inventory(suite);
  std::string why;
  auto carrier = make_carrier(suite, carrier_config(suite, base_url, timeout), why);
  if (!carrier) {
    suite.runner.fail(check, "cannot create an instance against " + base_url + ": " + why);
    co_return;
  }
  co_await warm_up(suite, *carrier);
  if (auto err = co_await arm(); !err.empty()) {
    suite.runner.fail(check, err);
    co_return;
  }
  std::string problems, detail;
  for (const Probe& p : probes(suite)) {
    auto o = co_await run_op(suite, *carrier, p.op, p.input);
    if (auto pr = probe_problem(p, o, rule); !pr.empty())
      problems += (problems.empty() ? "" : "; ") + pr;
    if (o.ok()) {
      detail += (detail.empty() ? "" : "; ") + p.op + ": ";
      continue;
    }
    const gw::Error& e = o.error();
    detail += (detail.empty() ? "" : "; ") + p.op + ": " + e.code +
              (e.retryable ? " retryable" : "") + (e.outcome_unknown ? " outcome_unknown" : "");
  }
  suite.runner.verdict(check, problems, detail);
}

}  // namespace cgw::conformance
