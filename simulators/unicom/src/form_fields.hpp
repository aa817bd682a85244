// Strict readers for router parameters: an absent or empty parameter is
// "missing" (2001), a present one of the wrong shape is "malformed" (2002),
// never a silent default.
#pragma once

#include "cgw/sim/unicom/signature.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::sim::unicom {

inline constexpr std::string_view kMissing = "2001";
inline constexpr std::string_view kMalformed = "2002";

enum class Field { kMissing, kBad, kOk };

// A value of 1..max_len bytes. Empty counts as absent: empty parameters are
// not signed, so they cannot carry meaning.
inline Field read_string(const FormParams& p, const char* name, std::string& out,
                         size_t max_len = 256) {
  auto it = p.find(name);
  if (it == p.end() || it->second.empty()) return Field::kMissing;
  if (it->second.size() > max_len) return Field::kBad;
  out = it->second;
  return Field::kOk;
}

// A decimal integer in [lo, hi], digits only.
inline Field read_int(const FormParams& p, const char* name, int64_t& out, int64_t lo, int64_t hi) {
  std::string s;
  if (auto f = read_string(p, name, s, 19); f != Field::kOk) return f;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || s.front() == '-' || out < lo || out > hi)
    return Field::kBad;
  return Field::kOk;
}

inline bool is_number_format(std::string_view n) {
  if (n.size() != 11) return false;
  for (char c : n)
    if (c < '0' || c > '9') return false;
  return true;
}

// "2001" or "2002" for a field that is not kOk.
inline std::string field_code(Field f) {
  return std::string(f == Field::kMissing ? kMissing : kMalformed);
}

}  // namespace cgw::sim::unicom
