// <cgw/reply.hpp>: transport/HTTP mapping, field readers, the code table
// and the JSON envelope.
#include <cgw/reply.hpp>

#include <gtest/gtest.h>

namespace {

using namespace cgw;

const OpTraits kRead{"plans.list", false, false, true};
const OpTraits kWrite{"number.reserve", true, false, true};
const OpTraits kSubmit{"activation.submit", true, true, true};

HttpResponse reply(int transport, int status, std::string body = "") {
  HttpResponse r;
  r.transport = transport;
  r.status = status;
  r.body = std::move(body);
  return r;
}

void expect(const std::optional<Error>& e, const char* code, bool retryable, bool unknown) {
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, code) << e->message;
  EXPECT_EQ(e->retryable, retryable) << e->message;
  EXPECT_EQ(e->outcome_unknown, unknown) << e->message;
}

TEST(Reply, TransportMapping) {
  const std::string_view p = "acme number.reserve: ";
  expect(transport_error(reply(CGW_TRANSPORT_NOT_SENT, 0), p, kWrite), code::kCarrierUnavailable,
         true, false);
  expect(transport_error(reply(CGW_TRANSPORT_TIMEOUT, 0), p, kWrite), code::kCarrierTimeout, true,
         true);
  expect(transport_error(reply(CGW_TRANSPORT_BROKEN, 0), p, kRead), code::kCarrierTimeout, true,
         false);
  expect(transport_error(reply(99, 0), p, kWrite), code::kCarrierTimeout, true,
         true);  // newer host
  expect(transport_error(reply(CGW_TRANSPORT_RESPONSE_TOO_BIG, 0), p, kWrite),
         code::kCarrierBadResponse, false, true);
  expect(transport_error(reply(CGW_TRANSPORT_OK, 503), p, kWrite), code::kCarrierUnavailable, true,
         false);
  expect(transport_error(reply(CGW_TRANSPORT_OK, 502), p, kSubmit), code::kCarrierUnavailable, true,
         true);
  EXPECT_FALSE(transport_error(reply(CGW_TRANSPORT_OK, 404), p, kWrite));
  expect(http_error(reply(CGW_TRANSPORT_OK, 404), p, kWrite), code::kCarrierBadResponse, false,
         false);
  EXPECT_FALSE(http_error(reply(CGW_TRANSPORT_OK, 200), p, kWrite));
  EXPECT_EQ(transport_error(reply(CGW_TRANSPORT_OK, 500), p, kRead)->message,
            "acme number.reserve: carrier HTTP 500");
}

TEST(Reply, FieldReadersFailWithBadReplyNamingTheField) {
  const json::object o = json::parse(R"({"s":"x","e":"","i":7,"u":18446744073709551615,
      "d":1.5,"b":true,"n":null,"a":[1],"o":{}})")
                             .as_object();
  EXPECT_EQ(req_string(o, "s"), "x");
  EXPECT_EQ(opt_string(o, "n"), "");
  EXPECT_EQ(opt_string(o, "absent"), "");
  EXPECT_EQ(req_int(o, "i"), 7);
  EXPECT_EQ(opt_int(o, "n"), std::nullopt);
  EXPECT_TRUE(req_bool(o, "b"));
  EXPECT_EQ(req_array(o, "a").size(), 1u);
  EXPECT_TRUE(req_object(o, "o").empty());
  auto msg = [&](auto f) -> std::string {
    try {
      f();
    } catch (const BadReply& e) {
      return e.what();
    }
    return "no BadReply";
  };
  EXPECT_EQ(msg([&] { req_string(o, "i"); }), "field 'i' is not a string");
  EXPECT_EQ(msg([&] { req_string(o, "n"); }), "field 'n' is missing");
  EXPECT_EQ(msg([&] { req_id(o, "e"); }), "field 'e' is empty");
  EXPECT_EQ(msg([&] { req_int(o, "d"); }), "field 'd' is not an integer");
  EXPECT_EQ(msg([&] { req_int(o, "u"); }), "field 'u' is not an integer");  // > INT64_MAX
  EXPECT_EQ(msg([&] { req_bool(o, "s"); }), "field 's' is not a boolean");
  EXPECT_EQ(msg([&] { req_array(o, "o"); }), "field 'o' is not an array");
  EXPECT_EQ(msg([&] { req_object(o, "a"); }), "field 'a' is not an object");
  EXPECT_EQ(msg([&] { as_object(o.at("a"), "items[]"); }), "items[] is not an object");
  EXPECT_EQ(msg([&] { opt_int(o, "s"); }), "field 's' is not an integer");
}

constexpr std::array<CodeRule, 3> kCodes{{
    {"1001", code::kCarrierAuthFailed, false, "bad signature"},
    {"1002", code::kCarrierAuthFailed, true, "timestamp out of window"},
    {"1003", code::kCarrierAuthFailed, true, "nonce replayed", true},
}};

TEST(Reply, CodeTableMapsDeclaredRows) {
  const auto e = map_code(kCodes, "1002", "acme: ");
  expect(e, code::kCarrierAuthFailed, true, false);
  EXPECT_EQ(e->message, "acme: timestamp out of window (1002)");
  EXPECT_EQ(e->carrier_code, "1002");
  expect(map_code(kCodes, "1003", "acme: "), code::kCarrierAuthFailed, true, true);
  EXPECT_FALSE(map_code(kCodes, "9999", "acme: "));
  constexpr std::array<NameRule, 1> kReasons{{{"4001", "ID_INVALID"}}};
  EXPECT_EQ(lookup(kReasons, "4001"), "ID_INVALID");
  EXPECT_EQ(lookup(kReasons, "4002"), std::nullopt);
  // A carrier word -> one of the SDK's enums.
  constexpr std::pair<std::string_view, OrderStatus> kStates[] = {{"DONE", OrderStatus::activated},
                                                                  {"BUSY", OrderStatus::submitted}};
  EXPECT_EQ(lookup(kStates, "DONE"), OrderStatus::activated);
  EXPECT_EQ(lookup(kStates, "done"), std::nullopt);
  EXPECT_TRUE(plausible_code("ERR_12-a"));
  EXPECT_FALSE(plausible_code("no spaces"));
  EXPECT_FALSE(plausible_code(""));
  EXPECT_FALSE(plausible_code(std::string(17, 'A')));
}

TEST(Reply, UnwrapJsonEnvelope) {
  const std::string_view p = "acme plans.list: ";
  auto map = [](std::string_view c) {
    return Error{code::kCarrierRejected, "refused", std::string(c), false, false};
  };
  const JsonEnvelope env{"code", "0000", "data", 16};
  auto data = unwrap_json(reply(0, 200, R"({"code":"0000","data":{"x":1}})"), p, kRead, env, map);
  ASSERT_TRUE(std::holds_alternative<json::object>(data));
  EXPECT_EQ(std::get<json::object>(data).at("x").as_int64(), 1);
  auto refused = unwrap_json(reply(0, 200, R"({"code":"3001","msg":"张三"})"), p, kRead, env, map);
  EXPECT_EQ(std::get<Error>(refused).carrier_code, "3001");
  const std::pair<const char*, const char*> broken[] = {
      {"<html>", "acme plans.list: bad carrier reply: not valid JSON"},
      {"[1]", "acme plans.list: bad carrier reply: not a JSON object"},
      {R"({"code":0})", "acme plans.list: bad carrier reply: no string 'code'"},
      {R"({"code":"a b"})", "acme plans.list: bad carrier reply: malformed 'code'"},
      {R"({"code":"0000","data":[]})", "acme plans.list: bad carrier reply: no 'data' object"}};
  for (const auto& [body, message] : broken) {
    auto r = unwrap_json(reply(0, 200, body), p, kWrite, env, map);
    ASSERT_TRUE(std::holds_alternative<Error>(r)) << body;
    EXPECT_EQ(std::get<Error>(r).message, message);
    EXPECT_EQ(std::get<Error>(r).code, code::kCarrierBadResponse);
    EXPECT_TRUE(std::get<Error>(r).outcome_unknown);  // a write the carrier may have applied
  }
  auto lost = unwrap_json(reply(CGW_TRANSPORT_TIMEOUT, 0), p, kRead, env, map);
  EXPECT_EQ(std::get<Error>(lost).code, code::kCarrierTimeout);
}

}  // namespace
