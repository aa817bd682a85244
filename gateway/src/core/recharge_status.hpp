// Top-up statuses, as stored and as GET /v1/recharges/{id} shows them
// (docs/after-sales.md "Exactly-once top-ups"). `submitting` is written
// before the carrier is called and stays until the carrier's answer, or its
// recharge query, settles the top-up; a settled top-up never changes again.
#pragma once

namespace cgw::gw::recharge {
inline constexpr const char* kSubmitting = "submitting";
inline constexpr const char* kSucceeded = "succeeded";
inline constexpr const char* kFailed = "failed";
}  // namespace cgw::gw::recharge
