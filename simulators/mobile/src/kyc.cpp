#include "cgw/sim/mobile/kyc.hpp"

#include "cgw/sim/kyc_rules.hpp"

namespace cgw::sim::mobile {

// The carrier-neutral rules (cgw/sim/kyc_rules.hpp) in this carrier's codes.
KycAssessment assess_identity(std::string_view cert_no, id::Date today) {
  auto core = sim::assess_identity(cert_no, today);
  KycAssessment a;
  a.normalized_id = core.normalized_id;
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
      a.reason = "4001";
      break;
    case KycOutcome::kNameMismatch:
      a.reason = "4002";
      break;
    case KycOutcome::kIdNotFound:
      a.reason = "4003";
      break;
    case KycOutcome::kUnderage:
      a.reason = "4004";
      break;
    case KycOutcome::kQuotaExceeded:
      a.reason = "4005";
      break;
    case KycOutcome::kFaceMismatch:
      a.reason = "4006";
      break;
    case KycOutcome::kLivenessFailed:
      a.reason = "4007";
      break;
    case KycOutcome::kBlacklisted:
      a.reason = "4008";
      break;
    case KycOutcome::kInvalidated:
      a.reason = "4009";
      break;
  }
  return a;
}

}  // namespace cgw::sim::mobile
