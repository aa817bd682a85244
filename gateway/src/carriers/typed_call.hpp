// Typed carrier operations: the SDK's input and output structs
// (<cgw/types.hpp>) on both sides of Carrier::run, so every caller decodes
// a plugin's answer the same way.
#pragma once

#include "carriers/carrier.hpp"
#include "core/error.hpp"

#include <boost/json.hpp>
#include <cgw/types.hpp>

#include <exception>
#include <string>

namespace cgw::gw {

// CARRIER_BAD_RESPONSE for a plugin answer that does not fit the
// operation's output type: a member of the wrong type, or a status or
// result outside the SDK's enums (a carrier word the plugin passed on and
// this gateway does not know). For a write the carrier may have applied it
// all the same (outcome_unknown). Logged with the carrier and operation.
Error undecodable_answer(const std::string& carrier_id, const std::string& operation,
                         const char* what);

// The verdict an answer must carry, which the SDK's types keep optional so
// that no verdict is ever assumed for an absent one: the name of the
// missing member, or nullptr.
template <class Out>
const char* missing_verdict(const Out&) {
  return nullptr;
}
inline const char* missing_verdict(const KycVerifyOutput& o) {
  return o.result ? nullptr : "field 'result' is missing";
}
inline const char* missing_verdict(const ActivationCancelOutput& o) {
  return o.result ? nullptr : "field 'result' is missing";
}
inline const char* missing_verdict(const RechargeOutput& o) {
  return o.result ? nullptr : "field 'result' is missing";
}
inline const char* missing_verdict(const SubscriberInfo& o) {
  return o.status ? nullptr : "field 'status' is missing";
}

template <class Out>
Result<Out> decode_answer(const std::string& carrier_id, const std::string& operation,
                          const boost::json::value& answer) {
  // Boost.JSON reports a misfit by throwing; from a plugin it is an
  // expected error, so it becomes a value here and goes no further.
  try {
    auto out = boost::json::value_to<Out>(answer);
    if (const char* missing = missing_verdict(out))
      return undecodable_answer(carrier_id, operation, missing);
    return out;
  } catch (const std::exception& e) {
    return undecodable_answer(carrier_id, operation, e.what());
  }
}

// Runs `operation` with `input` and decodes the answer as `Out`.
template <class Out, class In>
boost::asio::awaitable<Result<Out>> call(Carrier& carrier, std::string operation, In input) {
  // The input is serialized before the co_await: g++ 12 mishandles some
  // temporaries inside a co_await expression.
  std::string input_json = boost::json::serialize(boost::json::value_from(input));
  auto outcome = co_await carrier.run(operation, std::move(input_json));
  if (!outcome) co_return outcome.error();
  co_return decode_answer<Out>(carrier.config().id, operation, outcome.value());
}

}  // namespace cgw::gw
