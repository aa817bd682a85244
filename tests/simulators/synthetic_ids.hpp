// Synthetic, checksum-valid ID numbers for the simulator tests: a county
// (110101 unless given), the birth date and sequence, and the GB 11643
// check character computed here (never a real person's number).
#pragma once

#include <string>

namespace sim_test {

inline std::string make_id(const std::string& birth8, const std::string& seq3,
                           const std::string& county6 = "110101") {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  std::string s = county6 + birth8 + seq3;
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s[i] - '0') * kW[i];
  s.push_back("10X98765432"[sum % 11]);
  return s;
}

}  // namespace sim_test
