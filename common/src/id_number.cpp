#include "cgw/common/id_number.hpp"

#include "cgw/common/log_setup.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <vector>

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

// Both masks count characters (UTF-8 code points; a byte that is not UTF-8
// counts as one) and keep a character only when it is harmless anywhere the
// mask goes (API answers, the store, log records): a kept ID character must
// be an ASCII letter or digit, a kept first name character valid UTF-8 that
// log_escape() would leave alone. Anything else is masked too, so a masked
// value never carries a control character or a broken UTF-8 sequence.
std::string mask_id_number(std::string_view id) {
  std::vector<std::string_view> chars;
  for (size_t i = 0; i < id.size();) {
    const size_t len = next_utf8(id, i).len;
    chars.push_back(id.substr(i, len));
    i += len;
  }
  const size_t n = chars.size();
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    const bool keep = n > 8 && (i < 4 || i >= n - 4) && chars[i].size() == 1 &&
                      std::isalnum(static_cast<unsigned char>(chars[i][0]));
    out += keep ? chars[i] : "*";
  }
  return out;
}

std::string mask_name(std::string_view name) {
  if (name.empty()) return {};
  const Utf8Char first = next_utf8(name, 0);
  std::string out = first.valid && !log_unsafe(first.cp) ? std::string(name.substr(0, first.len))
                                                         : std::string("*");
  size_t rest = 0;
  for (size_t i = first.len; i < name.size(); i += next_utf8(name, i).len) ++rest;
  out.append(std::max<size_t>(rest, 1), '*');  // never return a bare 1-character name
  return out;
}

}  // namespace cgw::id
