// Real-name assessment at the simulated telecom carrier: the shared rules of
// cgw/sim/kyc_rules.hpp (magic identities, minimum age) in this carrier's
// 4000x codes. The line quota is applied by the caller (it needs the ledger).
#pragma once

#include "cgw/sim/kyc_rules.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::sim::telecom {

enum class KycVerdict { kPass, kReject, kReview, kUnavailable };

struct KycAssessment {
  KycVerdict verdict = KycVerdict::kReject;
  std::string reason;         // 4000x for kReject
  std::string normalized_id;  // upper-case X; empty when the number is invalid
};

KycAssessment assess_applicant(std::string_view cert_no, int64_t now_ms);

inline constexpr std::string_view kQuotaCode = "40005";
inline constexpr std::string_view kUpstreamTimeoutCode = "90002";

}  // namespace cgw::sim::telecom
