// Turning carrier replies into results or normalized errors, exactly per the
// table in docs/carriers/mobile.md. The transport and HTTP rules, the
// envelope checks and the field readers (which throw cgw::BadReply) are the
// SDK's (<cgw/reply.hpp>); what is mobile's own is here.
#pragma once

#include <cgw/reply.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cgw::mobile {

// The `data` object of a success, or the normalized error for this reply.
using Reply = std::variant<json::object, Error>;
Reply unwrap_reply(const HttpResponse& response, const OpTraits& op);

// "mobile <op>: ", the start of every message about `op`.
std::string prefix(const OpTraits& op);

// The error for a business code other than "0" (doc table; "other" ->
// CARRIER_REJECTED).
Error map_business_code(std::string_view carrier_code);

// 4001..4009 -> ID_INVALID, ...; nullopt for codes outside the table.
std::optional<std::string_view> kyc_reason(std::string_view carrier_code);

// The orderState words (docs/carriers/mobile.md) -> OrderStatus: PROCESSING
// submitted, SUCCESS activated, FAILED failed, and the ABI 1.3 lifecycle.
std::optional<OrderStatus> order_status(std::string_view order_state);

}  // namespace cgw::mobile
