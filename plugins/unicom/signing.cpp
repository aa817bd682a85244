#include "signing.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace cgw::unicom {
namespace {

namespace chr = std::chrono;

// Beijing time is UTC+8 all year (China has no daylight saving time).
constexpr chr::hours kBeijingOffset{8};

// A fixed-width decimal field of `text` at [pos, pos + len).
std::optional<int> field(std::string_view text, size_t pos, size_t len) {
  int v = 0;
  const char* b = text.data() + pos;
  auto [end, ec] = std::from_chars(b, b + len, v);
  if (ec != std::errc() || end != b + len ||
      !std::all_of(b, b + len, [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return v;
}

}  // namespace

std::string md5_upper_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 failed");
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string string_to_sign(std::string_view secret, const Params& params) {
  std::vector<const Param*> signed_params;
  for (const Param& p : params)
    if (p.first != "sign" && !p.second.empty()) signed_params.push_back(&p);
  // std::string compares like memcmp: byte order, as the protocol says.
  std::sort(signed_params.begin(), signed_params.end(),
            [](const Param* a, const Param* b) { return a->first < b->first; });
  std::string s(secret);
  for (const Param* p : signed_params) s.append(p->first).append(p->second);
  s.append(secret);
  return s;
}

std::string sign(std::string_view secret, const Params& params) {
  return md5_upper_hex(string_to_sign(secret, params));
}

std::string beijing_timestamp(int64_t unix_ms) {
  const auto local =
      chr::floor<chr::seconds>(chr::sys_time<chr::milliseconds>(chr::milliseconds(unix_ms))) +
      kBeijingOffset;
  const auto day = chr::floor<chr::days>(local);
  const chr::year_month_day ymd(day);
  const chr::hh_mm_ss hms(local - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<int64_t> parse_beijing_timestamp(std::string_view text) {
  // yyyy-MM-dd HH:mm:ss
  if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':')
    return std::nullopt;
  const auto y = field(text, 0, 4), mo = field(text, 5, 2), d = field(text, 8, 2);
  const auto h = field(text, 11, 2), mi = field(text, 14, 2), s = field(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const chr::year_month_day ymd{chr::year(*y), chr::month(static_cast<unsigned>(*mo)),
                                chr::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;  // e.g. 2026-02-30
  const auto local = chr::sys_days(ymd) + chr::hours(*h) + chr::minutes(*mi) + chr::seconds(*s);
  return chr::duration_cast<chr::milliseconds>((local - kBeijingOffset).time_since_epoch()).count();
}

}  // namespace cgw::unicom
