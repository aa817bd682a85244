#include "cgw/sim/unicom/kyc.hpp"

namespace cgw::sim::unicom {

// The carrier-neutral rules (cgw/sim/kyc_rules.hpp) in this carrier's codes.
KycAssessment assess_identity(std::string_view cert_no, id::Date today) {
  const auto core = sim::assess_identity(cert_no, today);
  KycAssessment a;
  a.normalized_id = core.normalized_id;
  auto reject = [&a](std::string_view code) { a.reason = std::string(code); };
  switch (core.outcome) {
    case KycOutcome::kPass:
      a.verdict = KycVerdict::kPass;
      break;
    case KycOutcome::kReview:
      a.verdict = KycVerdict::kReview;
      break;
    case KycOutcome::kUpstreamTimeout:
      a.verdict = KycVerdict::kUnavailable;
      break;
    case KycOutcome::kInvalidId:
      reject("4001");
      break;
    case KycOutcome::kNameMismatch:
      reject("4002");
      break;
    case KycOutcome::kIdNotFound:
      reject("4003");
      break;
    case KycOutcome::kInvalidated:
      reject("4004");
      break;
    case KycOutcome::kUnderage:
      reject("4005");
      break;
    case KycOutcome::kFaceMismatch:
      reject("4006");
      break;
    case KycOutcome::kLivenessFailed:
      reject("4007");
      break;
    case KycOutcome::kQuotaExceeded:
      reject(kCodeQuotaExceeded);
      break;
    case KycOutcome::kBlacklisted:
      reject(kCodeBlacklisted);
      break;
  }
  return a;
}

}  // namespace cgw::sim::unicom
