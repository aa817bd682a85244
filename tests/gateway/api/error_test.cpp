// The error body and the HTTP status of each error code (api/error.hpp).
#include "api/error.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

using namespace cgw::gw;

TEST(ErrorBody, HasCodeMessageRetryable) {
  auto body = boost::json::parse(error_body(make_error(code::kNumberUnavailable, "taken")));
  const auto& e = body.at("error").as_object();
  EXPECT_EQ(e.at("code").as_string(), "NUMBER_UNAVAILABLE");
  EXPECT_EQ(e.at("message").as_string(), "taken");
  EXPECT_EQ(e.at("retryable").as_bool(), false);
  EXPECT_EQ(body.as_object().size(), 1u);
}

TEST(ErrorStatus, CarrierCodesMapToStatuses) {
  EXPECT_EQ(http_status_for("NUMBER_UNAVAILABLE"), 409);
  EXPECT_EQ(http_status_for("CARRIER_TIMEOUT"), 504);
  EXPECT_EQ(http_status_for("CARRIER_UNAVAILABLE"), 503);
  EXPECT_EQ(http_status_for("CARRIER_BAD_RESPONSE"), 502);
}
