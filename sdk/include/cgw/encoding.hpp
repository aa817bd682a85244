// Encodings carriers sign over: percent and form encoding (Boost.URL),
// sorted-parameter signing strings, Beijing-time timestamps and the checks
// a callback needs (time window, nonce reuse). Header-only.
#pragma once

#include <cgw/plugin.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgw::encoding {

// Percent-encodes everything but RFC 3986 "unreserved" (A-Z a-z 0-9 - . _ ~),
// so '+', '&', '=' and spaces can never change what a value means: a form
// decoder reads '+' as a space, which would corrupt base64 values.
inline std::string url_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

using Param = std::pair<std::string, std::string>;
using Params = std::vector<Param>;

// k1=v1&k2=v2 in the given order, keys and values url_encode()d.
inline std::string form_encode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(url_encode(k)).append("=").append(url_encode(v));
  }
  return out;
}

// The string most "sorted parameter" signatures are computed over.
struct SortedParamsFormat {
  std::string_view pair_sep = "&";                   // between pairs ("" for k1v1k2v2)
  std::string_view kv_sep = "=";                     // between key and value
  bool skip_empty = true;                            // leave out empty values
  std::vector<std::string_view> exclude = {"sign"};  // e.g. the signature itself
};

// Parameters sorted by key in byte order (std::string compares like memcmp),
// then joined: "a=1&b=2". Values are taken as they are (not encoded).
inline std::string sorted_params(const Params& params, const SortedParamsFormat& f = {}) {
  std::vector<const Param*> picked;
  for (const Param& p : params) {
    if (f.skip_empty && p.second.empty()) continue;
    if (std::find(f.exclude.begin(), f.exclude.end(), p.first) != f.exclude.end()) continue;
    picked.push_back(&p);
  }
  std::stable_sort(picked.begin(), picked.end(),
                   [](const Param* a, const Param* b) { return a->first < b->first; });
  std::string out;
  for (const Param* p : picked) {
    if (!out.empty()) out.append(f.pair_sep);
    out.append(p->first).append(f.kv_sep).append(p->second);
  }
  return out;
}

// ------------------------------------------------------------ timestamps

// How Beijing time (UTC+8 all year: China has no daylight saving time) is
// written: yyyyMMddHHmmss or yyyy-MM-dd HH:mm:ss.
enum class TimeLayout { kCompact, kDashed };

inline std::string beijing_time(int64_t unix_ms, TimeLayout layout = TimeLayout::kCompact) {
  namespace chr = std::chrono;
  const auto local =
      chr::floor<chr::seconds>(chr::sys_time<chr::milliseconds>(chr::milliseconds(unix_ms))) +
      chr::hours(8);
  const auto day = chr::floor<chr::days>(local);
  const chr::year_month_day ymd(day);
  const chr::hh_mm_ss hms(local - day);
  char buf[64];
  std::snprintf(
      buf, sizeof buf,
      layout == TimeLayout::kCompact ? "%04d%02u%02u%02d%02d%02d" : "%04d-%02u-%02u %02d:%02d:%02d",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
      static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

// The inverse of beijing_time: Unix ms, or nullopt for anything but a real
// date and time in exactly that layout (no 2026-02-30, no 24:00:00).
inline std::optional<int64_t> parse_beijing_time(std::string_view text,
                                                 TimeLayout layout = TimeLayout::kCompact) {
  namespace chr = std::chrono;
  const bool dashed = layout == TimeLayout::kDashed;
  if (text.size() != (dashed ? 19u : 14u)) return std::nullopt;
  if (dashed &&
      (text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':'))
    return std::nullopt;
  const size_t step = dashed ? 1 : 0;  // separators between the fields
  int f[6] = {};
  size_t pos = 0;
  for (int i = 0; i < 6; ++i) {
    const size_t len = i == 0 ? 4 : 2;
    const char* b = text.data() + pos;
    if (!std::all_of(b, b + len, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    std::from_chars(b, b + len, f[i]);
    pos += len + step;
  }
  const chr::year_month_day ymd{chr::year(f[0]), chr::month(static_cast<unsigned>(f[1])),
                                chr::day(static_cast<unsigned>(f[2]))};
  if (!ymd.ok() || f[3] > 23 || f[4] > 59 || f[5] > 59) return std::nullopt;
  const auto local =
      chr::sys_days(ymd) + chr::hours(f[3]) + chr::minutes(f[4]) + chr::seconds(f[5]);
  return chr::duration_cast<chr::milliseconds>((local - chr::hours(8)).time_since_epoch()).count();
}

// A strict non-negative decimal integer (epoch seconds or ms in headers):
// digits only, no sign, no spaces; nullopt on overflow.
inline std::optional<int64_t> parse_decimal(std::string_view s) {
  int64_t v = 0;
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// ------------------------------------------------------ callback checks

// Whether a callback stamped `stamp_ms` is within `window_ms` of now, in
// either direction (clocks differ both ways).
inline bool within_window(int64_t now_ms, int64_t stamp_ms, int64_t window_ms) {
  const int64_t d = now_ms > stamp_ms ? now_ms - stamp_ms : stamp_ms - now_ms;
  return d >= 0 && d <= window_ms;
}

// Remembers callback nonces in the host cache for `ttl_ms` (at least the
// time window, so a replay inside the window is caught). The cache is shared
// by the gateway's threads but get-then-put is not atomic: two copies of one
// callback racing in the same millisecond may both pass, which the
// gateway's event-id deduplication absorbs.
class NonceGuard {
 public:
  NonceGuard(const HostApi& host, std::string prefix, int64_t ttl_ms)
      : host_(host), prefix_(std::move(prefix)), ttl_ms_(ttl_ms) {}
  // True the first time a nonce is seen; false for a replay or an empty nonce.
  bool first_use(std::string_view nonce) const {
    if (nonce.empty()) return false;
    const std::string key = prefix_ + std::string(nonce);
    if (host_.cache_get(key)) return false;
    host_.cache_put(key, "1", ttl_ms_);
    return true;
  }

 private:
  HostApi host_;
  std::string prefix_;
  int64_t ttl_ms_;
};

}  // namespace cgw::encoding
