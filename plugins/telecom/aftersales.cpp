// The after-sales operations (ABI 1.3) over the telecom calls
// (docs/carriers/telecom.md, "After-sales"): orders/cancel,
// subscribers/query, recharges/create and recharges/query, sim/replace;
// and what comes with the order statuses past PROCESSING.
#include "operations.hpp"

#include <algorithm>
#include <array>

namespace cgw::telecom {

// ------------------------------------------------------------ order states ---

std::optional<OrderStatus> order_status(std::string_view s) {
  static constexpr std::pair<std::string_view, OrderStatus> kStates[] = {
      {"PROCESSING", OrderStatus::submitted}, {"REVIEWING", OrderStatus::reviewing},
      {"SHIPPED", OrderStatus::shipped},      {"ACTIVATED", OrderStatus::activated},
      {"FAILED", OrderStatus::failed},        {"CANCELLED", OrderStatus::cancelled},
      {"RETURNED", OrderStatus::returned}};
  return lookup(kStates, s);
}

namespace {

std::string code_text(pugi::xml_node n, std::string_view name) {
  std::string s = opt_text(n, name);
  if (!s.empty() && !plausible_code(s))
    throw BadReply("element '" + std::string(name) + "' is malformed");
  return s;
}

}  // namespace

OrderDetails read_order_details(pugi::xml_node n, OrderStatus status) {
  OrderDetails d;
  switch (status) {
    case OrderStatus::failed:
      d.reason = code_text(n, "FailCode");
      break;
    case OrderStatus::cancelled:
    case OrderStatus::returned:
      d.reason = code_text(n, "Reason");
      break;
    case OrderStatus::shipped: {
      // A courier company's name is not personal data, but it is carrier
      // text copied into our results: bounded, no control characters.
      d.courier = req_id(n, "LogisticsCompany");
      if (d.courier->size() > 64 || !xml::safe(*d.courier) ||
          d.courier->find_first_of("\t\r\n") != std::string::npos)
        throw BadReply("element 'LogisticsCompany' is malformed");
      d.waybill = req_id(n, "WaybillNo");
      if (!plausible_code(*d.waybill)) throw BadReply("element 'WaybillNo' is malformed");
      break;
    }
    default:
      break;
  }
  return d;
}

std::optional<json::value> stage_verdict(std::string_view stage, const Error& e) {
  if (stage == "orders.cancel") {
    // The order is past the point where the carrier cancels: a refusal,
    // the carrier's verdict, not an error.
    static constexpr NameRule kRefusals[] = {{"50006", "already_shipped"},
                                             {"50002", "order_finished"}};
    if (auto reason = lookup(kRefusals, e.carrier_code))
      return json::value_from(ActivationCancelOutput{CancelResult::refused, std::string(*reason)});
  }
  if (stage == "recharges.query" && e.carrier_code == "60101") {
    // The carrier never received the top-up: the one answer that makes
    // sending it again safe.
    RechargeOutput out;
    out.result = RechargeResult::not_found;
    return json::value_from(out);
  }
  return std::nullopt;
}

namespace {

template <class T>
T input_as(const json::value& input) {
  return input.is_null() ? T{} : json::value_to<T>(input);
}

std::optional<Error> unsafe_field(
    std::string_view op, std::initializer_list<std::pair<const char*, std::string_view>> f) {
  for (const auto& [name, value] : f)
    if (!xml::safe(value)) return field_problem(op, name, "contains control characters");
  return std::nullopt;
}

void check_msisdn(pugi::xml_node data, const json::object& ctx) {
  const std::string got = opt_text(data, "Msisdn");
  if (!got.empty() && got != ctx_string(ctx, "msisdn"))
    throw BadReply("reply is about another number");
}

// ------------------------------------------------------ activation.cancel ---

Prepared cancel_prepare(const json::value& input, const Settings&) {
  const auto in = input_as<ActivationCancelInput>(input);
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid_input(op::kActivationCancel,
                         "'gateway_order_id' or 'carrier_order_id' is required");
  if (auto e = unsafe_field(op::kActivationCancel, {{"gateway_order_id", in.gateway_order_id},
                                                    {"carrier_order_id", in.carrier_order_id},
                                                    {"reason", in.reason}}))
    return *e;
  return Begin{
      "orders.cancel",
      {{"order", in.gateway_order_id}, {"order_id", in.carrier_order_id}, {"reason", in.reason}}};
}

std::string cancel_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  if (auto id = ctx_string(ctx, "order_id"); !id.empty())
    xml::Builder::add(b.root(), "OrderId", id);
  if (auto id = ctx_string(ctx, "order"); !id.empty())
    xml::Builder::add(b.root(), "PartnerOrderId", id);
  if (auto r = ctx_string(ctx, "reason"); !r.empty()) xml::Builder::add(b.root(), "Reason", r);
  return b.str();
}

StageResult cancel_finish(pugi::xml_node data, json::object& ctx) {
  const std::string order_id = req_id(data, "OrderId");
  const std::string asked_id = ctx_string(ctx, "order_id");
  const std::string asked = ctx_string(ctx, "order");
  const std::string got = opt_text(data, "PartnerOrderId");
  if ((!asked_id.empty() && asked_id != order_id) ||
      (!asked.empty() && !got.empty() && asked != got))
    throw BadReply("reply is about another order");
  // Success means cancelled; any other status is no verdict we can read.
  if (req_text(data, "Status") != "CANCELLED") throw BadReply("element 'Status' is not CANCELLED");
  return json::value_from(ActivationCancelOutput{CancelResult::cancelled, ""});
}

// ------------------------------------------------------- subscriber.query ---

Prepared subscriber_prepare(const json::value& input, const Settings&) {
  const auto in = input_as<SubscriberQueryInput>(input);
  if (in.msisdn.empty()) return required_input(op::kSubscriberQuery, "msisdn");
  if (auto e = unsafe_field(op::kSubscriberQuery, {{"msisdn", in.msisdn}})) return *e;
  return Begin{"subscribers.query", {{"msisdn", in.msisdn}}};
}

std::string subscriber_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "Msisdn", ctx_string(ctx, "msisdn"));
  return b.str();
}

StageResult subscriber_finish(pugi::xml_node data, json::object& ctx) {
  check_msisdn(data, ctx);
  static constexpr std::pair<std::string_view, SubscriberStatus> kStates[] = {
      {"ACTIVE", SubscriberStatus::active},
      {"SUSPENDED", SubscriberStatus::suspended},
      {"TERMINATED", SubscriberStatus::cancelled}};
  SubscriberInfo out;
  out.status = lookup(kStates, req_text(data, "Status"));
  if (!out.status) throw BadReply("element 'Status' has an unknown value");
  out.plan_id = opt_text(data, "PlanCode");
  out.balance_fen = req_int(data, "Balance");  // negative: in arrears
  out.data_left_mb = opt_int(data, "DataLeftMB");
  out.voice_left_minutes = opt_int(data, "VoiceLeftMinutes");
  out.reason = code_text(data, "StatusReason");
  return json::value_from(out);
}

// ---------------------------------------------------- subscriber.recharge ---

Prepared recharge_prepare(const json::value& input, const Settings&) {
  const auto in = input_as<RechargeInput>(input);
  if (in.gateway_recharge_id.empty())
    return required_input(op::kSubscriberRecharge, "gateway_recharge_id");
  if (in.msisdn.empty()) return required_input(op::kSubscriberRecharge, "msisdn");
  if (in.amount_fen <= 0)
    return field_problem(op::kSubscriberRecharge, "amount_fen", "must be positive");
  if (auto e =
          unsafe_field(op::kSubscriberRecharge,
                       {{"gateway_recharge_id", in.gateway_recharge_id}, {"msisdn", in.msisdn}}))
    return *e;
  return Begin{"recharges.create",
               {{"recharge", in.gateway_recharge_id},
                {"msisdn", in.msisdn},
                {"amount", std::to_string(in.amount_fen)}}};
}

std::string recharge_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "PartnerRechargeId", ctx_string(ctx, "recharge"));
  xml::Builder::add(b.root(), "Msisdn", ctx_string(ctx, "msisdn"));
  xml::Builder::add(b.root(), "Amount", ctx_string(ctx, "amount"));
  return b.str();
}

Prepared recharge_query_prepare(const json::value& input, const Settings&) {
  const auto in = input_as<RechargeQueryInput>(input);
  if (in.gateway_recharge_id.empty())
    return required_input(op::kSubscriberRechargeQuery, "gateway_recharge_id");
  if (auto e =
          unsafe_field(op::kSubscriberRechargeQuery,
                       {{"gateway_recharge_id", in.gateway_recharge_id}, {"msisdn", in.msisdn}}))
    return *e;
  return Begin{"recharges.query", {{"recharge", in.gateway_recharge_id}, {"msisdn", in.msisdn}}};
}

std::string recharge_query_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "PartnerRechargeId", ctx_string(ctx, "recharge"));
  return b.str();
}

StageResult recharge_finish(pugi::xml_node data, json::object& ctx) {
  if (req_id(data, "PartnerRechargeId") != ctx_string(ctx, "recharge"))
    throw BadReply("reply is about another recharge");
  if (!ctx_string(ctx, "msisdn").empty()) check_msisdn(data, ctx);
  RechargeOutput out;
  out.carrier_recharge_id = req_id(data, "RechargeId");
  const std::string status = req_text(data, "Status");
  if (status == "SUCCESS") {
    out.result = RechargeResult::succeeded;
  } else if (status == "FAILED") {
    out.result = RechargeResult::failed;
    out.reason = code_text(data, "FailCode");
  } else {
    throw BadReply("element 'Status' has an unknown value");  // no verdict is safe to assume
  }
  out.balance_fen = opt_int(data, "Balance");
  return json::value_from(out);
}

// -------------------------------------------------- subscriber.sim_replace ---

Prepared replace_prepare(const json::value& input, const Settings&) {
  const auto in = input_as<SimReplaceInput>(input);
  const std::pair<const char*, const std::string*> required[] = {
      {"gateway_replacement_id", &in.gateway_replacement_id},
      {"msisdn", &in.msisdn},
      {"name", &in.name},
      {"id_number", &in.id_number},
      {"delivery.address", &in.delivery.address}};
  for (const auto& [field, value] : required)
    if (value->empty()) return required_input(op::kSubscriberSimReplace, field);
  static constexpr NameRule kReasons[] = {{"lost", "LOST"}, {"damaged", "DAMAGED"}};
  const auto reason = lookup(kReasons, in.reason);
  if (!reason) return field_problem(op::kSubscriberSimReplace, "reason", "must be lost or damaged");
  if (auto e = unsafe_field(op::kSubscriberSimReplace,
                            {{"gateway_replacement_id", in.gateway_replacement_id},
                             {"msisdn", in.msisdn},
                             {"name", in.name},
                             {"id_number", in.id_number},
                             {"delivery.name", in.delivery.name},
                             {"delivery.phone", in.delivery.phone},
                             {"delivery.address", in.delivery.address}}))
    return *e;
  // The holder's data stays in the continuation state only for this one
  // call (its answer ends the operation).
  return Begin{"sim.replace",
               {{"order", in.gateway_replacement_id},
                {"msisdn", in.msisdn},
                {"name", in.name},
                {"id_number", in.id_number},
                {"reason", std::string(*reason)},
                {"delivery",
                 {{"name", in.delivery.name},
                  {"phone", in.delivery.phone},
                  {"address", in.delivery.address}}}}};
}

std::string replace_request(const json::object& ctx, const Settings& s) {
  xml::Builder b("Request");
  pugi::xml_node r = b.root();
  xml::Builder::add(r, "PartnerReplaceId", ctx_string(ctx, "order"));
  xml::Builder::add(r, "Msisdn", ctx_string(ctx, "msisdn"));
  pugi::xml_node customer = r.append_child("Customer");
  xml::Builder::add(customer, "CertType", "ID_CARD");
  xml::Builder::add(customer, "CertName", ctx_string(ctx, "name"));
  xml::Builder::add(customer, "CertNo", ctx_string(ctx, "id_number"));
  xml::Builder::add(r, "Reason", ctx_string(ctx, "reason"));
  pugi::xml_node delivery = r.append_child("Delivery");
  const json::object& d = ctx.at("delivery").as_object();
  xml::Builder::add(delivery, "Name", ctx_string(d, "name"));
  xml::Builder::add(delivery, "Phone", ctx_string(d, "phone"));
  xml::Builder::add(delivery, "Address", ctx_string(d, "address"));
  xml::Builder::add(r, "NotifyUrl", s.callback_url);
  return b.str();
}

StageResult replace_finish(pugi::xml_node data, json::object& ctx) {
  // The replacement is an order the carrier files under our replacement id.
  if (req_id(data, "PartnerOrderId") != ctx_string(ctx, "order"))
    throw BadReply("reply is about another order");
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "OrderId");
  read_order_status(data, out);
  return json::value_from(out);
}

const std::array<Operation, 5> kOperations{{
    {op::kActivationCancel, &cancel_prepare},
    {op::kSubscriberQuery, &subscriber_prepare},
    {op::kSubscriberRecharge, &recharge_prepare},
    {op::kSubscriberRechargeQuery, &recharge_query_prepare},
    {op::kSubscriberSimReplace, &replace_prepare},
}};

// name, path, writes, unknown_on_5xx, replayable. Every write is
// deduplicated or idempotent at the carrier (a cancelled order cancelled
// again answers CANCELLED; recharges and replacements are filed under the
// partner's id), so all are replayable; like the order calls, a 5xx may
// hide a write the carrier committed.
const std::array<Stage, 5> kStages{{
    {"orders.cancel", "/api/v1/orders/cancel", true, true, true, &cancel_request, &cancel_finish},
    {"subscribers.query", "/api/v1/subscribers/query", false, false, true, &subscriber_request,
     &subscriber_finish},
    {"recharges.create", "/api/v1/recharges/create", true, true, true, &recharge_request,
     &recharge_finish},
    {"recharges.query", "/api/v1/recharges/query", false, false, true, &recharge_query_request,
     &recharge_finish},
    {"sim.replace", "/api/v1/sim/replace", true, true, true, &replace_request, &replace_finish},
}};

}  // namespace

std::span<const Operation> aftersales_operations() {
  return kOperations;
}
std::span<const Stage> aftersales_stages() {
  return kStages;
}

}  // namespace cgw::telecom
