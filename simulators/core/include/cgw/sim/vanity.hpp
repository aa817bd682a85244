// Vanity-number (靓号) grading: a carrier-style level 0-10 and a price.
// The rules follow the common market conventions listed in domain.md; they
// are policy for the simulators, not any carrier's real grading table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::sim {

struct VanityGrade {
  int level = 0;          // 0 plain .. 10 best
  int64_t price_fen = 0;  // grows with the level
  std::string pattern;    // the best pattern found ("" for a plain number)
};

// Grades an 11-digit number on its last 8 digits.
VanityGrade grade_number(std::string_view number);

// Price in fen for a level (strictly increasing; level 0 is free).
int64_t price_for_level(int level);

}  // namespace cgw::sim
