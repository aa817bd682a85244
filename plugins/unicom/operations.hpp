// The seven gateway operations over the unicom methods: how each turns its
// typed input into router parameters and the `data` of a success into its
// typed output.
#pragma once

#include "reply.hpp"
#include "unicom_plugin.hpp"

#include <string_view>
#include <variant>

namespace cgw::unicom {

using Prepared = std::variant<Outbound, Error>;

struct Operation {
  OpTraits traits;
  // Input JSON -> call, or INVALID_ARGUMENT for a semantically bad input.
  // Throws (Boost.JSON) when the input does not match the schema's types.
  Prepared (*prepare)(const json::value& input, const Settings& settings);
  // `data` of a success -> result JSON. `state` is the continuation sent
  // with the request. Throws BadReply when `data` lacks the promised shape.
  json::value (*finish)(const json::object& data, const json::object& state);
};

// nullptr for an operation this plugin does not implement.
const Operation* find_operation(std::string_view name);

// The inventory cursor: "<page_no>:<page_size>". The page size travels with
// the page number so that a pass keeps one page size (offsets would shift
// otherwise). nullopt for anything else.
struct PageCursor {
  int64_t page_no = 1;
  int64_t page_size = 0;
};
std::optional<PageCursor> parse_cursor(std::string_view cursor);

}  // namespace cgw::unicom
