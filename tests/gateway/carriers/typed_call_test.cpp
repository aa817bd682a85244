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
  const json::value lost = json::parse(R"({"carrier_order_id":"O1","status":"lost_in_the_post"})");
  auto submit = decode_answer<ActivationStatusOutput>("mobile", op::kActivationSubmit, lost);
  ASSERT_FALSE(submit.ok());
  EXPECT_EQ(submit.error().code, code::kCarrierBadResponse);
  EXPECT_NE(submit.error().message.find("unknown value 'lost_in_the_post'"), std::string::npos);
  // The carrier may have taken the order: resolved by a query, not failed.
  EXPECT_TRUE(submit.error().outcome_unknown);
  auto query = decode_answer<ActivationStatusOutput>("mobile", op::kActivationQuery, lost);
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
  EXPECT_EQ(wire_name(OrderStatus::reviewing), activation::kReviewing);
  EXPECT_EQ(wire_name(OrderStatus::shipped), activation::kShipped);
  EXPECT_EQ(wire_name(OrderStatus::delivered), activation::kDelivered);
  EXPECT_EQ(wire_name(OrderStatus::first_topup), activation::kFirstTopup);
  EXPECT_EQ(wire_name(OrderStatus::cancelled), activation::kCancelled);
  EXPECT_EQ(wire_name(OrderStatus::returned), activation::kReturned);
}

// An answer without its verdict is a bad response, never a default verdict.
TEST(TypedCall, AnAnswerWithoutItsVerdictIsABadResponse) {
  auto cancel = decode_answer<ActivationCancelOutput>("mobile", op::kActivationCancel,
                                                      json::parse(R"({"reason":""})"));
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.error().code, code::kCarrierBadResponse);
  EXPECT_TRUE(cancel.error().outcome_unknown);  // the carrier may have cancelled
  auto line = decode_answer<SubscriberInfo>("mobile", op::kSubscriberQuery,
                                            json::parse(R"({"balance_fen":100})"));
  ASSERT_FALSE(line.ok());
  EXPECT_FALSE(line.error().outcome_unknown);  // a read
  auto ok = decode_answer<ActivationCancelOutput>("mobile", op::kActivationCancel,
                                                  json::parse(R"({"result":"refused"})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok.value().result, CancelResult::refused);
}

}  // namespace
