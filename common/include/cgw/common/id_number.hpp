// Resident identity card numbers (GB 11643-1999) and PII masking.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cgw::id {

struct Date {
  int year = 0, month = 0, day = 0;
};

enum class IdError {
  kNone,
  kLength,
  kCharacters,
  kFirstDigit,
  kBirthDate,
  kFutureBirth,
  kCheckDigit
};

struct IdCheck {
  IdError error = IdError::kNone;
  std::string normalized;  // upper-case X when valid
  Date birth;
  bool ok() const { return error == IdError::kNone; }
};

// Human-readable reason, without the number itself.
const char* describe(IdError e);

// Validates structure, birth date (a real date, not after `today`) and the
// ISO 7064 MOD 11-2 check character. Unknown county codes are accepted: an
// ID number never changes when codes are retired.
IdCheck check_id_number(std::string_view id, Date today);

// Whole years between birth and today.
int age_on(Date birth, Date today);

// The youngest applicant an online channel may serve: under 16 needs a
// guardian and an offline channel. Carriers may ask more, never less.
inline constexpr int kMinimumApplicantAge = 16;

// Today (UTC+8, the calendar ID rules use) from a Unix time in milliseconds.
Date beijing_date(int64_t unix_ms);

// "1101**********002X": first 4 and last 4 characters kept when they are
// ASCII letters or digits. Short input (8 characters or fewer) is fully masked.
std::string mask_id_number(std::string_view id);
// "张*", "欧***": first character kept unless it is a control character or
// not UTF-8, one "*" per other character (at least one).
std::string mask_name(std::string_view name);

}  // namespace cgw::id
