// The seven operations of the mobile protocol: how each turns its typed
// input into a request and the `data` of a success into its typed output.
#pragma once

#include "mobile_plugin.hpp"
#include "reply.hpp"

#include <cgw/dispatch.hpp>

#include <string_view>
#include <variant>

namespace cgw::mobile {

// An operation's request before URL building and signing, and the state
// its reply needs.
template <class St = NoState>
struct Call {
  Call(Outbound o, St s = {}) : out(std::move(o)), state(std::move(s)) {}
  Outbound out;
  St state;
};
// The call, or INVALID_ARGUMENT for a semantically bad input.
template <class St = NoState>
using Prepared = std::variant<Call<St>, Error>;

// Registers the seven operations on `ops`; `plugin` builds and signs their
// requests and must outlive `ops`.
void register_operations(Dispatcher& ops, const MobilePlugin& plugin);

}  // namespace cgw::mobile
