// Vanity tags of numbers and their names (inventory/vanity.hpp).
#include "inventory/vanity.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace cgw::gw;

TEST(Vanity, Tags) {
  auto names = [](const char* n) { return tag_names(vanity_tags(n)); };
  using V = std::vector<std::string>;
  EXPECT_EQ(names("13800138888"), (V{"AAAA", "AAA", "lucky8", "no4"}));
  EXPECT_EQ(names("13912341234"), (V{"ABCD"}));
  EXPECT_EQ(names("13900009876"), (V{"DCBA", "lucky6", "no4"}));
  EXPECT_EQ(names("13900001122"), (V{"AABB", "no4"}));
  EXPECT_EQ(names("13900001212"), (V{"ABAB", "no4"}));
  EXPECT_EQ(names("13900001221"), (V{"palindrome", "no4"}));
  EXPECT_EQ(parse_tags("AAAA,no4").value(), vanity_tags("13800138888") & ((1u << 0) | (1u << 9)));
  auto unknown = parse_tags("AAAA,lucky7");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown tag 'lucky7'");
}
