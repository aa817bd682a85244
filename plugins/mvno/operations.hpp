// The seven operations of the mvno protocol: how each turns its typed input
// into a request and the `data` of a success into its typed output.
#pragma once

#include "mvno_plugin.hpp"
#include "reply.hpp"

#include <string_view>
#include <variant>

namespace cgw::mvno {

using Prepared = std::variant<Outbound, Error>;

struct Operation {
  OpTraits traits;
  // Input JSON -> request, or an error for a semantically bad input. Throws
  // (Boost.JSON) when the input does not match the schema's types. The
  // plugin gives settings, the host (randomness) and the field cipher.
  Prepared (*prepare)(const json::value& input, const MvnoPlugin& plugin);
  // `data` of a success -> result JSON. `state` is the continuation sent
  // with the request. Throws BadReply when `data` lacks the promised shape.
  json::value (*finish)(const json::object& data, const json::object& state,
                        const MvnoPlugin& plugin);
};

// nullptr for an operation this plugin does not implement.
const Operation* find_operation(std::string_view name);

// inventory.sync: one `numbers[]` item -> NumberItem, or nullopt for an item
// to leave out (outside the MVNO segments, or a hostNetwork that disagrees
// with the segment table). Throws BadReply for a malformed item.
std::optional<NumberItem> read_number_item(const json::value& item);

}  // namespace cgw::mvno
