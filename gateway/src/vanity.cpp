#include "vanity.hpp"

#include <array>

namespace cgw::gw {

namespace {
constexpr std::array<const char*, 10> kNames = {"AAAA", "AAA",        "ABCD",   "DCBA",   "AABB",
                                                "ABAB", "palindrome", "lucky8", "lucky6", "no4"};
}

uint32_t vanity_tags(std::string_view n) {
  uint32_t bits = 0;
  if (n.size() < 4) return bits;
  auto d = [&](size_t from_end) { return n[n.size() - 1 - from_end]; };  // d(0) = last digit
  const char a = d(3), b = d(2), c = d(1), e = d(0);
  if (a == b && b == c && c == e) bits |= 1u << 0;
  if (b == c && c == e) bits |= 1u << 1;
  if (b == a + 1 && c == b + 1 && e == c + 1) bits |= 1u << 2;
  if (b == a - 1 && c == b - 1 && e == c - 1) bits |= 1u << 3;
  if (a == b && c == e && a != c) bits |= 1u << 4;
  if (a == c && b == e && a != b) bits |= 1u << 5;
  if (a == e && b == c && a != b) bits |= 1u << 6;
  if (e == '8') bits |= 1u << 7;
  if (e == '6') bits |= 1u << 8;
  if (n.find('4') == std::string_view::npos) bits |= 1u << 9;
  return bits;
}

std::vector<std::string> tag_names(uint32_t bits) {
  std::vector<std::string> out;
  for (size_t i = 0; i < kNames.size(); ++i)
    if (bits & (1u << i)) out.emplace_back(kNames[i]);
  return out;
}

std::optional<uint32_t> parse_tags(std::string_view csv, std::string& unknown) {
  uint32_t bits = 0;
  while (!csv.empty()) {
    auto comma = csv.find(',');
    auto name = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    if (name.empty()) continue;
    size_t i = 0;
    while (i < kNames.size() && name != kNames[i]) ++i;
    if (i == kNames.size()) {
      unknown = std::string(name);
      return std::nullopt;
    }
    bits |= 1u << i;
  }
  return bits;
}

}  // namespace cgw::gw
