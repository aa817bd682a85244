// Generation of a carrier's number inventory from its segments and regions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

struct Region {
  std::string province, city;  // in Chinese, as carriers return them
};

struct NumberRecord {
  std::string number;  // 11 digits
  std::string province, city;
  int level = 0;
  int64_t price_fen = 0;
  std::string pattern;  // vanity pattern, for debugging and tests
};

struct PoolSpec {
  std::vector<std::string> segments;  // prefixes of 3 or 4 digits, e.g. "135", "1340"
  std::vector<Region> regions;
  size_t size = 0;
  uint64_t seed = 0;
  // Share of numbers given a vanity tail on purpose: uniform random digits
  // alone give too few vanity numbers for tests to find.
  double vanity_share = 0.03;
};

// How many distinct numbers the segments can hold.
uint64_t segment_capacity(const std::vector<std::string>& segments);

// Distinct numbers, sorted by number. The same spec gives the same pool.
// Throws std::invalid_argument when the spec cannot be satisfied.
std::vector<NumberRecord> generate_pool(const PoolSpec& spec);

// True when `number` is 11 digits under one of the segments.
bool in_segments(std::string_view number, const std::vector<std::string>& segments);

}  // namespace cgw::sim
