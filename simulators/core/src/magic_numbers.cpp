#include "cgw/sim/magic_numbers.hpp"

#include <algorithm>

namespace cgw::sim {

namespace {
constexpr uint64_t kSuffixBase = 10'000'000;  // the last seven digits
}  // namespace

std::optional<MagicReserve> magic_reserve(std::string_view number) {
  if (number.size() != 11 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const std::string_view tail = number.substr(4);
  if (tail == "0000001") return MagicReserve::kLockedElsewhere;
  if (tail == "0000002") return MagicReserve::kSold;
  if (tail == "0000003") return MagicReserve::kNotInPool;
  return std::nullopt;
}

bool is_magic_number(uint64_t number) {
  const uint64_t tail = number % kSuffixBase;
  return tail >= 1 && tail <= 3;
}

const char* to_string(MagicReserve m) {
  switch (m) {
    case MagicReserve::kLockedElsewhere:
      return "locked_elsewhere";
    case MagicReserve::kSold:
      return "sold";
    case MagicReserve::kNotInPool:
      return "not_in_pool";
  }
  return "not_in_pool";
}

}  // namespace cgw::sim
