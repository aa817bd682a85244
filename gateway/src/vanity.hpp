// Vanity-number (靓号) tags, computed by the gateway the same way for every
// carrier so a search for "AAAA" means one thing across carriers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw {

// Tags look at the ending of the number, where buyers look.
//   AAAA: last 4 equal; AAA: last 3 equal; ABCD / DCBA: last 4 ascending /
//   descending by 1; AABB; ABAB; palindrome: last 4 read the same both ways
//   (ABBA); lucky8 / lucky6: ends in 8 / 6; no4: no digit 4 anywhere.
uint32_t vanity_tags(std::string_view msisdn);
std::vector<std::string> tag_names(uint32_t bits);
// "AAAA,no4" -> bits; nullopt names the first unknown tag in `unknown`.
std::optional<uint32_t> parse_tags(std::string_view csv, std::string& unknown);

}  // namespace cgw::gw
