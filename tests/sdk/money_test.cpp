// <cgw/money.hpp>: yuan strings <-> fen, exact, refusing malformed amounts.
#include <cgw/money.hpp>

#include <gtest/gtest.h>

#include <limits>

namespace {

using cgw::money::format_yuan;
using cgw::money::parse_yuan;

TEST(Money, ParsesYuanExactly) {
  EXPECT_EQ(parse_yuan("39"), 3900);
  EXPECT_EQ(parse_yuan("39.9"), 3990);
  EXPECT_EQ(parse_yuan("39.90"), 3990);
  EXPECT_EQ(parse_yuan("0.05"), 5);
  EXPECT_EQ(parse_yuan("0.1"), 10);  // no binary floating point anywhere
  EXPECT_EQ(parse_yuan("0"), 0);
  EXPECT_EQ(parse_yuan("-1.5"), -150);
  EXPECT_EQ(parse_yuan("92233720368547757.99"), std::numeric_limits<int64_t>::max() - 8);
}

TEST(Money, RefusesMalformedAmounts) {
  for (const char* bad : {"",
                          "-",
                          ".",
                          "1.",
                          ".5",
                          "+1",
                          " 1",
                          "1 ",
                          "01",
                          "00.5",
                          "1.234",
                          "1.230",
                          "1e3",
                          "1,000",
                          "1.2.3",
                          "--1",
                          "0x10",
                          "１",
                          "NaN",
                          "92233720368547758",
                          "99999999999999999999"})
    EXPECT_EQ(parse_yuan(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Money, FormatsTwoDecimals) {
  EXPECT_EQ(format_yuan(3990), "39.90");
  EXPECT_EQ(format_yuan(5), "0.05");
  EXPECT_EQ(format_yuan(0), "0.00");
  EXPECT_EQ(format_yuan(-150), "-1.50");
  EXPECT_EQ(format_yuan(std::numeric_limits<int64_t>::min()), "-92233720368547758.08");
  for (int64_t fen : {0L, 1L, 99L, 100L, 123456789L, -7L})
    EXPECT_EQ(parse_yuan(format_yuan(fen)), fen);
}

}  // namespace
