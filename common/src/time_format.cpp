#include "cgw/common/time_format.hpp"

#include <chrono>
#include <cstdio>

namespace cgw {

int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string rfc3339_utc(int64_t unix_ms) {
  using namespace std::chrono;
  auto tp = sys_time<seconds>(duration_cast<seconds>(milliseconds(unix_ms)));
  auto days = floor<std::chrono::days>(tp);
  year_month_day ymd{days};
  hh_mm_ss hms{tp - days};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()));
  return buf;
}

}  // namespace cgw
