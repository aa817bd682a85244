// The operations of the mobile protocol: how each turns its typed input
// into a request and the `data` of a success into its typed output.
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

// Registers the operations on `ops`; `plugin` builds and signs their
// requests and must outlive `ops`. register_operations() registers the
// after-sales ones too (after_sales.cpp).
void register_operations(Dispatcher& ops, const MobilePlugin& plugin);
void register_after_sales(Dispatcher& ops, const MobilePlugin& plugin);

// orderState (and failReason, courier, waybillNo, topupAmount) of an order
// reply or callback -> status, reason, courier, waybill, amount_fen.
// Throws BadReply for an unknown orderState.
void read_order_fields(const json::object& data, ActivationStatusOutput& out);

}  // namespace cgw::mobile
