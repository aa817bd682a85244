// Turning mvno replies into results or normalized errors, exactly per the
// tables in docs/carriers/mvno.md. The transport and HTTP rules, the
// envelope checks and the field readers (which throw cgw::BadReply) are the
// SDK's (<cgw/reply.hpp>); what is mvno's own is here.
#pragma once

#include <cgw/reply.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cgw::mvno {

inline constexpr std::string_view kSuccessCode = "0000";

// The `data` object of a success, or the normalized error for this reply.
using Reply = std::variant<json::object, Error>;
Reply unwrap_reply(const HttpResponse& response, const OpTraits& op);

// "mvno <op>: ", the start of every message about `op`.
std::string prefix(const OpTraits& op);

// The error for a business code other than "0000" (doc table; "other" ->
// CARRIER_REJECTED). `op` decides outcome_unknown for 9002.
Error map_business_code(std::string_view carrier_code, const OpTraits& op);

// 3001..3009 -> ID_INVALID, ...; nullopt for codes outside the table.
std::optional<std::string_view> kyc_reason(std::string_view carrier_code);

// ACCEPTED / OPENED / FAILED -> submitted / activated / failed.
std::optional<OrderStatus> order_status(std::string_view order_status);

}  // namespace cgw::mvno
