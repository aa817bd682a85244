#include "carriers/typed_call.hpp"

#include "carriers/resilience.hpp"

#include <spdlog/spdlog.h>

namespace cgw::gw {

Error undecodable_answer(const std::string& carrier_id, const std::string& operation,
                         const char* what) {
  spdlog::warn("carrier={} op={} answer does not fit its output type: {}", carrier_id, operation,
               what);
  Error e = make_error(
      code::kCarrierBadResponse,
      operation + ": the plugin's answer does not fit the SDK's output type (" + what + ")");
  e.outcome_unknown = !is_read_operation(operation);
  return e;
}

}  // namespace cgw::gw
