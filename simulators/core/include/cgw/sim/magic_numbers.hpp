// Carrier-neutral magic msisdns of every simulator, so a test can get each
// reserve (lock) refusal on demand, the way magic identities (kyc_rules.hpp)
// give each KYC outcome. docs/simulators-reference.md lists them per carrier.
//
// An 11-digit number whose last seven digits are
//   0000001  is locked by someone else (another partner's lock)
//   0000002  is sold
//   0000003  is not in the pool (unknown to the carrier)
// whatever the partner does: a lock answers the carrier's own code for
// "locked or sold" (0000001, 0000002) or "number not found" (0000003),
// always. Use one of the carrier's own segments in front (e.g. 13800000001
// for mobile), so the partner's own segment checks let it through. The pool
// generator never draws these numbers, so they are never listed.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cgw::sim {

enum class MagicReserve { kLockedElsewhere, kSold, kNotInPool };

// The outcome of a magic number; nullopt for every other number.
std::optional<MagicReserve> magic_reserve(std::string_view number);
// The same for a number as an integer (the pool generator's form).
bool is_magic_number(uint64_t number);

const char* to_string(MagicReserve m);  // locked_elsewhere, sold, not_in_pool

}  // namespace cgw::sim
