// The seven operations of the mobile protocol: how each turns its typed
// input into a request and the `data` of a success into its typed output.
#pragma once

#include "mobile_plugin.hpp"
#include "reply.hpp"

#include <string_view>
#include <variant>

namespace cgw::mobile {

using Prepared = std::variant<Outbound, Error>;

struct Operation {
  OpTraits traits;
  // Input JSON -> request, or INVALID_ARGUMENT for a semantically bad input.
  // Throws (Boost.JSON) when the input does not match the schema's types.
  Prepared (*prepare)(const json::value& input, const Settings& settings);
  // `data` of a success -> result JSON. `state` is the continuation sent
  // with the request. Throws BadReply when `data` lacks the promised shape.
  json::value (*finish)(const json::object& data, const json::object& state);
};

// nullptr for an operation this plugin does not implement.
const Operation* find_operation(std::string_view name);

}  // namespace cgw::mobile
