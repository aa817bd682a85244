// Activation statuses, as stored and as GET /v1/activations/{id} shows them
// (docs/openapi.yaml, Activation.status; docs/after-sales.md). A status only
// moves forward:
//   pending -> (unknown ->) submitted -> reviewing -> shipped -> delivered
//     -> activated -> first_topup
// and ends early in failed, cancelled or returned. Each carrier reports its
// subset (docs/sdk.md 10.9), so any forward step may be skipped.
#pragma once

namespace cgw::gw::activation {

inline constexpr const char* kPending = "pending";  // accepted, not yet at the carrier
// The submit may or may not have reached the carrier (docs/reliability.md,
// "Unknown outcomes"): resolved by a query or an operator, never resent blindly.
inline constexpr const char* kUnknown = "unknown";
inline constexpr const char* kSubmitted = "submitted";     // the carrier has the order
inline constexpr const char* kReviewing = "reviewing";     // manual real-name review
inline constexpr const char* kShipped = "shipped";         // with a courier: waybill known
inline constexpr const char* kDelivered = "delivered";     // signed for
inline constexpr const char* kActivated = "activated";     // the line is open
inline constexpr const char* kFirstTopup = "first_topup";  // final: the sale counts
inline constexpr const char* kFailed = "failed";           // final
inline constexpr const char* kCancelled = "cancelled";     // final
inline constexpr const char* kReturned = "returned";       // final: the card came back

}  // namespace cgw::gw::activation
