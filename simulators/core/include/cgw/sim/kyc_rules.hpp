// Carrier-neutral real-name rules of every simulator, so all carriers agree
// on what a test identity means (docs/simulators-reference.md).
//
// Magic identities (shared/domain.md's scheme): a checksum-valid ID number
// whose sequence code (characters 15-17) starts with 9 selects the outcome by
// the second digit; the third digit stays free for gender.
//   90x pass           91x name mismatch     92x ID not found
//   93x invalidated    94x face mismatch     95x liveness failed
//   96x quota exceeded 97x blacklisted       98x manual review
//   99x upstream timeout
// Every other well-formed identity aged 16 or more passes, whatever the name.
// The line quota (5 per ID number per carrier) needs the ledger, so each
// carrier applies it with kMaxLinesPerId.
#pragma once

#include "cgw/common/id_number.hpp"

#include <string>
#include <string_view>

namespace cgw::sim {

inline constexpr int kMinimumAge = 16;
inline constexpr int kMaxLinesPerId = 5;

enum class KycOutcome {
  kPass,
  kInvalidId,
  kUnderage,
  kNameMismatch,
  kIdNotFound,
  kInvalidated,
  kFaceMismatch,
  kLivenessFailed,
  kQuotaExceeded,
  kBlacklisted,
  kReview,
  kUpstreamTimeout
};

struct IdentityAssessment {
  KycOutcome outcome = KycOutcome::kInvalidId;
  std::string normalized_id;  // upper-case X; empty when the number is invalid
};

IdentityAssessment assess_identity(std::string_view id_number, id::Date today);

}  // namespace cgw::sim
