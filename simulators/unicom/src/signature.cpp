#include "cgw/sim/unicom/signature.hpp"

#include "cgw/common/crypto.hpp"

#include <openssl/evp.h>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace cgw::sim::unicom {

namespace chr = std::chrono;

namespace {

constexpr chr::hours kBeijingOffset{8};  // no daylight saving time in China

std::string md5_upper_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 failed");
  std::string hex = crypto::to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c; });
  return hex;
}

std::optional<int> digits(std::string_view text, size_t pos, size_t len) {
  int v = 0;
  const char* b = text.data() + pos;
  if (!std::all_of(b, b + len, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::from_chars(b, b + len, v);
  return v;
}

const std::string* find(const FormParams& params, const char* name) {
  auto it = params.find(name);
  return it == params.end() || it->second.empty() ? nullptr : &it->second;
}

}  // namespace

std::optional<FormParams> parse_form(std::string_view body) {
  // Validate first: the params_view constructor throws on bad escapes.
  if (!boost::urls::parse_query(body)) return std::nullopt;
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  FormParams out;
  for (auto p : boost::urls::params_view(body, form)) {
    if (p.key.empty() && !p.has_value) continue;  // "a=1&&b=2", a trailing '&'
    if (!out.emplace(p.key, p.value).second) return std::nullopt;
  }
  return out;
}

std::string expected_sign(std::string_view secret, const FormParams& params) {
  std::string text(secret);
  for (const auto& [name, value] : params)
    if (name != "sign" && !value.empty()) text.append(name).append(value);
  text.append(secret);
  return md5_upper_hex(text);
}

std::string beijing_time(int64_t unix_ms) {
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

std::optional<int64_t> parse_beijing_time(std::string_view t) {
  if (t.size() != 19 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  const auto y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2);
  const auto h = digits(t, 11, 2), mi = digits(t, 14, 2), s = digits(t, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const chr::year_month_day ymd{chr::year(*y), chr::month(static_cast<unsigned>(*mo)),
                                chr::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  const auto local = chr::sys_days(ymd) + chr::hours(*h) + chr::minutes(*mi) + chr::seconds(*s);
  return chr::duration_cast<chr::milliseconds>((local - kBeijingOffset).time_since_epoch()).count();
}

AuthOutcome verify_request(const FormParams& params, std::string_view app_key,
                           std::string_view secret, int64_t wall_ms) {
  AuthOutcome out;
  const std::string* got_app = find(params, "app_key");
  if (!got_app || !crypto::equal_ct(*got_app, app_key)) return out.code = "1001", out;
  const std::string* sign = find(params, "sign");
  if (!sign || !crypto::equal_ct(*sign, expected_sign(secret, params)))
    return out.code = "1002", out;
  out.signature_ok = true;
  const std::string* ts = find(params, "timestamp");
  const auto at = ts ? parse_beijing_time(*ts) : std::nullopt;
  if (!at || *at - wall_ms > kTimestampWindowMs || wall_ms - *at > kTimestampWindowMs)
    return out.code = "1003", out;
  return out;
}

}  // namespace cgw::sim::unicom
