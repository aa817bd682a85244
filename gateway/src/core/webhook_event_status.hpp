// Webhook outbox event statuses, as stored and as GET
// /v1/activations/{id}/webhooks shows them (docs/openapi.yaml).
#pragma once

namespace cgw::gw::webhook_event {

inline constexpr const char* kPending = "pending";  // to be (re)tried
inline constexpr const char* kDelivered = "delivered";
inline constexpr const char* kFailed = "failed";  // given up

}  // namespace cgw::gw::webhook_event
