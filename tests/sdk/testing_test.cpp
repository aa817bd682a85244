// <cgw/testing.hpp> itself: the fake host's clock, cache TTLs, random bytes
// and logs, as a plugin sees them through HostApi.
#include <cgw/testing.hpp>

#include <gtest/gtest.h>

namespace {

using cgw::test::FakeHost;

TEST(FakeHost, ClockMovesOnlyWhenTold) {
  FakeHost fake(1000);
  const cgw::HostApi host(FakeHost::table(), &fake);
  EXPECT_EQ(host.now_ms(), 1000);
  fake.advance_ms(500);
  EXPECT_EQ(host.now_ms(), 1500);
  fake.set_now_ms(42);
  EXPECT_EQ(host.now_ms(), 42);
}

TEST(FakeHost, CacheHonoursTtlsAgainstTheFakeClock) {
  FakeHost fake(1000);
  const cgw::HostApi host(FakeHost::table(), &fake);
  host.cache_put("token", "t-1", 300);
  host.cache_put("forever", "x", 0);
  EXPECT_EQ(host.cache_get("token"), "t-1");
  fake.advance_ms(299);
  EXPECT_EQ(host.cache_get("token"), "t-1");
  fake.advance_ms(1);
  EXPECT_EQ(host.cache_get("token"), std::nullopt);
  EXPECT_EQ(host.cache_get("forever"), "x");
  EXPECT_EQ(fake.put_ttls(), (std::vector<int64_t>{300, 0}));
}

TEST(FakeHost, RandomBytesAreDeterministic) {
  FakeHost fake;
  const cgw::HostApi host(FakeHost::table(), &fake);
  EXPECT_EQ(host.random_hex(3), "000102");
  EXPECT_EQ(host.random_hex(1), "03");
  fake.set_random_byte(0x5a);
  EXPECT_EQ(host.random_hex(2), "5a5a");
}

TEST(FakeHost, RecordsLogLines) {
  FakeHost fake;
  const cgw::HostApi host(FakeHost::table(), &fake);
  host.info("token refreshed");
  EXPECT_EQ(fake.logs(), (std::vector<std::string>{"token refreshed"}));
}

}  // namespace
