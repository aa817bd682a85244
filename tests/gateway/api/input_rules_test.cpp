// Input the gateway judges itself (docs/security.md, "Input rules"): JSON
// bodies with a member twice, text that is not UTF-8 or carries a NUL,
// length limits in characters, ID numbers in full-width digits, and a
// carrier's 429 with its Retry-After.
#include "api/support.hpp"
#include "carriers/carrier.hpp"

#include "cgw/common/id_number.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cgw::gw {
namespace {

namespace json = boost::json;

Result<json::value> parse(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 8;
  return api::parse_json_unique_keys(text, opts);
}

TEST(UniqueKeys, AMemberTwiceIsInvalidJson) {
  auto r = parse(R"({"carrier":"mobile","carrier":"unicom"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(http_status_for(r.error().code), 400);
  EXPECT_EQ(r.error().code, "INVALID_JSON");
  EXPECT_NE(r.error().message.find("'carrier'"), std::string::npos) << r.error().message;
}

TEST(UniqueKeys, EscapedSpellingsOfOneKeyAreTheSameKey) {
  auto r = parse(R"({"carrier":"mobile","carri\u0065r":"unicom"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "INVALID_JSON");
}

TEST(UniqueKeys, NestedObjectsAreCheckedEachOnItsOwn) {
  EXPECT_FALSE(parse(R"({"delivery":{"city":"a","city":"b"}})").ok());
  EXPECT_FALSE(parse(R"([{"a":1},{"b":2,"b":3}])").ok());
  // The same key in two different objects is fine.
  auto r = parse(R"({"a":{"a":1},"b":[{"a":2},{"a":3}],"c":{"a":{"a":4}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::serialize(r.value()), R"({"a":{"a":1},"b":[{"a":2},{"a":3}],"c":{"a":{"a":4}}})");
}

TEST(UniqueKeys, BuildsTheSameValueAsJsonParse) {
  const std::string text =
      R"({"s":"北京\n\u0041","i":-5,"u":18446744073709551615,"d":1.5,"t":true,"n":null,)"
      R"("a":[1,[2,{}],"x"],"o":{"k":"v"}})";
  auto r = parse(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), json::parse(text));
  // A long key and a long string arrive in parts.
  const std::string big(100000, 'k');
  auto b = parse("{\"" + big + "\":\"" + big + "\"}");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value().as_object().at(big).as_string(), big);
}

TEST(UniqueKeys, WhatJsonParseRefusesIsRefusedToo) {
  for (const char* bad : {"", "{", R"({"a":1} x)", R"({"a":1}{"b":2})", "{\"a\":\"\xC0\xAF\"}",
                          R"({"a":[[[[[[[[[1]]]]]]]]]})"}) {
    auto r = parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "INVALID_JSON") << bad;
  }
}

TEST(Utf8, LengthCountsCodePoints) {
  EXPECT_EQ(api::utf8_length(""), 0u);
  EXPECT_EQ(api::utf8_length("abc"), 3u);
  EXPECT_EQ(api::utf8_length("欧阳娜娜"), 4u);
  EXPECT_EQ(api::utf8_length("１１０１"), 4u);
  EXPECT_EQ(api::utf8_length("\xF0\x9F\x98\x80"), 1u);  // U+1F600
}

TEST(Utf8, IllFormedSequencesAreRefused) {
  for (std::string_view bad :
       {std::string_view("\xC0\xAF"), std::string_view("\xE0\x80\xAF"),  // overlong '/'
        std::string_view("\xED\xA0\x80"),                                // a surrogate
        std::string_view("\xF4\x90\x80\x80"),                            // above U+10FFFF
        std::string_view("\xE5\x8C"),                                    // cut short
        std::string_view("\x80"), std::string_view("ok\xFF")})
    EXPECT_FALSE(api::utf8_length(bad)) << bad.size();
}

TEST(Query, ValuesMustBeUtf8WithoutNul) {
  EXPECT_TRUE(api::check_query({{"province", "北京"}, {"limit", "3"}}));
  auto bad = api::check_query({{"province", "\xC0\xAF"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(http_status_for(bad.error().code), 400);
  EXPECT_EQ(bad.error().code, "INVALID_ARGUMENT");
  EXPECT_NE(bad.error().message.find("'province'"), std::string::npos);
  EXPECT_FALSE(api::check_query({{"city", std::string("a\0b", 3)}}));
  EXPECT_FALSE(api::check_query({{"\xC0\xAF", "x"}}));
}

json::object body(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(ReqString, LimitsCountCharactersNotBytes) {
  // 64 Chinese characters are 192 bytes and fit a 64-character limit.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "张";
  auto ok = api::req_string(json::object{{"name", name}}, "name", 64);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value(), name);
  auto too_long = api::req_string(json::object{{"name", name + "张"}}, "name", 64);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, "INVALID_ARGUMENT");
  EXPECT_FALSE(api::req_string(json::object{{"name", ""}}, "name", 64).ok());
}

TEST(ReqString, NulInsideTextIsInvalidArgument) {
  auto r = api::req_string(body(R"({"name":"张\u0000三"})"), "name", 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(http_status_for(r.error().code), 400);
  EXPECT_EQ(r.error().code, "INVALID_ARGUMENT");
  EXPECT_NE(r.error().message.find("name"), std::string::npos);
  EXPECT_FALSE(api::opt_string(body(R"({"p":"\u0000"})"), "p", 10).ok());
}

TEST(IdNumber, FullWidthDigitsAreAMalformedIdNumber) {
  const id::Date today{2026, 11, 22};
  const std::string full = "１１０１０５１９４９１２３１００２Ｘ";  // 11010519491231002X
  // 18 characters fit the id_number field (32 characters) ...
  auto field = api::req_string(json::object{{"id_number", full}}, "id_number", 32);
  ASSERT_TRUE(field.ok()) << field.error().message;
  // ... and are not an ID number.
  EXPECT_FALSE(id::check_id_number(full, today).ok());
  EXPECT_FALSE(id::check_id_number("１１０１０５", today).ok());  // 18 bytes
  EXPECT_TRUE(id::check_id_number("11010519491231002X", today).ok());
}

TEST(IdNumber, MinimumApplicantAgeIsSixteen) {
  const id::Date today{2026, 11, 22};
  EXPECT_EQ(id::kMinimumApplicantAge, 16);
  EXPECT_LT(id::age_on({2010, 11, 23}, today), id::kMinimumApplicantAge);
  EXPECT_GE(id::age_on({2010, 11, 22}, today), id::kMinimumApplicantAge);
}

net::ClientResponse reply(int status, net::HeaderList headers = {}) {
  net::ClientResponse r;
  r.transport = CGW_TRANSPORT_OK;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

// 2026-11-22T00:00:00Z
constexpr int64_t kNowMs = 1795305600000;

TEST(CarrierRateLimit, A429IsUnavailableRetryableAndKnown) {
  auto o = rate_limited_error(reply(429), kNowMs);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->code, "CARRIER_UNAVAILABLE");
  EXPECT_TRUE(o->retryable);
  EXPECT_FALSE(o->outcome_unknown);
  EXPECT_TRUE(o->rate_limited);
  EXPECT_FALSE(o->retry_after_s);
  EXPECT_EQ(http_status_for(o->code), 503);
}

TEST(CarrierRateLimit, OtherRepliesAreLeftToThePlugin) {
  EXPECT_FALSE(rate_limited_error(reply(200), kNowMs));
  EXPECT_FALSE(rate_limited_error(reply(503, {{"Retry-After", "5"}}), kNowMs));
  EXPECT_FALSE(rate_limited_error(reply(400), kNowMs));
  net::ClientResponse lost;
  lost.transport = CGW_TRANSPORT_BROKEN;
  lost.status = 429;
  EXPECT_FALSE(rate_limited_error(lost, kNowMs));
}

TEST(CarrierRateLimit, RetryAfterInSecondsOrAsADate) {
  auto seconds = rate_limited_error(reply(429, {{"retry-after", " 7 "}}), kNowMs);
  ASSERT_TRUE(seconds && seconds->retry_after_s);
  EXPECT_EQ(*seconds->retry_after_s, 7);
  // The three HTTP-date forms (RFC 9110 5.6.7), 90 s after kNowMs.
  for (const char* date : {"Sun, 22 Nov 2026 00:01:30 GMT", "Sunday, 22-Nov-26 00:01:30 GMT",
                           "Sun Nov 22 00:01:30 2026"}) {
    auto o = rate_limited_error(reply(429, {{"Retry-After", date}}), kNowMs);
    ASSERT_TRUE(o && o->retry_after_s) << date;
    EXPECT_EQ(*o->retry_after_s, 90) << date;
  }
  // A date in the past: retry now. Absurd delays are capped at a day.
  auto past =
      rate_limited_error(reply(429, {{"Retry-After", "Sat, 21 Nov 2026 00:00:00 GMT"}}), kNowMs);
  EXPECT_EQ(past->retry_after_s.value_or(-1), 0);
  auto far = rate_limited_error(reply(429, {{"Retry-After", "99999999999"}}), kNowMs);
  EXPECT_EQ(far->retry_after_s.value_or(-1), 86400);
}

TEST(CarrierRateLimit, AnUnreadableRetryAfterIsIgnored) {
  for (const char* bad :
       {"", "-1", "1.5", "soon", "Sun, 22 Nov 2026 00:01:30", "12345678901234567890"}) {
    auto o = rate_limited_error(reply(429, {{"Retry-After", bad}}), kNowMs);
    ASSERT_TRUE(o) << bad;
    EXPECT_FALSE(o->retry_after_s) << bad;
  }
}

}  // namespace
}  // namespace cgw::gw
