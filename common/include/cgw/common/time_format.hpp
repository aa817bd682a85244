#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cgw {

// Unix milliseconds of the system clock.
int64_t system_now_ms();
// RFC 3339 in UTC with second precision: 2026-11-22T04:56:32Z.
std::string rfc3339_utc(int64_t unix_ms);

}  // namespace cgw
