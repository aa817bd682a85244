#include "kyc.hpp"

#include "cgw/common/id_number.hpp"

namespace cgw::sim::telecom {

KycAssessment assess_applicant(std::string_view cert_no, int64_t now_ms) {
  const auto core = sim::assess_identity(cert_no, id::beijing_date(now_ms));
  KycAssessment a;
  a.normalized_id = core.normalized_id;
  auto reject = [&a](const char* code) {
    a.verdict = KycVerdict::kReject;
    a.reason = code;
  };
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
      reject("40001");
      break;
    case KycOutcome::kNameMismatch:
      reject("40002");
      break;
    case KycOutcome::kIdNotFound:
      reject("40003");
      break;
    case KycOutcome::kUnderage:
      reject("40004");
      break;
    case KycOutcome::kQuotaExceeded:
      reject("40005");
      break;
    case KycOutcome::kFaceMismatch:
      reject("40006");
      break;
    case KycOutcome::kLivenessFailed:
      reject("40007");
      break;
    case KycOutcome::kBlacklisted:
      reject("40008");
      break;
    case KycOutcome::kInvalidated:
      reject("40009");
      break;
  }
  return a;
}

}  // namespace cgw::sim::telecom
