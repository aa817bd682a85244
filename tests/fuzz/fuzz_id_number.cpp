// Fuzz target: the GB 11643 ID number checker and the masking of what it
// accepts. Any bytes: a verdict, never a crash; an accepted number always
// masks to its first four and last four characters.
#include "cgw/common/id_number.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto check = cgw::id::check_id_number(input, cgw::id::Date{2026, 11, 30});
  if (check.ok()) {
    if (check.normalized.size() != 18) abort();
    auto masked = cgw::id::mask_id_number(check.normalized);
    if (masked.size() != 18 || masked.compare(0, 4, check.normalized, 0, 4) != 0) abort();
  }
  return 0;
}
