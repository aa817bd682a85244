// <cgw/settings.hpp>: typed getters, defaults, ranges, errors naming the key.
#include <cgw/settings.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace {

using cgw::SettingsReader;
namespace json = boost::json;

json::object parse(const char* text) {
  return json::parse(text).as_object();
}

// The message of the exception `f` throws, or "" when it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// As the host passes gateway.yaml's block: every scalar a string.
const char* kSettings = R"({
  "base_url": "https://carrier.example/api//", "app_id": "partner-1",
  "secret": "s3cret value", "hold_minutes": "45", "sandbox": "true", "mode": "fast"})";

TEST(Settings, TypedGettersWithDefaults) {
  const json::object settings = parse(kSettings);
  const SettingsReader in("acme", settings);
  EXPECT_EQ(in.text("app_id"), "partner-1");
  EXPECT_EQ(in.text_or("region", "cn"), "cn");
  EXPECT_EQ(in.integer("hold_minutes", 30, 1, 10080), 45);
  EXPECT_EQ(in.integer("missing", 30, 1, 10080), 30);
  EXPECT_EQ(in.timeout_ms(), 0u);
  EXPECT_TRUE(in.boolean("sandbox", false));
  EXPECT_FALSE(in.boolean("absent", false));
  EXPECT_EQ(in.choice("mode", "slow", {"slow", "fast"}), "fast");
  // Trailing slashes go, so that base + "/path" has exactly one.
  EXPECT_EQ(in.url("base_url").buffer(), "https://carrier.example/api");
  EXPECT_NO_THROW(in.only({"base_url", "app_id", "secret", "hold_minutes", "sandbox", "mode"}));
}

// A test (or a host) may write numbers and booleans as JSON ones.
TEST(Settings, NumbersAndBooleansInEitherForm) {
  const json::object settings =
      parse(R"({"a": 45, "b": "45", "c": true, "d": "false", "e": 4.5, "f": "45x", "g": ""})");
  const SettingsReader in("acme", settings);
  EXPECT_EQ(in.integer("a", 0), 45);
  EXPECT_EQ(in.integer("b", 0), 45);
  EXPECT_TRUE(in.boolean("c", false));
  EXPECT_FALSE(in.boolean("d", true));
  for (const char* key : {"e", "f", "g", "c"})
    EXPECT_NE(error_of([&] { in.integer(key, 0); }), "") << key;
}

TEST(Settings, ErrorsNameTheKeyNeverTheValue) {
  const json::object settings = parse(kSettings);
  const SettingsReader in("acme", settings);
  EXPECT_EQ(error_of([&] { in.text("password"); }), "acme settings: 'password' is required");
  EXPECT_EQ(error_of([&] { in.integer("hold_minutes", 30, 1, 40); }),
            "acme settings: 'hold_minutes' must be an integer from 1 to 40");
  EXPECT_EQ(error_of([&] { in.integer("secret", 30); }),
            "acme settings: 'secret' must be an integer from 0 to 9223372036854775807");
  EXPECT_EQ(error_of([&] { in.boolean("mode", false); }),
            "acme settings: 'mode' must be true or false");
  EXPECT_EQ(error_of([&] {
              in.choice("mode", "slow", {"slow", "safe"});
            }),
            "acme settings: 'mode' must be one of: slow, safe");
  EXPECT_EQ(error_of([&] { in.url("app_id"); }),
            "acme settings: 'app_id' must be an absolute http(s) URL without query or fragment");
  EXPECT_EQ(error_of([&] {
              in.only({"base_url", "app_id"});
            }),
            "acme settings: 'secret' is not a known setting");
  for (const auto& msg : {error_of([&] { in.integer("secret", 30); })})
    EXPECT_EQ(msg.find("s3cret"), std::string::npos);
}

TEST(Settings, RefusesWrongShapes) {
  const json::object settings = parse(R"({"empty": "", "list": ["a"],
    "ftp": "ftp://carrier.example", "query": "https://carrier.example/?x=1",
    "nohost": "http:/path"})");
  const SettingsReader in("acme", settings);
  EXPECT_EQ(error_of([&] { in.text("empty"); }), "acme settings: 'empty' must not be empty");
  EXPECT_EQ(error_of([&] { in.text("list"); }), "acme settings: 'list' must be a string");
  for (const char* key : {"ftp", "query", "nohost"})
    EXPECT_NE(error_of([&] { in.url(key); }), "") << key;
  // Not a base: used as it is, query included.
  EXPECT_EQ(in.url("query", false).buffer(), "https://carrier.example/?x=1");
  EXPECT_NE(error_of([&] { in.url("ftp", false); }), "");
  EXPECT_NE(error_of([&] { in.integer("list", 1); }), "");
}

}  // namespace
