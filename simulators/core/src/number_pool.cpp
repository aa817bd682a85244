#include "cgw/sim/number_pool.hpp"

#include "cgw/sim/rng.hpp"
#include "cgw/sim/vanity.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

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

// Overwrites the last four digits with a vanity pattern.
void stamp_vanity(std::string& number, std::mt19937_64& gen) {
  auto digit = [&] { return static_cast<char>('0' + below(gen, 10)); };
  char a = digit(), b = digit();
  if (b == a) b = static_cast<char>('0' + (a - '0' + 1) % 10);
  std::string tail;
  switch (below(gen, 6)) {
    case 0:
      tail = {a, a, a, a};
      break;   // AAAA
    case 1: {  // ABCD, ascending or descending
      int start = static_cast<int>(below(gen, 7));
      bool up = below(gen, 2) == 0;
      for (int i = 0; i < 4; ++i)
        tail.push_back(static_cast<char>('0' + (up ? start + i : 9 - start - i)));
      break;
    }
    case 2:
      tail = {a, a, b, b};
      break;  // AABB
    case 3:
      tail = {a, b, a, b};
      break;  // ABAB
    case 4:
      tail = {a, '8', '8', '8'};
      break;  // lucky AAA of 8
    default:
      tail = {a, b, b, a};
      break;  // ABBA
  }
  number.replace(kNumberLength - 4, 4, tail);
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

  std::mt19937_64 gen(spec.seed);
  std::unordered_set<std::string> seen;
  std::vector<NumberRecord> pool;
  pool.reserve(spec.size);
  seen.reserve(spec.size * 2);
  const auto vanity_threshold = static_cast<uint64_t>(spec.vanity_share * 1'000'000);
  while (pool.size() < spec.size) {
    std::string number = spec.segments[below(gen, spec.segments.size())];
    while (number.size() < kNumberLength) number.push_back(static_cast<char>('0' + below(gen, 10)));
    if (below(gen, 1'000'000) < vanity_threshold) stamp_vanity(number, gen);
    const Region& region = spec.regions[below(gen, spec.regions.size())];
    if (!seen.insert(number).second) continue;
    NumberRecord rec;
    auto grade = grade_number(number);
    rec.number = std::move(number);
    rec.province = region.province;
    rec.city = region.city;
    rec.level = grade.level;
    rec.price_fen = grade.price_fen;
    rec.pattern = std::move(grade.pattern);
    pool.push_back(std::move(rec));
  }
  std::sort(pool.begin(), pool.end(),
            [](const NumberRecord& a, const NumberRecord& b) { return a.number < b.number; });
  return pool;
}

}  // namespace cgw::sim
