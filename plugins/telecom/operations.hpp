// The operations of the telecom protocol as chains of carrier calls
// ("stages"). Each stage builds one XML request from the operation's context
// and turns the <Data> of its reply into the result, an error, or the next
// stage. The plugin (telecom_plugin.cpp) runs the chain and puts an access
// token in front of any call that needs one.
#pragma once

#include "reply.hpp"
#include "settings.hpp"

#include <cgw/plugin.hpp>

#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace cgw::telecom {

// The reply of a stage leads to another stage (the context may have been
// updated for it).
struct NextStage {
  std::string_view stage;
};
using StageResult = std::variant<json::value, NextStage, Error>;  // value: DONE

struct Stage {
  std::string_view name;  // the carrier call, e.g. "orders.confirm"
  std::string_view path;  // e.g. "/api/v1/orders/confirm"
  bool writes = false;
  bool unknown_on_5xx = false;
  // Safe to send twice (CGW_REQUEST_REPLAYABLE): the carrier deduplicates
  // the call (PartnerReserveId, PartnerOrderId, the order's state) or it
  // changes nothing. The host may then resend it on a fresh connection when
  // a reused one broke before any reply byte (docs/carriers/telecom.md).
  bool replayable = false;
  // The XML body from the operation's context.
  std::string (*request)(const json::object& ctx, const Settings& s);
  // <Data> of a success -> what comes next. Throws BadReply when <Data>
  // lacks the promised shape; may update `ctx` for the next stage.
  StageResult (*finish)(pugi::xml_node data, json::object& ctx);
};

struct Begin {
  std::string_view stage;
  json::object ctx;  // what the stages need (PII only while a stage needs it)
};
using Prepared = std::variant<Begin, Error>;

struct Operation {
  std::string_view name;
  // Input JSON -> the first stage and its context, or INVALID_ARGUMENT.
  // Throws (Boost.JSON) when the input does not match the schema's types.
  Prepared (*prepare)(const json::value& input, const Settings& s);
};

// nullptr for a stage this plugin does not have.
const Stage* find_stage(std::string_view name);

// The operations and stages of operations.cpp, orders.cpp and
// aftersales.cpp (ABI 1.3).
std::span<const Operation> catalogue_operations();
std::span<const Stage> catalogue_stages();
std::span<const Operation> order_operations();
std::span<const Stage> order_stages();
std::span<const Operation> aftersales_operations();
std::span<const Stage> aftersales_stages();

// A business <Error> that is a verdict of `stage` rather than a failure
// (orders.cancel refused after shipping, recharges.query not found): the
// result to answer, else nullopt.
std::optional<json::value> stage_verdict(std::string_view stage, const Error& e);

// Helpers shared by both files.
Error invalid_input(std::string_view op, std::string_view what);
Error required_input(std::string_view op, std::string_view field);
// INVALID_ARGUMENT "'<field>' <problem>" (names the field, never its value).
Error field_problem(std::string_view op, std::string_view field, std::string_view problem);
std::string ctx_string(const json::object& ctx, std::string_view key);
// The order status names of the protocol (PROCESSING, REVIEWING, SHIPPED,
// ACTIVATED, FAILED, CANCELLED, RETURNED) -> OrderStatus; nullopt for the
// pre-confirmation states and unknown values.
std::optional<OrderStatus> order_status(std::string_view carrier_status);

// What comes with a status: the reason (FailCode of FAILED, Reason of
// CANCELLED and RETURNED) and the courier (LogisticsCompany, WaybillNo of
// SHIPPED). Throws BadReply when missing or malformed.
struct OrderDetails {
  std::string reason;
  std::optional<std::string> courier, waybill;
};
OrderDetails read_order_details(pugi::xml_node n, OrderStatus status);

// Status and details of an order element (<Data> or <Notify>) into an
// ActivationStatusOutput or a CallbackEvent.
template <class T>
void read_order_status(pugi::xml_node n, T& out) {
  const auto status = order_status(req_text(n, "Status"));
  if (!status) throw BadReply("element 'Status' is not a confirmed order status");
  out.status = *status;
  OrderDetails d = read_order_details(n, *status);
  out.reason = std::move(d.reason);
  out.courier = std::move(d.courier);
  out.waybill = std::move(d.waybill);
}

}  // namespace cgw::telecom
