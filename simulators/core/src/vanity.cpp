#include "cgw/sim/vanity.hpp"

#include <algorithm>
#include <array>

namespace cgw::sim {

namespace {

// Length of the run of equal digits ending at the last position.
size_t trailing_run(std::string_view s) {
  size_t n = 1;
  while (n < s.size() && s[s.size() - 1 - n] == s.back()) ++n;
  return n;
}

// Longest run of equal digits anywhere.
size_t longest_run(std::string_view s) {
  size_t best = 1, cur = 1;
  for (size_t i = 1; i < s.size(); ++i) {
    cur = s[i] == s[i - 1] ? cur + 1 : 1;
    best = std::max(best, cur);
  }
  return best;
}

// Length of the ascending (step +1) or descending (step -1) sequence ending
// at the last position, e.g. ...1234 -> 4, ...8765 -> 4.
size_t trailing_sequence(std::string_view s) {
  size_t best = 1;
  for (int step : {1, -1}) {
    size_t n = 1;
    while (n < s.size() && s[s.size() - n] - s[s.size() - 1 - n] == step) ++n;
    best = std::max(best, n);
  }
  return best;
}

size_t longest_sequence(std::string_view s) {
  size_t best = 1;
  for (int step : {1, -1}) {
    size_t cur = 1;
    for (size_t i = 1; i < s.size(); ++i) {
      cur = s[i] - s[i - 1] == step ? cur + 1 : 1;
      best = std::max(best, cur);
    }
  }
  return best;
}

bool ends_aabb(std::string_view t) {  // t: last 4
  return t[0] == t[1] && t[2] == t[3] && t[1] != t[2];
}
bool ends_aabbcc(std::string_view t) {  // t: last 6
  return ends_aabb(t.substr(0, 4)) && ends_aabb(t.substr(2, 4));
}
bool ends_abab(std::string_view t) {
  return t[0] == t[2] && t[1] == t[3] && t[0] != t[1];
}
bool ends_abcabc(std::string_view t) {
  return t.substr(0, 3) == t.substr(3, 3) && !(t[0] == t[1] && t[1] == t[2]);
}
bool palindrome(std::string_view t) {
  return std::equal(t.begin(), t.begin() + t.size() / 2, t.rbegin());
}

struct Candidate {
  int level;
  const char* name;
};

}  // namespace

int64_t price_for_level(int level) {
  // Fen: free, 30 yuan, 100 yuan ... 50,000 yuan.
  static constexpr std::array<int64_t, 11> kPrice = {
      0, 3'000, 10'000, 30'000, 50'000, 100'000, 200'000, 500'000, 1'000'000, 2'000'000, 5'000'000};
  return kPrice[static_cast<size_t>(std::clamp(level, 0, 10))];
}

VanityGrade grade_number(std::string_view number) {
  VanityGrade g;
  if (number.size() < 8) {
    g.price_fen = price_for_level(0);
    return g;
  }
  const std::string_view tail = number.substr(number.size() - 8);
  const std::string_view last4 = tail.substr(4), last6 = tail.substr(2);
  const size_t run = trailing_run(tail), seq = trailing_sequence(tail);

  Candidate best{0, ""};
  auto consider = [&](bool hit, int level, const char* name) {
    if (hit && level > best.level) best = {level, name};
  };
  consider(run >= 5, 10, "AAAAA");
  consider(run == 4, 9, "AAAA");
  consider(seq >= 5, 8, "ABCDE");
  consider(ends_aabbcc(last6), 8, "AABBCC");
  consider(ends_abcabc(last6), 7, "ABCABC");
  consider(longest_run(tail) >= 4, 7, "AAAA-inner");
  consider(seq == 4, 6, "ABCD");
  consider(run == 3, 6, "AAA");
  consider(ends_aabb(last4), 5, "AABB");
  consider(palindrome(last6) && longest_run(last6) < 6, 5, "ABCCBA");
  consider(ends_abab(last4), 4, "ABAB");
  consider(longest_run(tail) == 3, 3, "AAA-inner");
  consider(longest_sequence(tail) >= 4, 3, "ABCD-inner");
  consider(palindrome(last4) && run < 4, 3, "ABBA");
  for (std::string_view word : {"1314", "520", "168", "518"})
    consider(tail.ends_with(word), 3, "meaningful");

  int level = best.level;
  std::string pattern = best.name;
  // Lucky endings: 8 (发) and 6 (顺) raise the grade, doubled more so.
  if (tail.back() == '8' || tail.back() == '6') {
    level += 1;
    if (tail[6] == tail[7]) level += 1;
    if (pattern.empty()) pattern = "lucky";
  }
  // 4 sounds like 死: a trailing 4 lowers the grade most, a 4 in the last
  // four digits a little.
  if (tail.back() == '4')
    level -= 2;
  else if (last4.find('4') != std::string_view::npos)
    level -= 1;

  g.level = std::clamp(level, 0, 10);
  g.price_fen = price_for_level(g.level);
  g.pattern = std::move(pattern);
  return g;
}

}  // namespace cgw::sim
