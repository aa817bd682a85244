// kyc.verify with each magic identity of docs/simulators-reference.md.
#include "identities.hpp"
#include "suite.hpp"

#include "cgw/common/id_number.hpp"

#include <algorithm>

namespace cgw::conformance {

namespace {

// A few bytes of JPEG header: the simulators decide by ID number, but a
// carrier may insist on a portrait for the face comparison.
constexpr const char* kPortrait = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP8=";

struct Expectation {
  const char* check;
  char magic_digit;  // sequence 9<digit>x; 0: not a magic identity
  KycResult result;
  const char* reason;  // expected in reasons, or "" for none
  uint64_t outcome;    // the cgw_kyc_outcome the plugin must declare
};

constexpr Expectation kVerdicts[] = {
    {"kyc.pass", '0', KycResult::passed, "", CGW_KYC_PASSED},
    {"kyc.id_name_mismatch", '1', KycResult::rejected, "ID_NAME_MISMATCH",
     CGW_KYC_ID_NAME_MISMATCH},
    {"kyc.id_not_found", '2', KycResult::rejected, "ID_NOT_FOUND", CGW_KYC_ID_NOT_FOUND},
    {"kyc.id_invalidated", '3', KycResult::rejected, "ID_INVALIDATED", CGW_KYC_ID_INVALIDATED},
    {"kyc.face_mismatch", '4', KycResult::rejected, "FACE_MISMATCH", CGW_KYC_FACE_MISMATCH},
    {"kyc.liveness_failed", '5', KycResult::rejected, "LIVENESS_FAILED", CGW_KYC_LIVENESS_FAILED},
    {"kyc.quota_exceeded", '6', KycResult::rejected, "QUOTA_EXCEEDED", CGW_KYC_QUOTA_EXCEEDED},
    {"kyc.blacklisted", '7', KycResult::rejected, "BLACKLISTED", CGW_KYC_BLACKLISTED},
    {"kyc.review", '8', KycResult::review, "", CGW_KYC_REVIEW},
    {"kyc.underage", 0, KycResult::rejected, "UNDERAGE", CGW_KYC_UNDERAGE},
};

std::string verdict_problem(const KycVerifyOutput& out, const Expectation& e) {
  std::string reasons;
  for (const auto& r : out.reasons) reasons += (reasons.empty() ? "" : ",") + r;
  if (!out.result) return "no result";
  const std::string got =
      std::string(wire_name(*out.result)) + (reasons.empty() ? "" : " [" + reasons + "]");
  if (out.result != e.result)
    return "result " + got + ", expected " + std::string(wire_name(e.result));
  if (*e.reason && std::find(out.reasons.begin(), out.reasons.end(), e.reason) == out.reasons.end())
    return "reasons of " + got + " lack " + e.reason;
  if (out.result == KycResult::passed && !out.reasons.empty()) return "passed with reasons " + got;
  if (out.carrier_ref.empty()) return "carrier_ref is empty (" + got + ")";
  return {};
}

json::object kyc_input(const std::string& id_number) {
  return json::object{
      {"name", kApplicantName}, {"id_number", id_number}, {"portrait_b64", kPortrait}};
}

asio::awaitable<gw::OperationResult> verify(Suite& suite, std::string id_number) {
  suite.pii_sent.push_back(id_number);
  co_return co_await run_op(suite, *suite.carrier, op::kKycVerify, kyc_input(id_number));
}

}  // namespace

Awaitable check_kyc(Suite& suite) {
  if (!suite.has(CGW_CAP_KYC)) {
    for (const auto& e : kVerdicts)
      suite.runner.not_applicable(e.check, "the plugin declares no CGW_CAP_KYC");
    suite.runner.not_applicable("kyc.upstream_timeout", "the plugin declares no CGW_CAP_KYC");
    co_return;
  }
  suite.pii_sent.push_back(kApplicantName);
  for (const auto& e : kVerdicts) {
    if (!suite.runner.selected(e.check)) continue;
    if (!suite.reports_kyc(e.outcome)) {
      suite.runner.not_applicable(e.check,
                                  "the plugin declares that its carrier does not report "
                                  "this outcome (kyc_outcomes)");
      continue;
    }
    const std::string id = e.magic_digit ? magic_id(e.magic_digit) : underage_id(now_ms());
    auto o = co_await verify(suite, id);
    std::string why;
    auto out = typed<KycVerifyOutput>(o, why);
    if (out) why = verdict_problem(*out, e);
    const std::string masked = id::mask_id_number(id);
    if (!why.empty()) {
      suite.runner.fail(e.check, masked + ": " + why);
      continue;
    }
    suite.runner.pass(e.check, masked + " -> " + std::string(wire_name(*out->result)) +
                                   (*e.reason ? std::string(" ") + e.reason : std::string()) +
                                   ", carrier_ref " + out->carrier_ref);
  }

  // 99x: the carrier's own upstream times out. Not a verdict: a retryable
  // error, and kyc.verify is a read, so the outcome is never unknown.
  if (suite.runner.selected("kyc.upstream_timeout")) {
    const std::string id = magic_id('9');
    auto o = co_await verify(suite, id);
    std::string why;
    if (o.ok())
      why = "expected a retryable CARRIER_UNAVAILABLE or CARRIER_TIMEOUT, got " + describe(o);
    else if (o.error().code != "CARRIER_UNAVAILABLE" && o.error().code != "CARRIER_TIMEOUT")
      why = "code " + o.error().code + " instead of CARRIER_UNAVAILABLE or CARRIER_TIMEOUT (" +
            describe(o) + ")";
    else if (!o.error().retryable)
      why = "not retryable (" + describe(o) + ")";
    else if (o.error().outcome_unknown)
      why = "outcome_unknown set on a read (" + describe(o) + ")";
    suite.runner.verdict("kyc.upstream_timeout", why,
                         id::mask_id_number(id) + " -> " + describe(o));
  }
}

}  // namespace cgw::conformance
