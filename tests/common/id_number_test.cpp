#include "cgw/common/id_number.hpp"

#include <gtest/gtest.h>

using namespace cgw::id;

namespace {
const Date kToday{2026, 11, 22};
}

TEST(IdNumber, AcceptsPublishedExamples) {
  auto a = check_id_number("11010519491231002X", kToday);
  EXPECT_TRUE(a.ok()) << describe(a.error);
  EXPECT_EQ(a.birth.year, 1949);
  EXPECT_TRUE(check_id_number("440524188001010014", kToday).ok());
}

TEST(IdNumber, LowerCaseXIsNormalized) {
  auto r = check_id_number("11010519491231002x", kToday);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.normalized, "11010519491231002X");
}

TEST(IdNumber, WrongCheckCharacter) {
  EXPECT_EQ(check_id_number("110105194912310021", kToday).error, IdError::kCheckDigit);
  EXPECT_EQ(check_id_number("440524188001010015", kToday).error, IdError::kCheckDigit);
}

TEST(IdNumber, WrongLengthAndCharacters) {
  EXPECT_EQ(check_id_number("11010519491231002", kToday).error, IdError::kLength);
  EXPECT_EQ(check_id_number("11010519491231002XX", kToday).error, IdError::kLength);
  EXPECT_EQ(check_id_number("", kToday).error, IdError::kLength);
  EXPECT_EQ(check_id_number("1101051949123100AX", kToday).error, IdError::kCharacters);
  EXPECT_EQ(check_id_number("11010519491231002Y", kToday).error, IdError::kCharacters);
  EXPECT_EQ(check_id_number("01010519491231002X", kToday).error, IdError::kFirstDigit);
}

TEST(IdNumber, ImpossibleDates) {
  // Feb 30th, month 13, and Feb 29th of a non-leap year (check digits are
  // irrelevant: the date is checked first).
  EXPECT_EQ(check_id_number("110105199002300011", kToday).error, IdError::kBirthDate);
  EXPECT_EQ(check_id_number("110105199013010011", kToday).error, IdError::kBirthDate);
  EXPECT_EQ(check_id_number("110105190002290011", kToday).error, IdError::kBirthDate);
  EXPECT_EQ(check_id_number("110105203001010011", kToday).error, IdError::kFutureBirth);
}

TEST(IdNumber, LeapDayIsValidInLeapYears) {
  // 2000-02-29: find the check character that makes it valid.
  std::string base = "11010520000229001";
  int found = 0;
  for (char c : std::string("0123456789X"))
    if (check_id_number(base + c, kToday).ok()) ++found;
  EXPECT_EQ(found, 1);
}

TEST(IdNumber, Age) {
  EXPECT_EQ(age_on({2010, 11, 23}, kToday), 15);
  EXPECT_EQ(age_on({2010, 11, 22}, kToday), 16);
}

TEST(Masking, IdAndName) {
  EXPECT_EQ(mask_id_number("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(mask_id_number("1234"), "****");
  EXPECT_EQ(mask_name("张三"), "张*");
  EXPECT_EQ(mask_name("欧阳娜娜"), "欧***");
  EXPECT_EQ(mask_name("Li"), "L*");
  EXPECT_EQ(mask_name("王"), "王*");
}
