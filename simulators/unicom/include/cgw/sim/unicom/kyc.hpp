// Real-name (KYC) assessment at the simulated unicom carrier: the shared
// rules of cgw/sim/kyc_rules.hpp (magic identities, minimum age) expressed
// in this carrier's 4xxx codes. The line quota is applied by the caller.
#pragma once

#include "cgw/common/id_number.hpp"
#include "cgw/sim/kyc_rules.hpp"

#include <string>
#include <string_view>

namespace cgw::sim::unicom {

using sim::kMaxLinesPerId;

// The 4xxx codes of docs/carriers/unicom.md.
inline constexpr std::string_view kCodeQuotaExceeded = "4008";
inline constexpr std::string_view kCodeBlacklisted = "4009";
inline constexpr std::string_view kCodeRealNameUnavailable = "4010";

enum class KycVerdict { kPass, kReject, kReview, kUnavailable };

struct KycAssessment {
  KycVerdict verdict = KycVerdict::kReject;
  std::string reason;         // 4xxx for kReject
  std::string normalized_id;  // upper-case X; empty when the number is invalid
};

KycAssessment assess_identity(std::string_view cert_no, id::Date today);

}  // namespace cgw::sim::unicom
