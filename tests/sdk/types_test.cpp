// <cgw/types.hpp>: the JSON conversions from the Boost.Describe member lists
// keep the wire format (field names, empty optionals left out, absent
// members at their defaults, wrong types refused) for any number of fields.
#include <cgw/types.hpp>

#include <gtest/gtest.h>

namespace cgw {
// More members than the old hand-written FOR_EACH macro took (8).
struct WideForTest {
  int64_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, i = 0;
  std::string j;
};
CGW_JSON_STRUCT(WideForTest, a, b, c, d, e, f, g, h, i, j)
}  // namespace cgw

namespace {

using namespace cgw;

TEST(Types, StructsOfAnyWidthRoundTrip) {
  const WideForTest w{1, 2, 3, 4, 5, 6, 7, 8, 9, "ten"};
  const json::value v = json::value_from(w);
  EXPECT_EQ(v, json::parse(R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":"ten"})"));
  const auto back = json::value_to<WideForTest>(v);
  EXPECT_EQ(back.i, 9);
  EXPECT_EQ(back.j, "ten");
}

TEST(Types, WireFormatIsUnchanged) {
  NumberItem n;
  n.msisdn = "13800000001";
  n.price_fen = 500;
  // Empty optionals are left out, not written as null.
  EXPECT_EQ(json::value_from(n), json::parse(R"({"msisdn":"13800000001","province":"","city":"",
                                   "price_fen":500,"status":"available"})"));
  n.carrier_grade = 3;
  n.host_network = "unicom";
  EXPECT_EQ(json::value_from(n).at("host_network"), "unicom");
  const ActivationSubmitInput in{"G-1", "138", "P", "L", "n", "id", {"a", "b", "c"}};
  EXPECT_EQ(json::value_from(in).at("delivery"),
            json::parse(R"({"name":"a","phone":"b","address":"c"})"));
}

TEST(Types, ReadingIsLenientAboutAbsenceAndStrictAboutTypes) {
  const auto in = json::value_to<InventorySyncInput>(json::parse(R"({"cursor":"c","since":null})"));
  EXPECT_EQ(in.cursor, "c");
  EXPECT_EQ(in.page_size, 1000);  // absent: the default
  EXPECT_EQ(in.since, "");        // null: the default
  const auto n = json::value_to<NumberItem>(json::parse(R"({"msisdn":"1"})"));
  EXPECT_FALSE(n.carrier_grade.has_value());
  EXPECT_ANY_THROW(json::value_to<InventorySyncInput>(json::parse(R"({"page_size":"big"})")));
  EXPECT_ANY_THROW(json::value_to<ReserveInput>(json::parse(R"(["not","an","object"])")));
}

// The statuses and results are enums on the same wire strings as before.
TEST(Types, EnumsTravelAsTheirWireNames) {
  ActivationStatusOutput st{"O-1", OrderStatus::failed, "NO_STOCK", std::nullopt};
  EXPECT_EQ(json::value_from(st),
            json::parse(R"({"carrier_order_id":"O-1","status":"failed","reason":"NO_STOCK"})"));
  KycVerifyOutput k{KycResult::review, {"MANUAL_REVIEW"}, "R-1"};
  EXPECT_EQ(json::value_from(k).at("result"), "review");
  for (auto [wire, want] : {std::pair{"submitted", OrderStatus::submitted},
                            {"activated", OrderStatus::activated},
                            {"failed", OrderStatus::failed}}) {
    const auto back = json::value_to<CallbackEvent>(
        json::parse(std::string(R"({"event_id":"E","status":")") + wire + R"("})"));
    EXPECT_EQ(back.status, want) << wire;
    EXPECT_EQ(wire_name(want), wire);
  }
  EXPECT_EQ(from_wire_name<NumberState>("sold"), NumberState::sold);
  EXPECT_EQ(from_wire_name<NumberState>("Sold"), std::nullopt);
  EXPECT_EQ(wire_name(static_cast<KycResult>(42)), "");
}

// A word outside the enum is refused, never mapped to a default: the
// gateway turns the refusal into CARRIER_BAD_RESPONSE.
TEST(Types, AnUnknownStatusIsRefused) {
  try {
    json::value_to<ActivationStatusOutput>(json::parse(R"({"status":"lost_in_the_post"})"));
    FAIL() << "an unknown status was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown value 'lost_in_the_post'");
  }
  EXPECT_THROW(json::value_to<NumberItem>(json::parse(R"({"status":1})")), std::invalid_argument);
  EXPECT_THROW(json::value_to<KycVerifyOutput>(json::parse(R"({"result":"PASS"})")),
               std::invalid_argument);
  // A hostile word is cut in the message.
  try {
    json::value_to<KycVerifyOutput>(json::parse(R"({"result":")" + std::string(500, 'x') + "\"}"));
  } catch (const std::invalid_argument& e) {
    EXPECT_LT(std::string(e.what()).size(), 60u);
  }
  // Absent: the defaults (a KYC verdict has none).
  EXPECT_EQ(json::value_to<ActivationStatusOutput>(json::parse("{}")).status,
            OrderStatus::submitted);
  EXPECT_FALSE(json::value_to<KycVerifyOutput>(json::parse("{}")).result.has_value());
}

}  // namespace
