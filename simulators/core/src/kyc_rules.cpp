#include "cgw/sim/kyc_rules.hpp"

namespace cgw::sim {

IdentityAssessment assess_identity(std::string_view id_number, id::Date today) {
  IdentityAssessment a;
  auto check = id::check_id_number(id_number, today);
  if (!check.ok()) return a;  // kInvalidId
  a.normalized_id = check.normalized;
  // Age first: an under-age magic identity is still under age.
  if (id::age_on(check.birth, today) < kMinimumAge) {
    a.outcome = KycOutcome::kUnderage;
    return a;
  }
  const std::string_view seq = std::string_view(a.normalized_id).substr(14, 3);
  if (seq[0] != '9') {
    a.outcome = KycOutcome::kPass;
    return a;
  }
  static constexpr KycOutcome kBySecondDigit[10] = {
      KycOutcome::kPass,           KycOutcome::kNameMismatch, KycOutcome::kIdNotFound,
      KycOutcome::kInvalidated,    KycOutcome::kFaceMismatch, KycOutcome::kLivenessFailed,
      KycOutcome::kQuotaExceeded,  KycOutcome::kBlacklisted,  KycOutcome::kReview,
      KycOutcome::kUpstreamTimeout};
  a.outcome = kBySecondDigit[seq[1] - '0'];
  return a;
}

}  // namespace cgw::sim
