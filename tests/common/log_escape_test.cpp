// The one escaping rule for log records (log_setup.hpp), the masks built on
// the same character rules, the formatter every logger uses, and metric
// label values.
#include "cgw/common/id_number.hpp"
#include "cgw/common/log_setup.hpp"
#include "core/metrics.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using cgw::log_escape;
using cgw::needs_log_escape;

TEST(LogEscape, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(log_escape("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(log_escape(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(log_escape("\x1b[31m\x7f"), "\\x1B[31m\\x7F");
  EXPECT_EQ(log_escape("back\\slash \"quoted\""), "back\\slash \"quoted\"");
}

TEST(LogEscape, UnicodeLineBreaksC1AndBidiControlsAreEscaped) {
  EXPECT_EQ(log_escape("a\u2028b\u2029c"), "a\\u{2028}b\\u{2029}c");
  EXPECT_EQ(log_escape("\xC2\x85"), "\\u{0085}");  // NEL
  EXPECT_EQ(log_escape("x\u202Ey\u2066"), "x\\u{202E}y\\u{2066}");
  EXPECT_EQ(log_escape("张三 ok é"), "张三 ok é");
  EXPECT_FALSE(needs_log_escape("张三 plain ASCII 1-2_3"));
}

TEST(LogEscape, BytesThatAreNotUtf8AreEscapedOneByOne) {
  EXPECT_EQ(log_escape("\xC0\xAF"), "\\xC0\\xAF");                    // overlong '/'
  EXPECT_EQ(log_escape("\xED\xA0\x80"), "\\xED\\xA0\\x80");           // a surrogate
  EXPECT_EQ(log_escape("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // past U+10FFFF
  EXPECT_EQ(log_escape("ab\xE5\xBC"), "ab\\xE5\\xBC");                // truncated 张
  EXPECT_EQ(log_escape("\xff"), "\\xFF");
  EXPECT_TRUE(needs_log_escape("ok\xff"));
  EXPECT_EQ(log_escape("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");  // U+1F600 is fine
}

TEST(LogEscape, TheFormatterEscapesEveryMessage) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger log("t", sink);
  log.set_formatter(cgw::make_log_formatter("%n %v"));
  log.info("id={} name={}", "1101\n2026-01-01 forged", std::string("\0\xC0", 2));
  log.info("clean {}", "张三");
  EXPECT_EQ(out.str(), "t id=1101\\n2026-01-01 forged name=\\x00\\xC0\nt clean 张三\n");
}

TEST(Masks, KeepNoControlCharacterAndCountCharacters) {
  using cgw::id::mask_id_number;
  using cgw::id::mask_name;
  EXPECT_EQ(mask_id_number("11010519491231002X\n"), "1101***********02X*");
  EXPECT_EQ(mask_id_number("\n\r11010519491231002X"), "**11************002X");
  // Full-width digits are 3 bytes each: counted as characters, never cut.
  EXPECT_EQ(mask_id_number("１１０１０５１９４９１２３１００２X"), "*****************X");
  EXPECT_EQ(mask_name("\n三"), "**");
  EXPECT_EQ(mask_name("\xE5\xBC"), "**");  // truncated sequence
  EXPECT_EQ(mask_name("\u202Eabc"), "****");
  EXPECT_EQ(mask_name("张\n三"), "张**");
}

TEST(PromText, LabelValuesCarryNoRawControlCharacters) {
  cgw::gw::PromText t;
  t.sample("x_total", {{"carrier", std::string_view("a\rb\0c\xC0", 6)}}, uint64_t{1});
  EXPECT_EQ(t.take(),
            "x_total{carrier=\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\"} 1\n");
}
