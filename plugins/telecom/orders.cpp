// activation.submit (orders.create -> orders.photos -> orders.confirm) and
// activation.query (docs/carriers/telecom.md, "Activation").
#include "operations.hpp"

#include <array>

namespace cgw::telecom {
namespace {

// A 1x1 PNG: the placeholder sent for the ID-card photos (the gateway has
// none) and for the portrait when the input carries none.
constexpr std::string_view kPlaceholderImage =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"
    "==";

// The carrier checks the declared format against the image bytes.
const char* image_format(std::string_view b64) {
  return b64.starts_with("iVBORw0KGgo") ? "PNG" : "JPEG";  // PNG signature, base64
}

Error not_confirmed() {
  // Deliberately ORDER_NOT_FOUND: an order that was created but never
  // confirmed will never activate, and the gateway answers ORDER_NOT_FOUND
  // by submitting again with the same order id, which the carrier
  // deduplicates and the plugin completes (photos, confirm).
  return Error{code::kOrderNotFound,
               "telecom activation.query: the order was created but not confirmed",
               {},
               false,
               false};
}

json::value status_output(pugi::xml_node data, const std::string& order_id) {
  ActivationStatusOutput out;
  out.carrier_order_id = order_id;
  read_order_status(data, out);
  return json::value_from(out);
}

void check_partner_id(pugi::xml_node data, const json::object& ctx) {
  const std::string got = opt_text(data, "PartnerOrderId");
  const std::string asked = ctx_string(ctx, "order");
  if (!got.empty() && !asked.empty() && got != asked)
    throw BadReply("reply is about another order");
}

// ------------------------------------------------------ activation.submit ---

Prepared submit_prepare(const json::value& input, const Settings&) {
  const auto in = json::value_to<ActivationSubmitInput>(input);
  const std::pair<const char*, const std::string*> required[] = {
      {"gateway_order_id", &in.gateway_order_id},
      {"msisdn", &in.msisdn},
      {"plan_id", &in.plan_id},
      {"carrier_reservation_id", &in.carrier_reservation_id},
      {"name", &in.name},
      {"id_number", &in.id_number}};
  for (const auto& [field, value] : required)
    if (value->empty()) return required_input(op::kActivationSubmit, field);
  // An optional portrait beside the v1 fields (docs/carriers/telecom.md).
  std::string portrait(kPlaceholderImage);
  if (const json::value* p = input.as_object().if_contains("portrait_b64"); p && !p->is_null()) {
    if (!p->is_string())
      return invalid_input(op::kActivationSubmit, "'portrait_b64' must be a string");
    if (!p->get_string().empty()) portrait = p->get_string();
  }
  const std::pair<const char*, const std::string*> xml_fields[] = {
      {"gateway_order_id", &in.gateway_order_id},
      {"msisdn", &in.msisdn},
      {"plan_id", &in.plan_id},
      {"carrier_reservation_id", &in.carrier_reservation_id},
      {"name", &in.name},
      {"id_number", &in.id_number},
      {"delivery.name", &in.delivery.name},
      {"delivery.phone", &in.delivery.phone},
      {"delivery.address", &in.delivery.address},
      {"portrait_b64", &portrait}};
  for (const auto& [field, value] : xml_fields)
    if (!xml::safe(*value))
      return field_problem(op::kActivationSubmit, field, "contains control characters");
  return Begin{"orders.create",
               {{"order", in.gateway_order_id},
                {"msisdn", in.msisdn},
                {"reserve_id", in.carrier_reservation_id},
                {"plan", in.plan_id},
                {"name", in.name},
                {"id_number", in.id_number},
                {"delivery",
                 {{"name", in.delivery.name},
                  {"phone", in.delivery.phone},
                  {"address", in.delivery.address}}},
                {"portrait", portrait}}};
}

std::string create_request(const json::object& ctx, const Settings& s) {
  xml::Builder b("Request");
  pugi::xml_node r = b.root();
  xml::Builder::add(r, "PartnerOrderId", ctx_string(ctx, "order"));
  xml::Builder::add(r, "Msisdn", ctx_string(ctx, "msisdn"));
  xml::Builder::add(r, "ReserveId", ctx_string(ctx, "reserve_id"));
  xml::Builder::add(r, "PlanCode", ctx_string(ctx, "plan"));
  pugi::xml_node customer = r.append_child("Customer");
  xml::Builder::add(customer, "CertType", "ID_CARD");
  xml::Builder::add(customer, "CertName", ctx_string(ctx, "name"));
  xml::Builder::add(customer, "CertNo", ctx_string(ctx, "id_number"));
  pugi::xml_node delivery = r.append_child("Delivery");
  const json::object& d = ctx.at("delivery").as_object();
  xml::Builder::add(delivery, "Name", ctx_string(d, "name"));
  xml::Builder::add(delivery, "Phone", ctx_string(d, "phone"));
  xml::Builder::add(delivery, "Address", ctx_string(d, "address"));
  xml::Builder::add(r, "NotifyUrl", s.callback_url);
  return b.str();
}

StageResult create_finish(pugi::xml_node data, json::object& ctx) {
  check_partner_id(data, ctx);
  const std::string order_id = req_id(data, "OrderId");
  const std::string status = req_text(data, "Status");
  // The applicant's data is not needed any more: keep it out of later states.
  ctx.erase("name");
  ctx.erase("id_number");
  ctx.erase("delivery");
  ctx["order_id"] = order_id;
  // A resubmission finds the order where the earlier attempt left it.
  if (status == "CREATED") return NextStage{"orders.photos"};
  ctx.erase("portrait");
  if (status == "PHOTOS_UPLOADED") return NextStage{"orders.confirm"};
  return status_output(data, order_id);
}

std::string photos_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "OrderId", ctx_string(ctx, "order_id"));
  pugi::xml_node photos = b.root().append_child("Photos");
  const std::string portrait = ctx_string(ctx, "portrait");
  const std::pair<const char*, std::string_view> items[] = {
      {"ID_FRONT", kPlaceholderImage}, {"ID_BACK", kPlaceholderImage}, {"PORTRAIT", portrait}};
  for (const auto& [type, content] : items) {
    pugi::xml_node photo = photos.append_child("Photo");
    xml::Builder::add(photo, "Type", type);
    xml::Builder::add(photo, "Format", image_format(content));
    xml::Builder::add(photo, "Content", content);
  }
  return b.str();
}

StageResult photos_finish(pugi::xml_node data, json::object& ctx) {
  if (req_id(data, "OrderId") != ctx_string(ctx, "order_id"))
    throw BadReply("reply is about another order");
  if (req_text(data, "Status") != "PHOTOS_UPLOADED")
    throw BadReply("element 'Status' is not PHOTOS_UPLOADED");
  ctx.erase("portrait");
  return NextStage{"orders.confirm"};
}

std::string confirm_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "OrderId", ctx_string(ctx, "order_id"));
  return b.str();
}

StageResult confirm_finish(pugi::xml_node data, json::object& ctx) {
  const std::string order_id = req_id(data, "OrderId");
  if (order_id != ctx_string(ctx, "order_id")) throw BadReply("reply is about another order");
  return status_output(data, order_id);
}

// ------------------------------------------------------- activation.query ---

Prepared query_prepare(const json::value& input, const Settings&) {
  const auto in = json::value_to<ActivationQueryInput>(input);
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid_input(op::kActivationQuery,
                         "'gateway_order_id' or 'carrier_order_id' is required");
  if (!xml::safe(in.gateway_order_id) || !xml::safe(in.carrier_order_id))
    return invalid_input(op::kActivationQuery, "an order id contains control characters");
  return Begin{"orders.query", {{"order", in.gateway_order_id}, {"order_id", in.carrier_order_id}}};
}

std::string query_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  if (auto id = ctx_string(ctx, "order_id"); !id.empty())
    xml::Builder::add(b.root(), "OrderId", id);
  if (auto id = ctx_string(ctx, "order"); !id.empty())
    xml::Builder::add(b.root(), "PartnerOrderId", id);
  return b.str();
}

StageResult query_finish(pugi::xml_node data, json::object& ctx) {
  check_partner_id(data, ctx);
  const std::string order_id = req_id(data, "OrderId");
  const std::string asked = ctx_string(ctx, "order_id");
  if (!asked.empty() && asked != order_id) throw BadReply("reply is about another order");
  const std::string status = req_text(data, "Status");
  if (status == "CREATED" || status == "PHOTOS_UPLOADED") return not_confirmed();
  return status_output(data, order_id);
}

const std::array<Operation, 2> kOperations{{
    {op::kActivationSubmit, &submit_prepare},
    {op::kActivationQuery, &query_prepare},
}};

// name, path, writes, unknown_on_5xx, replayable. Every order call is safe
// to repeat: create is deduplicated on PartnerOrderId, the same photos
// uploaded again leave the draft PHOTOS_UPLOADED, and a confirmed order
// confirmed again answers its status.
const std::array<Stage, 4> kStages{{
    {"orders.create", "/api/v1/orders/create", true, true, true, &create_request, &create_finish},
    {"orders.photos", "/api/v1/orders/photos", true, true, true, &photos_request, &photos_finish},
    {"orders.confirm", "/api/v1/orders/confirm", true, true, true, &confirm_request,
     &confirm_finish},
    {"orders.query", "/api/v1/orders/query", false, false, true, &query_request, &query_finish},
}};

}  // namespace

std::span<const Operation> order_operations() {
  return kOperations;
}
std::span<const Stage> order_stages() {
  return kStages;
}

}  // namespace cgw::telecom
