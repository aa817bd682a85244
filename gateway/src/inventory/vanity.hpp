// Vanity-number (靓号) tags, grade and valuation, computed by the gateway the
// same way for every carrier, so a search for "AAAA" or a sort by valuation
// means one thing across carriers. docs/inventory.md documents the rules.
#pragma once

#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw {

// Tag bits. The order is part of the store (numbers.tag_bits): append only.
enum VanityTag : uint32_t {
  kTagAAAA = 1u << 0,        // last 4 equal
  kTagAAA = 1u << 1,         // last 3 equal
  kTagABCD = 1u << 2,        // last 4 ascending by one
  kTagDCBA = 1u << 3,        // last 4 descending by one
  kTagAABB = 1u << 4,        // last 4 two pairs
  kTagABAB = 1u << 5,        // last 4 one pair twice
  kTagPalindrome = 1u << 6,  // last 4 ABBA or last 6 ABCCBA
  kTagLucky8 = 1u << 7,      // ends in 8
  kTagLucky6 = 1u << 8,      // ends in 6
  kTagNo4 = 1u << 9,         // no digit 4 anywhere
  kTagABCABC = 1u << 10,     // last 6 a 3-digit block twice
};
inline constexpr int kVanityTagCount = 11;

uint32_t vanity_tags(std::string_view msisdn);
std::vector<std::string> tag_names(uint32_t bits);
// "AAAA,no4" -> bits; INVALID_ARGUMENT naming the first unknown tag.
Result<uint32_t> parse_tags(std::string_view csv);

struct VanityAssessment {
  uint32_t tags = 0;
  int score = 0;              // pattern and position points, 0..~120
  int grade = 0;              // 0 plain .. 10 best; the carrier's grade wins when given
  int64_t valuation_fen = 0;  // carrier price + what the pattern is worth
};

// `carrier_grade`: the carrier's own tier (0-10) when it gives one.
VanityAssessment assess_number(std::string_view msisdn, int64_t price_fen,
                               std::optional<int64_t> carrier_grade);

}  // namespace cgw::gw
