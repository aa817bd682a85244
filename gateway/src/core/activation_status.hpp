// Activation statuses, as stored and as GET /v1/activations/{id} shows them
// (docs/openapi.yaml, Activation.status). A status only moves forward:
// pending -> (unknown ->) submitted -> activated | failed.
#pragma once

namespace cgw::gw::activation {

inline constexpr const char* kPending = "pending";  // accepted, not yet at the carrier
// The submit may or may not have reached the carrier (docs/reliability.md,
// "Unknown outcomes"): resolved by a query or an operator, never resent blindly.
inline constexpr const char* kUnknown = "unknown";
inline constexpr const char* kSubmitted = "submitted";  // the carrier has the order
inline constexpr const char* kActivated = "activated";  // final
inline constexpr const char* kFailed = "failed";        // final

}  // namespace cgw::gw::activation
