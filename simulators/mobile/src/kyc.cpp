#include "cgw/sim/mobile/kyc.hpp"

namespace cgw::sim::mobile {

KycAssessment assess_identity(std::string_view cert_no, id::Date today) {
  KycAssessment a;
  auto check = id::check_id_number(cert_no, today);
  if (!check.ok()) {
    a.reason = "4001";
    return a;
  }
  a.normalized_id = check.normalized;
  // Age first: an under-age magic identity is still under age.
  if (id::age_on(check.birth, today) < kMinimumAge) {
    a.reason = "4004";
    return a;
  }
  const std::string_view seq = std::string_view(a.normalized_id).substr(14, 3);
  if (seq[0] != '9') {
    a.verdict = KycVerdict::kPass;
    return a;
  }
  switch (seq[1]) {
    case '0':
      a.verdict = KycVerdict::kPass;
      break;
    case '1':
      a.reason = "4002";
      break;
    case '2':
      a.reason = "4003";
      break;
    case '3':
      a.reason = "4009";
      break;
    case '4':
      a.reason = "4006";
      break;
    case '5':
      a.reason = "4007";
      break;
    case '6':
      a.reason = "4005";
      break;
    case '7':
      a.reason = "4008";
      break;
    case '8':
      a.verdict = KycVerdict::kReview;
      break;
    default:
      a.verdict = KycVerdict::kUnavailable;
      break;  // '9'
  }
  return a;
}

}  // namespace cgw::sim::mobile
