// Reservation statuses, as stored and as GET /v1/reservations/{id} shows
// them (docs/openapi.yaml, Reservation.status), and the rules on the
// carrier's reported lock expiry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cgw::gw::reservation {

// The number is claimed and the carrier call is running (or was
// interrupted: the gateway then recovers it, see docs/reliability.md).
inline constexpr const char* kPending = "pending";
inline constexpr const char* kHeld = "held";          // locked at the carrier
inline constexpr const char* kConsumed = "consumed";  // used by an activation
// Ended by the gateway while the carrier may still hold the lock: the
// release is queued and retried until the carrier confirms it or the
// lock's own expiry passes; then the status becomes `release_to`.
inline constexpr const char* kReleasing = "releasing";
inline constexpr const char* kReleased = "released";
inline constexpr const char* kExpired = "expired";
inline constexpr const char* kFailed = "failed";

// pending, held, consumed and releasing claim the number (one per number:
// the partial unique index reservations_live, whose condition the store
// builds from these constants, store/status_sql.hpp).

// A carrier clock may disagree with ours by this much before its reported
// expiry is treated as a broken reply rather than a skewed clock.
inline constexpr int64_t kMaxExpirySkewMs = 10 * 60 * 1000;

// The expiry the gateway keeps for a lock the carrier reported expiring at
// `reported_ms`, asked for `hold_ms` at `now_ms`; nullopt when the report
// is not believable (in the past, or beyond the hold plus kMaxExpirySkewMs:
// a carrier clock moved by years). Never later than now + hold: a carrier
// clock that runs ahead would otherwise make the gateway show a lock the
// carrier has already dropped. 0 (not reported): now + hold.
inline std::optional<int64_t> kept_expiry(int64_t reported_ms, int64_t now_ms, int64_t hold_ms) {
  if (reported_ms == 0) return now_ms + hold_ms;
  if (reported_ms <= now_ms || reported_ms - now_ms > hold_ms + kMaxExpirySkewMs)
    return std::nullopt;
  return reported_ms < now_ms + hold_ms ? reported_ms : now_ms + hold_ms;
}

}  // namespace cgw::gw::reservation
