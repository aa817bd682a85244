// The seven gateway operations over the unicom methods: how each turns its
// typed input into router parameters and the `data` of a success into its
// typed output.
#pragma once

#include "reply.hpp"
#include "unicom_plugin.hpp"

#include <cgw/dispatch.hpp>
#include <cgw/paging.hpp>

#include <string_view>
#include <variant>

namespace cgw::unicom {

template <class St = NoState>
using Prepared = cgw::Prepared<Outbound, St>;
template <class St = NoState>
using Call = cgw::Call<Outbound, St>;

// Registers the seven operations on `ops`; `plugin` builds and signs their
// requests and must outlive `ops`.
void register_operations(Dispatcher& ops, const UnicomPlugin& plugin);

}  // namespace cgw::unicom
