// The seven operations of the mobile protocol: how each turns its typed
// input into a request and the `data` of a success into its typed output.
#pragma once

#include "mobile_plugin.hpp"
#include "reply.hpp"

#include <cgw/dispatch.hpp>

#include <string_view>
#include <variant>

namespace cgw::mobile {

template <class St = NoState>
using Prepared = cgw::Prepared<Outbound, St>;
template <class St = NoState>
using Call = cgw::Call<Outbound, St>;

// Registers the seven operations on `ops`; `plugin` builds and signs their
// requests and must outlive `ops`.
void register_operations(Dispatcher& ops, const MobilePlugin& plugin);

}  // namespace cgw::mobile
