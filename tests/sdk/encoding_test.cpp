// <cgw/encoding.hpp>: URL and form encoding, sorted-parameter strings,
// Beijing timestamps, the callback time window and nonce checks.
#include <cgw/encoding.hpp>
#include <cgw/testing.hpp>

#include <gtest/gtest.h>

namespace {

using namespace cgw::encoding;

TEST(Encoding, UrlEncodeEscapesAllButUnreserved) {
  EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_encode("a b+c&d=e/f"), "a%20b%2Bc%26d%3De%2Ff");
  EXPECT_EQ(url_encode("张"), "%E5%BC%A0");
  EXPECT_EQ(form_encode({{"b", "1 2"}, {"a", "x+y"}}), "b=1%202&a=x%2By");
  EXPECT_EQ(form_encode({}), "");
}

TEST(Encoding, SortedParamsSortsByKeyBytesAndSkipsSignAndEmpty) {
  const Params p = {{"timestamp", "1"},
                    {"app_key", "k"},
                    {"sign", "S"},
                    {"empty", ""},
                    {"B", "upper sorts first"}};
  EXPECT_EQ(sorted_params(p), "B=upper sorts first&app_key=k&timestamp=1");
  EXPECT_EQ(sorted_params(p, {.pair_sep = "", .kv_sep = "", .skip_empty = false, .exclude = {}}),
            "Bupper sorts firstapp_keykemptysignStimestamp1");
}

TEST(Encoding, BeijingTimeFormatsInUtcPlus8) {
  const int64_t ms = 1763800000123;  // 2025-11-22 08:26:40.123 UTC
  EXPECT_EQ(beijing_time(ms), "20251122162640");
  EXPECT_EQ(beijing_time(ms, TimeLayout::kDashed), "2025-11-22 16:26:40");
  // 16:00 UTC is already the next day in Beijing.
  EXPECT_EQ(beijing_time(1767196800000), "20260101000000");  // 2025-12-31 16:00 UTC
}

TEST(Encoding, ParseBeijingTimeIsTheInverseAndStrict) {
  EXPECT_EQ(parse_beijing_time("20251122162640"), 1763800000000);
  EXPECT_EQ(parse_beijing_time("2025-11-22 16:26:40", TimeLayout::kDashed), 1763800000000);
  EXPECT_EQ(parse_beijing_time("20260101000000"), 1767196800000);
  for (const char* bad :
       {"", "2025112216264", "202511221626400", "20260230120000", "20251122246000",
        "20251122166000", "2025112216264x", "-0251122162640", "2025-11-22 16:26:40"})
    EXPECT_EQ(parse_beijing_time(bad), std::nullopt) << bad;
  EXPECT_EQ(parse_beijing_time("20251122162640", TimeLayout::kDashed), std::nullopt);
  EXPECT_EQ(parse_beijing_time("2025/11/22 16:26:40", TimeLayout::kDashed), std::nullopt);
}

TEST(Encoding, ParseDecimalIsStrict) {
  EXPECT_EQ(parse_decimal("1763800000123"), 1763800000123);
  EXPECT_EQ(parse_decimal("0"), 0);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "99999999999999999999"})
    EXPECT_EQ(parse_decimal(bad), std::nullopt) << bad;
}

TEST(Encoding, TimeWindowCountsBothDirections) {
  EXPECT_TRUE(within_window(1000000, 1000000, 0));
  EXPECT_TRUE(within_window(1000000, 700000, 300000));
  EXPECT_TRUE(within_window(1000000, 1300000, 300000));
  EXPECT_FALSE(within_window(1000000, 699999, 300000));
  EXPECT_FALSE(within_window(1000000, 1300001, 300000));
}

TEST(Encoding, NonceGuardRefusesAReplayUntilTheTtlPasses) {
  cgw::test::FakeHost fake;
  const cgw::HostApi host(cgw::test::FakeHost::table(), &fake);
  const NonceGuard guard(host, "acme.nonce.", 300000);
  EXPECT_TRUE(guard.first_use("n-1"));
  EXPECT_FALSE(guard.first_use("n-1"));
  EXPECT_TRUE(guard.first_use("n-2"));
  EXPECT_FALSE(guard.first_use(""));
  EXPECT_EQ(fake.cache_get("acme.nonce.n-1"), "1");
  fake.advance_ms(300000);
  EXPECT_TRUE(guard.first_use("n-1"));  // expired: the time window refuses it anyway
}

}  // namespace
