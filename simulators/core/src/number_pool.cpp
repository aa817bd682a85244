#include "cgw/sim/number_pool.hpp"

#include "cgw/sim/magic_numbers.hpp"
#include "cgw/sim/rng.hpp"
#include "cgw/sim/vanity.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cgw::sim {

namespace {

constexpr size_t kNumberLength = 11;

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

uint64_t pow10(size_t n) {
  uint64_t v = 1;
  while (n--) v *= 10;
  return v;
}

// Overwrites the last four digits (`tail`) with a vanity pattern.
void stamp_vanity(char* tail, std::mt19937_64& gen) {
  auto digit = [&] { return static_cast<char>('0' + below(gen, 10)); };
  char a = digit(), b = digit();
  if (b == a) b = static_cast<char>('0' + (a - '0' + 1) % 10);
  switch (below(gen, 6)) {
    case 0:  // AAAA
      tail[0] = tail[1] = tail[2] = tail[3] = a;
      break;
    case 1: {  // ABCD, ascending or descending
      int start = static_cast<int>(below(gen, 7));
      bool up = below(gen, 2) == 0;
      for (int i = 0; i < 4; ++i)
        tail[i] = static_cast<char>('0' + (up ? start + i : 9 - start - i));
      break;
    }
    case 2:  // AABB
      tail[0] = tail[1] = a;
      tail[2] = tail[3] = b;
      break;
    case 3:  // ABAB
      tail[0] = tail[2] = a;
      tail[1] = tail[3] = b;
      break;
    case 4:  // lucky AAA of 8
      tail[0] = a;
      tail[1] = tail[2] = tail[3] = '8';
      break;
    default:  // ABBA
      tail[0] = tail[3] = a;
      tail[1] = tail[2] = b;
      break;
  }
}

uint64_t number_value(const char* digits) {
  uint64_t v = 0;
  for (size_t i = 0; i < kNumberLength; ++i) v = v * 10 + static_cast<uint64_t>(digits[i] - '0');
  return v;
}

// The 11 digits of a number_value(), leading zeros kept.
std::string number_digits(uint64_t v) {
  std::string s(kNumberLength, '0');
  for (size_t i = kNumberLength; i-- > 0; v /= 10) s[i] = static_cast<char>('0' + v % 10);
  return s;
}

}  // namespace

uint64_t segment_capacity(const std::vector<std::string>& segments) {
  uint64_t total = 0;
  for (const auto& s : segments)
    if (s.size() < kNumberLength) total += pow10(kNumberLength - s.size());
  return total;
}

bool in_segments(std::string_view number, const std::vector<std::string>& segments) {
  if (number.size() != kNumberLength || !all_digits(number)) return false;
  return std::any_of(segments.begin(), segments.end(),
                     [&](const std::string& s) { return number.starts_with(s); });
}

std::vector<NumberRecord> generate_pool(const PoolSpec& spec) {
  if (spec.segments.empty() || spec.regions.empty())
    throw std::invalid_argument("a pool needs segments and regions");
  for (const auto& s : spec.segments)
    if (s.empty() || s.size() >= kNumberLength || !all_digits(s))
      throw std::invalid_argument("invalid segment '" + s + "'");
  // Stay well below capacity so rejection sampling of duplicates ends fast.
  if (spec.size > segment_capacity(spec.segments) / 2)
    throw std::invalid_argument("pool size exceeds what the segments can hold");

  // Candidates are drawn in a fixed order (segment, digits, vanity, region)
  // and the first draw of a number wins. Numbers are kept as integers
  // (sorting by value is sorting by the 11-digit string) and deduplicated by
  // sorting, not with a set: for a pool of a million that is several times
  // faster. Each round draws exactly as many candidates as numbers are still
  // missing, so the rounds consume the same draws as one candidate at a
  // time until the pool is full would, and give the same pool.
  struct Drawn {
    uint64_t number;
    size_t region;
  };
  const auto by_number = [](const Drawn& a, const Drawn& b) { return a.number < b.number; };
  const auto same_number = [](const Drawn& a, const Drawn& b) { return a.number == b.number; };
  std::mt19937_64 gen(spec.seed);
  std::vector<Drawn> drawn;  // sorted and distinct after each round
  drawn.reserve(spec.size);
  const auto vanity_threshold = static_cast<uint64_t>(spec.vanity_share * 1'000'000);
  char digits[kNumberLength];
  while (drawn.size() < spec.size) {
    const size_t kept = drawn.size(), missing = spec.size - kept;
    for (size_t n = 0; n < missing; ++n) {
      const std::string& segment = spec.segments[below(gen, spec.segments.size())];
      segment.copy(digits, segment.size());
      for (size_t i = segment.size(); i < kNumberLength; ++i)
        digits[i] = static_cast<char>('0' + below(gen, 10));
      if (below(gen, 1'000'000) < vanity_threshold) stamp_vanity(digits + kNumberLength - 4, gen);
      const size_t region = below(gen, spec.regions.size());
      // Magic numbers (magic_numbers.hpp) are never in a pool: skipped like
      // a duplicate, so a pool without one is the pool it always was.
      if (is_magic_number(number_value(digits))) continue;
      drawn.push_back(Drawn{number_value(digits), region});
    }
    // Stable: of equal numbers the earlier draw comes first, and unique()
    // keeps the first of each run.
    const auto fresh = drawn.begin() + static_cast<std::ptrdiff_t>(kept);
    std::stable_sort(fresh, drawn.end(), by_number);
    std::inplace_merge(drawn.begin(), fresh, drawn.end(), by_number);
    drawn.erase(std::unique(drawn.begin(), drawn.end(), same_number), drawn.end());
  }

  std::vector<NumberRecord> pool;
  pool.reserve(drawn.size());  // not pool(n): that would write every record twice
  for (const Drawn& d : drawn) {
    NumberRecord rec;
    rec.number = number_digits(d.number);
    auto grade = grade_number(rec.number);
    const Region& region = spec.regions[d.region];
    rec.province = region.province;
    rec.city = region.city;
    rec.level = grade.level;
    rec.price_fen = grade.price_fen;
    rec.pattern = std::move(grade.pattern);
    pool.push_back(std::move(rec));
  }
  return pool;
}

}  // namespace cgw::sim
