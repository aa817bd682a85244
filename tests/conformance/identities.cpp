#include "identities.hpp"

#include "cgw/common/id_number.hpp"

#include <cstdio>
#include <random>
#include <stdexcept>

namespace cgw::conformance {

std::string make_id_number(std::string_view address, std::string_view birth,
                           std::string_view sequence) {
  std::string body = std::string(address) + std::string(birth) + std::string(sequence);
  if (body.size() != 17) throw std::logic_error("an ID number body has 17 digits");
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  std::string id = body + "10X98765432"[sum % 11];
  // The gateway's own validator must agree, or the check would test nothing.
  if (!id::check_id_number(id, id::Date{2100, 1, 1}).ok())
    throw std::logic_error("built an ID number the gateway's validator refuses");
  return id;
}

std::string magic_id(char outcome_digit) {
  const char sequence[] = {'9', outcome_digit, '0', '\0'};
  return make_id_number("110101", "19900101", sequence);
}

std::string underage_id(int64_t now_ms) {
  const id::Date today = id::beijing_date(now_ms);
  char birth[16];
  std::snprintf(birth, sizeof birth, "%04d0101", today.year - 10);
  return make_id_number("110101", birth, "003");
}

std::string random_adult_id() {
  std::random_device rd;
  std::mt19937 gen(rd());
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); };
  char birth[16], sequence[8];
  std::snprintf(birth, sizeof birth, "%04d%02d%02d", pick(1970, 1999), pick(1, 12), pick(1, 28));
  std::snprintf(sequence, sizeof sequence, "%03d", pick(0, 899));
  return make_id_number("110101", birth, sequence);
}

}  // namespace cgw::conformance
