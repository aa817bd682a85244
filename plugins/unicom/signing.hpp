// Request signing and timestamps of the unicom protocol
// (docs/carriers/unicom.md, "Transport and signing"), on the SDK's crypto and
// encoding helpers so tests can check them alone.
#pragma once

#include <cgw/encoding.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::unicom {

// One form parameter, decoded (as signed), in the order it is sent.
using encoding::Param;
using encoding::Params;

// Upper-case hex MD5 of `data`.
std::string md5_upper_hex(std::string_view data);

// secret + name1 + value1 + name2 + value2 ... + secret over every parameter
// with a non-empty value except `sign`, sorted by name in byte order.
std::string string_to_sign(std::string_view secret, const Params& params);

// The `sign` parameter for `params`.
std::string sign(std::string_view secret, const Params& params);

// "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8, no daylight saving) for a
// Unix time in milliseconds; sub-second parts are dropped.
std::string beijing_timestamp(int64_t unix_ms);

// The inverse, in Unix ms. nullopt unless `text` is exactly that format and
// a real calendar date and time.
std::optional<int64_t> parse_beijing_timestamp(std::string_view text);

}  // namespace cgw::unicom
