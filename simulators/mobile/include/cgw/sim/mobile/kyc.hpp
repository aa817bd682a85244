// Real-name (KYC) assessment of an applicant at the simulated carrier.
//
// Magic identities (domain.md's scheme): a checksum-valid ID number whose
// sequence code (characters 15-17) starts with 9 selects the outcome by the
// second digit; the third digit stays free for gender.
//   90x pass          91x 4002 name mismatch   92x 4003 ID not found
//   93x 4009 invalid. 94x 4006 face mismatch   95x 4007 liveness failed
//   96x 4005 quota    97x 4008 blacklisted     98x manual review (REVIEW)
//   99x upstream timeout (reply code 9999)
// Every other well-formed identity of age >= 16 passes, whatever the name.
// The line quota (5 per ID number) is applied by the caller: it needs the
// ledger.
#pragma once

#include "cgw/common/id_number.hpp"

#include <string>
#include <string_view>

namespace cgw::sim::mobile {

inline constexpr int kMinimumAge = 16;
inline constexpr int kMaxLinesPerId = 5;

enum class KycVerdict { kPass, kReject, kReview, kUnavailable };

struct KycAssessment {
  KycVerdict verdict = KycVerdict::kReject;
  std::string reason;         // 4xxx for kReject
  std::string normalized_id;  // upper-case X; empty when the number is invalid
};

KycAssessment assess_identity(std::string_view cert_no, id::Date today);

}  // namespace cgw::sim::mobile
