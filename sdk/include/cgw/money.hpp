// Money: decimal yuan strings <-> integer fen (1 yuan = 100 fen), exact.
// No floating point anywhere: "0.1" + "0.2" must be 30 fen, not 30.000000004.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace cgw::money {

// "39" "39.9" "39.90" "0.05" "-1.5" -> fen. Refused (nullopt): empty, '+',
// spaces, a leading zero before other digits ("039"), a dot without digits
// on either side ("1." ".5"), more than two decimals ("1.234", even
// "1.230": a carrier that sends three decimals is not speaking yuan),
// exponents, thousands separators, and more than 92233720368547757.99
// yuan (so that any two decimals fit int64 fen).
inline std::optional<int64_t> parse_yuan(std::string_view s) {
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && (frac.empty() || frac.size() > 2)))
    return std::nullopt;
  if (whole.size() > 1 && whole.front() == '0') return std::nullopt;
  // The largest whole-yuan amount whose fen (plus up to 99) fits in int64.
  constexpr int64_t kMaxYuan = (std::numeric_limits<int64_t>::max() - 99) / 100;
  int64_t fen = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    if (fen > (kMaxYuan - (c - '0')) / 10) return std::nullopt;
    fen = fen * 10 + (c - '0');
  }
  fen *= 100;
  int64_t scale = 10;
  for (char c : frac) {
    if (c < '0' || c > '9') return std::nullopt;
    fen += (c - '0') * scale;
    scale /= 10;
  }
  return negative ? -fen : fen;
}

// fen -> "39.90" (always two decimals, '-' for negative amounts).
inline std::string format_yuan(int64_t fen) {
  const bool negative = fen < 0;
  // Via uint64 so that INT64_MIN has a magnitude.
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  std::string cents = std::to_string(mag % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(mag / 100) + "." + cents;
}

}  // namespace cgw::money
