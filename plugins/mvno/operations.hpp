// The operations of the mvno protocol: how each turns its typed input
// into a request and the `data` of a success into its typed output.
#pragma once

#include "mvno_plugin.hpp"
#include "reply.hpp"

#include <cgw/dispatch.hpp>

#include <string_view>
#include <variant>

namespace cgw::mvno {

template <class St = NoState>
using Prepared = cgw::Prepared<Outbound, St>;
template <class St = NoState>
using Call = cgw::Call<Outbound, St>;

// Registers the seven sales operations on `ops`; `plugin` gives settings, the host
// (randomness) and the field cipher, builds and signs the requests, and
// must outlive `ops`.
void register_operations(Dispatcher& ops, const MvnoPlugin& plugin);

// The after-sales operations of ABI 1.3 (after_sales.cpp): cancel,
// subscriber query, recharge and its query, SIM replacement, suspend and
// resume. Same contract as register_operations.
void register_after_sales(Dispatcher& ops, const MvnoPlugin& plugin);

// The order of an order/create, order/query or sim/replace reply: orderNo,
// orderStatus and the fields that come with the status. Throws BadReply.
ActivationStatusOutput read_order_reply(const json::object& data);

// inventory.sync: one `numbers[]` item -> NumberItem, or nullopt for an item
// to leave out (outside the MVNO segments, or a hostNetwork that disagrees
// with the segment table). Throws BadReply for a malformed item.
std::optional<NumberItem> read_number_item(const json::value& item);

}  // namespace cgw::mvno
