#include "inventory/vanity.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace cgw::gw {

namespace {
constexpr std::array<const char*, kVanityTagCount> kNames = {
    "AAAA",       "AAA",    "ABCD",   "DCBA", "AABB",  "ABAB",
    "palindrome", "lucky8", "lucky6", "no4",  "ABCABC"};

// Equal digits at the end of the number ("13800138888" -> 4).
int trailing_run(std::string_view n) {
  int run = 1;
  while (run < static_cast<int>(n.size()) && n[n.size() - 1 - run] == n.back()) ++run;
  return run;
}

// Digits at the end that step by `step` ("...1234" with step 1 -> 4).
int trailing_straight(std::string_view n, int step) {
  int run = 1;
  while (run < static_cast<int>(n.size()) && n[n.size() - run] - n[n.size() - 1 - run] == step)
    ++run;
  return run;
}

// Points of the best pattern at the end, where buyers look first.
int tail_points(std::string_view n, uint32_t tags) {
  static constexpr int kRunPoints[] = {0, 0, 0, 20, 45, 70, 90};
  int best = kRunPoints[std::min(trailing_run(n), 6)];
  int straight = std::max(trailing_straight(n, 1), trailing_straight(n, -1));
  if (straight >= 4) best = std::max(best, straight >= 5 ? 50 : 35);
  if (tags & kTagABCABC) best = std::max(best, 40);
  if (tags & kTagAABB) best = std::max(best, 25);
  if (tags & kTagABAB) best = std::max(best, 20);
  if (tags & kTagPalindrome) best = std::max(best, 15);
  return best;
}

// Four equal digits inside the number, apart from the run at the end, are
// worth less than at the end.
bool middle_quad(std::string_view n) {
  const size_t tail = static_cast<size_t>(trailing_run(n));
  for (size_t i = 3; i + 4 + tail <= n.size(); ++i)
    if (n[i] == n[i + 1] && n[i] == n[i + 2] && n[i] == n[i + 3]) return true;
  return false;
}
}  // namespace

uint32_t vanity_tags(std::string_view n) {
  uint32_t bits = 0;
  if (n.size() < 6) return bits;
  auto d = [&](size_t from_end) { return n[n.size() - 1 - from_end]; };  // d(0) = last digit
  const char a = d(3), b = d(2), c = d(1), e = d(0);
  if (a == b && b == c && c == e) bits |= kTagAAAA;
  if (b == c && c == e) bits |= kTagAAA;
  if (b == a + 1 && c == b + 1 && e == c + 1) bits |= kTagABCD;
  if (b == a - 1 && c == b - 1 && e == c - 1) bits |= kTagDCBA;
  if (a == b && c == e && a != c) bits |= kTagAABB;
  if (a == c && b == e && a != b) bits |= kTagABAB;
  const bool abba = a == e && b == c && a != b;
  const bool abccba =
      d(5) == d(0) && d(4) == d(1) && d(3) == d(2) && !(d(5) == d(4) && d(4) == d(3));
  if (abba || abccba) bits |= kTagPalindrome;
  if (e == '8') bits |= kTagLucky8;
  if (e == '6') bits |= kTagLucky6;
  if (n.find('4') == std::string_view::npos) bits |= kTagNo4;
  if (d(5) == d(2) && d(4) == d(1) && d(3) == d(0) && !(d(2) == d(1) && d(1) == d(0)))
    bits |= kTagABCABC;
  return bits;
}

std::vector<std::string> tag_names(uint32_t bits) {
  std::vector<std::string> out;
  for (size_t i = 0; i < kNames.size(); ++i)
    if (bits & (1u << i)) out.emplace_back(kNames[i]);
  return out;
}

Result<uint32_t> parse_tags(std::string_view csv) {
  uint32_t bits = 0;
  while (!csv.empty()) {
    auto comma = csv.find(',');
    auto name = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    if (name.empty()) continue;
    size_t i = 0;
    while (i < kNames.size() && name != kNames[i]) ++i;
    if (i == kNames.size()) return bad_argument("unknown tag '" + std::string(name) + "'");
    bits |= 1u << i;
  }
  return bits;
}

VanityAssessment assess_number(std::string_view n, int64_t price_fen,
                               std::optional<int64_t> carrier_grade) {
  VanityAssessment a;
  a.tags = vanity_tags(n);
  if (n.size() < 6) return a;
  int score = tail_points(n, a.tags);
  if (middle_quad(n)) score += 15;
  switch (n.back()) {  // the ending digit: 8 and 6 sell, 4 does not
    case '8':
      score += 8;
      break;
    case '6':
      score += 5;
      break;
    case '9':
      score += 4;
      break;
    case '4':
      score -= 10;
      break;
    default:
      break;
  }
  if (a.tags & kTagNo4) score += 5;
  score -= 5 * static_cast<int>(std::count(n.end() - 4, n.end(), '4'));
  a.score = std::max(score, 0);
  a.grade = carrier_grade ? static_cast<int>(std::clamp<int64_t>(*carrier_grade, 0, 10))
                          : std::min(10, a.score / 10);
  // What the pattern is worth on top of the carrier's price: nothing below
  // 10 points, then 100 yuan doubling every 10 points (20 -> 200 yuan,
  // 45 -> ~1,131 yuan, 90 -> 25,600 yuan).
  int64_t pattern_fen =
      a.score < 10 ? 0 : static_cast<int64_t>(10'000 * std::exp2((a.score - 10) / 10.0));
  a.valuation_fen = std::max<int64_t>(price_fen, 0) + pattern_fen;
  return a;
}

}  // namespace cgw::gw
