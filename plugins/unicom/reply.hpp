// Turning unicom replies into results or normalized errors, exactly per the
// tables in docs/carriers/unicom.md. The transport and HTTP rules, the
// envelope checks and the field readers (which throw cgw::BadReply) are the
// SDK's (<cgw/reply.hpp>); what is unicom's own is here.
#pragma once

#include <cgw/reply.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cgw::unicom {

// The envelope code of a success.
inline constexpr std::string_view kSuccessCode = "0000";

// The `data` object of a success, or the normalized error for this reply.
using Reply = std::variant<json::object, Error>;
Reply unwrap_reply(const HttpResponse& response, const OpTraits& op);

// "unicom <op>: ", the start of every message about `op`.
std::string prefix(const OpTraits& op);

// The error for a business code other than "0000" (doc table; "other" ->
// CARRIER_REJECTED).
Error map_business_code(std::string_view carrier_code);

// 4001..4009 -> ID_INVALID, ...; nullopt for codes outside the table.
std::optional<std::string_view> kyc_reason(std::string_view carrier_code);

// IN_PROCESS / SHIPPED / DELIVERED / ACTIVATED / FIRST_RECHARGED / FAILED /
// CANCELLED -> submitted / shipped / delivered / activated / first_topup /
// failed / cancelled.
std::optional<OrderStatus> order_status(std::string_view order_state);

// FREE / LOCKED / SOLD -> available / reserved / sold.
std::optional<NumberState> number_status(std::string_view state);

// NORMAL / STOPPED / CLOSED -> active / suspended / cancelled.
std::optional<SubscriberStatus> user_status(std::string_view user_state);

// 5002 / 5003 answering order.cancel -> the refusal's reason
// (already_shipped / order_finished); nullopt for other codes.
std::optional<std::string_view> cancel_refusal(std::string_view carrier_code);

}  // namespace cgw::unicom
