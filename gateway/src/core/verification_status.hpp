// KYC verdicts, as stored and as the API shows them (docs/openapi.yaml,
// Verification.result); the SDK's KycVerifyOutput::result is one of these.
#pragma once

namespace cgw::gw::verification {

inline constexpr const char* kPassed = "passed";
inline constexpr const char* kRejected = "rejected";  // with reasons
inline constexpr const char* kReview = "review";      // held for manual review

}  // namespace cgw::gw::verification
