#include "cgw/common/id_number.hpp"

#include <chrono>

namespace cgw::id {

const char* describe(IdError e) {
  switch (e) {
    case IdError::kNone:
      return "valid";
    case IdError::kLength:
      return "an ID number has 18 characters";
    case IdError::kCharacters:
      return "17 digits then a digit or X are expected";
    case IdError::kFirstDigit:
      return "the first digit must be 1-9";
    case IdError::kBirthDate:
      return "the birth date is not a calendar date";
    case IdError::kFutureBirth:
      return "the birth date is in the future";
    case IdError::kCheckDigit:
      return "the check character does not match";
  }
  return "invalid";
}

namespace {
bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}
bool before(Date a, Date b) {
  if (a.year != b.year) return a.year < b.year;
  if (a.month != b.month) return a.month < b.month;
  return a.day < b.day;
}
}  // namespace

IdCheck check_id_number(std::string_view id, Date today) {
  IdCheck r;
  if (id.size() != 18) return r.error = IdError::kLength, r;
  for (size_t i = 0; i < 17; ++i)
    if (id[i] < '0' || id[i] > '9') return r.error = IdError::kCharacters, r;
  char last = id[17] == 'x' ? 'X' : id[17];
  if (!(last == 'X' || (last >= '0' && last <= '9'))) return r.error = IdError::kCharacters, r;
  // 1-8: citizens by region; 9: the 2023 foreigner permanent-residence card
  // (same structure). Whether a product accepts it is carrier policy.
  if (id[0] == '0') return r.error = IdError::kFirstDigit, r;
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  r.birth = Date{num(6, 4), num(10, 2), num(12, 2)};
  if (r.birth.year < 1800 || r.birth.month < 1 || r.birth.month > 12 || r.birth.day < 1 ||
      r.birth.day > days_in(r.birth.year, r.birth.month))
    return r.error = IdError::kBirthDate, r;
  if (before(today, r.birth)) return r.error = IdError::kFutureBirth, r;
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
  if ("10X98765432"[sum % 11] != last) return r.error = IdError::kCheckDigit, r;
  r.normalized = std::string(id.substr(0, 17)) + last;
  return r;
}

int age_on(Date birth, Date today) {
  int age = today.year - birth.year;
  if (today.month < birth.month || (today.month == birth.month && today.day < birth.day)) --age;
  return age;
}

Date beijing_date(int64_t unix_ms) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(sys_time<milliseconds>(milliseconds(unix_ms)) + hours(8));
  year_month_day ymd{days};
  return Date{int(ymd.year()), int(unsigned(ymd.month())), int(unsigned(ymd.day()))};
}

std::string mask_id_number(std::string_view id) {
  if (id.size() <= 8) return std::string(id.size(), '*');
  return std::string(id.substr(0, 4)) + std::string(id.size() - 8, '*') +
         std::string(id.substr(id.size() - 4));
}

std::string mask_name(std::string_view name) {
  if (name.empty()) return {};
  // Length of the first UTF-8 sequence, then one '*' per remaining character.
  auto seq_len = [](unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; };
  size_t first = std::min<size_t>(seq_len(static_cast<unsigned char>(name[0])), name.size());
  std::string out(name.substr(0, first));
  for (size_t i = first; i < name.size();) {
    i += seq_len(static_cast<unsigned char>(name[i]));
    out.push_back('*');
  }
  if (out.size() == first) out.push_back('*');  // never return a bare 1-character name
  return out;
}

}  // namespace cgw::id
