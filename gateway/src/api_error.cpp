#include "api_error.hpp"

#include <boost/json.hpp>

namespace cgw::gw {

std::string error_body(const ApiError& e) {
  boost::json::object err{{"code", e.code}, {"message", e.message}, {"retryable", e.retryable}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

int http_status_for(const std::string& code) {
  if (code == "INVALID_ARGUMENT") return 400;
  if (code == "NUMBER_UNAVAILABLE") return 409;
  if (code == "RESERVATION_NOT_FOUND" || code == "RESERVATION_EXPIRED" ||
      code == "PLAN_NOT_FOUND" || code == "QUOTA_EXCEEDED" || code == "UNSUPPORTED_OPERATION" ||
      code == "ORDER_NOT_FOUND")
    return 422;
  if (code == "CARRIER_UNAVAILABLE") return 503;
  if (code == "CARRIER_TIMEOUT") return 504;
  // CARRIER_REJECTED, CARRIER_AUTH_FAILED, CARRIER_BAD_RESPONSE, PLUGIN_ERROR, ...
  return 502;
}

}  // namespace cgw::gw
