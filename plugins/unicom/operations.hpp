// The gateway operations over the unicom methods: how each turns its typed
// input into router parameters and the `data` of a success into its typed
// output. The seven of ABI 1.0 are in operations.cpp, the after-sales ones
// (ABI 1.3) in aftersales.cpp.
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

// Registers every operation on `ops`; `plugin` builds and signs their
// requests and must outlive `ops`.
void register_operations(Dispatcher& ops, const UnicomPlugin& plugin);
// The after-sales part of it: activation.cancel, subscriber.query,
// subscriber.recharge(_query), subscriber.suspend / resume.
void register_aftersales(Dispatcher& ops, const UnicomPlugin& plugin);

// order_state of an order.create / order.query / order.cancel reply ->
// status, with what comes with it: fail_code (FAILED), cancel_reason
// (CANCELLED), express_company + express_no (SHIPPED; kept when later
// replies still carry them), first_recharge_amount (FIRST_RECHARGED).
// Throws BadReply for a missing or malformed member.
void read_order_state(const json::object& data, ActivationStatusOutput& out);

// A reply must be about the order we asked for, or it is not our answer:
// throws BadReply otherwise.
void check_same_order(const json::object& data, const ActivationQueryInput& state,
                      const std::string& carrier_order_id);

}  // namespace cgw::unicom
