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

// ACCEPTED / SHIPPED / DELIVERED / OPENED / FIRST_RECHARGED / CANCELLED /
// RETURNED / FAILED -> submitted / shipped / ... / failed.
std::optional<OrderStatus> order_status(std::string_view order_status);

// An order as a reply or a callback describes it (orderStatus and the
// fields that come with it). Throws BadReply.
struct OrderState {
  OrderStatus status = OrderStatus::submitted;
  std::string reason;  // failCode (failed) or reasonCode (cancelled, returned)
  std::optional<std::string> courier, waybill;  // shipped
  std::optional<int64_t> amount_fen;            // first_topup
};
OrderState read_order_state(const json::object& o);

// NORMAL / SUSPENDED / CLOSED -> active / suspended / cancelled.
std::optional<SubscriberStatus> line_status(std::string_view line_status);

// A line as subscriber/query, suspend and resume answer it; `msisdn` is
// the number asked about (a reply about another one is BadReply).
SubscriberInfo read_line(const json::object& data, std::string_view msisdn);

// The carrier's upper-case reason codes, as the gateway's lower-case ones
// ("REVERIFICATION" -> "reverification"), and back. A code that is not
// plain (see plausible_code) is BadReply: it could carry free text.
std::string gateway_reason(std::string_view carrier_reason);
// The reason code in `key` of `o` as the gateway's ("" when absent).
std::string read_reason(const json::object& o, std::string_view key);
std::string carrier_reason(std::string_view gateway_reason);

}  // namespace cgw::mvno
