// carriers/typed_call: a plugin answer that does not fit the SDK's output
// type is CARRIER_BAD_RESPONSE, its outcome unknown for a write; the
// enums' wire names are the status words the store and the API use.
#include "carriers/typed_call.hpp"

#include "core/activation_status.hpp"
#include "core/number_status.hpp"
#include "core/verification_status.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cgw;
using namespace cgw::gw;
namespace code = cgw::gw::code;
namespace json = boost::json;

TEST(TypedCall, AnAnswerThatFitsDecodes) {
  auto st = decode_answer<ActivationStatusOutput>(
      "mobile", op::kActivationQuery,
      json::parse(R"({"carrier_order_id":"O1","status":"activated"})"));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().status, OrderStatus::activated);
}

TEST(TypedCall, AnUnknownStatusIsABadResponse) {
  const json::value shipped = json::parse(R"({"carrier_order_id":"O1","status":"shipped"})");
  auto submit = decode_answer<ActivationStatusOutput>("mobile", op::kActivationSubmit, shipped);
  ASSERT_FALSE(submit.ok());
  EXPECT_EQ(submit.error().code, code::kCarrierBadResponse);
  EXPECT_NE(submit.error().message.find("unknown value 'shipped'"), std::string::npos);
  // The carrier may have taken the order: resolved by a query, not failed.
  EXPECT_TRUE(submit.error().outcome_unknown);
  auto query = decode_answer<ActivationStatusOutput>("mobile", op::kActivationQuery, shipped);
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.error().code, code::kCarrierBadResponse);
  EXPECT_FALSE(query.error().outcome_unknown);  // a read changed nothing
}

TEST(TypedCall, AWrongTypeIsABadResponse) {
  auto page = decode_answer<InventorySyncOutput>(
      "mobile", op::kInventorySync, json::parse(R"({"items":[{"msisdn":"1","price_fen":"9"}]})"));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, code::kCarrierBadResponse);
  auto notobject = decode_answer<ReserveOutput>("mobile", op::kNumberReserve, json::value(7));
  ASSERT_FALSE(notobject.ok());
  EXPECT_TRUE(notobject.error().outcome_unknown);  // the lock may be taken
}

// The store and the API keep the status words as strings; they are the
// SDK's wire names, so a plugin's enum and a stored row mean the same.
TEST(TypedCall, WireNamesAreTheStoredWords) {
  EXPECT_EQ(wire_name(NumberState::available), carrier_number::kAvailable);
  EXPECT_EQ(wire_name(NumberState::reserved), carrier_number::kReserved);
  EXPECT_EQ(wire_name(NumberState::sold), carrier_number::kSold);
  EXPECT_EQ(wire_name(KycResult::passed), verification::kPassed);
  EXPECT_EQ(wire_name(KycResult::rejected), verification::kRejected);
  EXPECT_EQ(wire_name(KycResult::review), verification::kReview);
  EXPECT_EQ(wire_name(OrderStatus::submitted), activation::kSubmitted);
  EXPECT_EQ(wire_name(OrderStatus::activated), activation::kActivated);
  EXPECT_EQ(wire_name(OrderStatus::failed), activation::kFailed);
}

}  // namespace
