#include "cgw/common/log_setup.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cgw {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool continuation(std::string_view s, size_t i) {
  return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
}

// Wraps a pattern formatter: the record it formats is the original with its
// message escaped. The colour range the pattern marks (%^...%$) is copied
// back, since the colour sinks read it from the record they passed in.
class EscapingFormatter final : public spdlog::formatter {
 public:
  explicit EscapingFormatter(std::unique_ptr<spdlog::formatter> inner) : inner_(std::move(inner)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!needs_log_escape(payload)) return inner_->format(msg, dest);
    const std::string escaped = log_escape(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_->format(copy, dest);
    msg.color_range_start = copy.color_range_start;
    msg.color_range_end = copy.color_range_end;
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<EscapingFormatter>(inner_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> inner_;
};

}  // namespace

Utf8Char next_utf8(std::string_view s, size_t at) {
  const auto b0 = static_cast<unsigned char>(s[at]);
  if (b0 < 0x80) return {b0, 1, true};
  // RFC 3629 table 3: the lead byte fixes the length and the range of the
  // second byte (which excludes overlong forms, surrogates and > U+10FFFF).
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {b0, 1, false};
  }
  if (at + 1 >= s.size()) return {b0, 1, false};
  const auto b1 = static_cast<unsigned char>(s[at + 1]);
  if (b1 < lo || b1 > hi) return {b0, 1, false};
  cp = (cp << 6) | (b1 & 0x3F);
  for (size_t i = 2; i < len; ++i) {
    if (!continuation(s, at + i)) return {b0, 1, false};
    cp = (cp << 6) | (static_cast<unsigned char>(s[at + i]) & 0x3F);
  }
  return {cp, len, true};
}

bool log_unsafe(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool needs_log_escape(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7F) {  // the common case: printable ASCII
      ++i;
      continue;
    }
    const Utf8Char ch = next_utf8(s, i);
    if (!ch.valid || log_unsafe(ch.cp)) return true;
    i += ch.len;
  }
  return false;
}

std::string log_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    const Utf8Char ch = next_utf8(s, i);
    if (ch.valid && !log_unsafe(ch.cp)) {
      out.append(s.substr(i, ch.len));
    } else if (ch.valid && ch.cp == '\n') {
      out += "\\n";
    } else if (ch.valid && ch.cp == '\r') {
      out += "\\r";
    } else if (ch.valid && ch.cp == '\t') {
      out += "\\t";
    } else if (!ch.valid || ch.cp <= 0x7F) {  // a byte: invalid, C0 control or DEL
      const auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += "\\u{";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(ch.cp >> shift) & 15];
      out += '}';
    }
    i += ch.len;
  }
  return out;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string pattern, bool utc) {
  return std::make_unique<EscapingFormatter>(std::make_unique<spdlog::pattern_formatter>(
      std::move(pattern), utc ? spdlog::pattern_time_type::utc : spdlog::pattern_time_type::local));
}

bool init_logging(std::string_view program, std::string_view level) {
  spdlog::drop(std::string(program));  // callable more than once (tests)
  auto logger = spdlog::stderr_color_mt(std::string(program));
  logger->set_formatter(make_log_formatter("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %n %v"));
  spdlog::set_default_logger(logger);
  auto lvl = spdlog::level::from_str(std::string(level));
  bool known = lvl != spdlog::level::off || level == "off";
  spdlog::set_level(known ? lvl : spdlog::level::info);
  spdlog::flush_on(spdlog::level::info);
  return known;
}

}  // namespace cgw
