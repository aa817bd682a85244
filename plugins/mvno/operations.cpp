#include "operations.hpp"

#include "number_segments.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace cgw::mvno {
namespace {

constexpr int64_t kMaxPageSize = 5000;
// Opaque carrier strings (cursors) are at most this long (docs/carriers/mvno.md).
constexpr size_t kMaxCursorLength = 64;

// Input errors name the field, never its value (names and ID numbers are PII).
Error invalid(std::string_view op, std::string_view what) {
  return Error{code::kInvalidArgument,
               "mvno " + std::string(op) + ": " + std::string(what),
               {},
               false,
               false};
}

Error required(std::string_view op, std::string_view field) {
  // Built with append(): GCC 12 reports a false -Wrestrict on "'" + string.
  std::string what(1, '\'');
  what.append(field).append("' is required");
  return invalid(op, what);
}

Outbound post(std::string path, json::object body) {
  return Outbound{std::move(path), std::move(body)};
}

// ------------------------------------------------------------ plans.list ---

Prepared<> plans_prepare(const json::value&, const MvnoPlugin&) {
  return post("/openapi/v1/product/list", {});
}

json::value plans_finish(const json::object& data, const NoState&) {
  PlansListOutput out;
  for (const json::value& v : req_array(data, "products")) {
    const json::object& p = as_object(v, "products[]");
    out.plans.push_back(Plan{req_id(p, "productCode"), req_string(p, "productName"),
                             req_int(p, "monthlyFee"), req_int(p, "dataMb"),
                             req_int(p, "voiceMin")});
  }
  return json::value_from(out);
}

// -------------------------------------------------------- inventory.sync ---

// An opaque change cursor of the carrier: 1..64 printable ASCII characters.
bool is_change_cursor(std::string_view s) {
  return !s.empty() && s.size() <= kMaxCursorLength &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Prepared<InventorySyncInput> inventory_prepare(const InventorySyncInput& in, const MvnoPlugin&) {
  // The carrier serves 1..5000 numbers a page; the gateway's page size is a
  // wish that holds for every carrier, so clamp rather than refuse.
  const int64_t size = std::clamp<int64_t>(in.page_size, 1, kMaxPageSize);
  if (in.since.empty())
    return post("/openapi/v1/number/query", {{"cursor", in.cursor}, {"pageSize", size}});
  // Incremental: the numbers whose state changed after `since` (a
  // change_cursor of ours, i.e. a changeCursor of the carrier, as received).
  if (!is_change_cursor(in.since))
    return invalid(op::kInventorySync, "'since' is not a change cursor of this carrier");
  Outbound o = post("/openapi/v1/number/query", {{"changedSince", in.since}, {"pageSize", size}});
  return Call<InventorySyncInput>{std::move(o), in};  // the reply needs `since`
}

NumberState number_status(std::string_view status) {
  if (status == "FREE") return NumberState::available;
  if (status == "OCCUPIED") return NumberState::reserved;
  if (status == "SOLD") return NumberState::sold;
  throw BadReply("field 'status' has an unknown value");
}

json::value inventory_finish(const json::object& data, const InventorySyncInput& state,
                             const MvnoPlugin& plugin) {
  InventorySyncOutput out;
  size_t skipped = 0;
  for (const json::value& v : req_array(data, "numbers")) {
    if (auto item = read_number_item(v))
      out.items.push_back(std::move(*item));
    else
      ++skipped;
  }
  if (skipped)
    plugin.host().warn("mvno inventory.sync: left out " + std::to_string(skipped) +
                       " numbers outside the MVNO segments or with a mismatched hostNetwork");
  out.has_more = req_bool(data, "hasMore");
  out.total = opt_int(data, "total");
  if (out.total && *out.total < 0) throw BadReply("field 'total' is negative");
  // An older carrier release has no change feed: no changeCursor, full
  // syncs only.
  out.change_cursor = opt_string(data, "changeCursor");
  if (!out.change_cursor.empty() && !is_change_cursor(out.change_cursor))
    throw BadReply("field 'changeCursor' is not a cursor");
  if (!state.since.empty()) {
    // The change feed goes on from changeCursor; it has no cursor of its own.
    if (out.change_cursor.empty())
      throw BadReply("field 'changeCursor' is missing from a change feed reply");
    // Without progress the gateway would fetch the same changes forever.
    if (out.has_more && out.change_cursor == state.since)
      throw BadReply("field 'changeCursor' did not advance while 'hasMore' is true");
    return json::value_from(out);
  }
  out.next_cursor = opt_string(data, "nextCursor");
  // Without a cursor the gateway would fetch the first page again forever.
  if (out.has_more && out.next_cursor.empty())
    throw BadReply("field 'nextCursor' is missing while 'hasMore' is true");
  return json::value_from(out);
}

// --------------------------------------------------------- number.reserve ---

Prepared<> reserve_prepare(const ReserveInput& in, const MvnoPlugin& plugin) {
  if (in.msisdn.empty()) return required(op::kNumberReserve, "msisdn");
  if (in.gateway_reservation_id.empty())
    return required(op::kNumberReserve, "gateway_reservation_id");
  if (in.hold_seconds < 0) return invalid(op::kNumberReserve, "'hold_seconds' is negative");
  // No number outside the MVNO segments can be this carrier's: no call.
  if (!host_network_of(in.msisdn))
    return Error{
        code::kNumberUnavailable, "mvno number.reserve: not an MVNO number", {}, false, false};
  // The carrier counts in whole minutes; round up so the hold is never
  // shorter than asked (written to avoid overflow near INT64_MAX).
  const int64_t minutes = in.hold_seconds == 0
                              ? plugin.settings().occupy_minutes
                              : in.hold_seconds / 60 + (in.hold_seconds % 60 != 0 ? 1 : 0);
  return post("/openapi/v1/number/occupy", {{"msisdn", in.msisdn},
                                            {"occupyMinutes", minutes},
                                            {"partnerOccupyNo", in.gateway_reservation_id}});
}

json::value reserve_finish(const json::object& data, const NoState&) {
  return json::value_from(ReserveOutput{req_id(data, "occupyNo"), req_int(data, "expireAt")});
}

// --------------------------------------------------------- number.release ---

Prepared<> release_prepare(const ReleaseInput& in, const MvnoPlugin&) {
  if (in.msisdn.empty()) return required(op::kNumberRelease, "msisdn");
  if (in.carrier_reservation_id.empty())
    return required(op::kNumberRelease, "carrier_reservation_id");
  return post("/openapi/v1/number/release",
              {{"msisdn", in.msisdn}, {"occupyNo", in.carrier_reservation_id}});
}

json::value release_finish(const json::object&, const NoState&) {
  return json::value_from(ReleaseOutput{true});
}

// ------------------------------------------------------------- kyc.verify ---

Prepared<> kyc_prepare(const KycVerifyInput& in, const MvnoPlugin& plugin) {
  if (in.name.empty()) return required(op::kKycVerify, "name");
  if (in.id_number.empty()) return required(op::kKycVerify, "id_number");
  // The name travels in clear (the protocol encrypts the ID number only).
  json::object body{{"certName", in.name}, {"certNoEnc", plugin.seal_id_number(in.id_number)}};
  if (in.portrait_b64 && !in.portrait_b64->empty()) body["portrait"] = *in.portrait_b64;
  return post("/openapi/v1/realname/check", std::move(body));
}

json::value kyc_finish(const json::object& data, const NoState&) {
  KycVerifyOutput out;
  out.carrier_ref = req_id(data, "checkNo");
  const std::string verdict = req_string(data, "checkResult");
  if (verdict == "PASS") {
    out.result = KycResult::passed;
  } else if (verdict == "REJECT" || verdict == "REVIEW") {
    out.result = verdict == "REJECT" ? KycResult::rejected : KycResult::review;
    const std::string rc = opt_string(data, "rejectCode");
    // A code outside the table (a newer carrier release) still carries a
    // verdict worth keeping; the gateway sees it as UNKNOWN.
    if (!rc.empty()) out.reasons.emplace_back(kyc_reason(rc).value_or("UNKNOWN"));
  } else {
    throw BadReply("field 'checkResult' has an unknown value");
  }
  return json::value_from(out);
}

// ------------------------------------------------------ activation.submit ---

Prepared<> submit_prepare(const ActivationSubmitInput& in, const MvnoPlugin& plugin) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"gateway_order_id", &in.gateway_order_id},
      {"msisdn", &in.msisdn},
      {"plan_id", &in.plan_id},
      {"carrier_reservation_id", &in.carrier_reservation_id},
      {"name", &in.name},
      {"id_number", &in.id_number}};
  for (const auto& [field, value] : fields)
    if (value->empty()) return required(op::kActivationSubmit, field);
  return post("/openapi/v1/order/create", {{"partnerOrderNo", in.gateway_order_id},
                                           {"msisdn", in.msisdn},
                                           {"occupyNo", in.carrier_reservation_id},
                                           {"productCode", in.plan_id},
                                           {"certName", in.name},
                                           {"certNoEnc", plugin.seal_id_number(in.id_number)},
                                           {"receiver",
                                            {{"name", in.delivery.name},
                                             {"phone", in.delivery.phone},
                                             {"address", in.delivery.address}}},
                                           {"notifyUrl", plugin.settings().callback_url}});
}

json::value submit_finish(const json::object& data, const NoState&) {
  // "0000" means the carrier accepted the order; a resubmission returns the
  // existing order, whose status may already be final.
  return json::value_from(read_order_reply(data));
}

// ------------------------------------------------------- activation.query ---

Prepared<ActivationQueryInput> query_prepare(const ActivationQueryInput& in, const MvnoPlugin&) {
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid(op::kActivationQuery, "'gateway_order_id' or 'carrier_order_id' is required");
  json::object body;
  if (!in.gateway_order_id.empty()) body["partnerOrderNo"] = in.gateway_order_id;
  if (!in.carrier_order_id.empty()) body["orderNo"] = in.carrier_order_id;
  Outbound o = post("/openapi/v1/order/query", std::move(body));
  // The input comes back with the reply: is it about the order we asked for?
  return Call<ActivationQueryInput>{std::move(o), in};
}

json::value query_finish(const json::object& data, const ActivationQueryInput& state) {
  const ActivationStatusOutput out = read_order_reply(data);
  const std::string& asked_gw = state.gateway_order_id;
  const std::string& asked_co = state.carrier_order_id;
  const std::string got_gw = req_id(data, "partnerOrderNo");
  if ((!asked_gw.empty() && asked_gw != got_gw) ||
      (!asked_co.empty() && asked_co != out.carrier_order_id))
    throw BadReply("reply is about another order");
  return json::value_from(out);
}

}  // namespace

ActivationStatusOutput read_order_reply(const json::object& data) {
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "orderNo");
  OrderState st = read_order_state(data);
  out.status = st.status;
  out.reason = std::move(st.reason);
  out.courier = std::move(st.courier);
  out.waybill = std::move(st.waybill);
  out.amount_fen = st.amount_fen;
  return out;
}

std::optional<NumberItem> read_number_item(const json::value& v) {
  const json::object& n = as_object(v, "numbers[]");
  NumberItem item;
  item.msisdn = req_id(n, "msisdn");
  item.province = req_string(n, "province");
  item.city = req_string(n, "city");
  item.price_fen = req_int(n, "prestore");
  if (item.price_fen < 0) throw BadReply("field 'prestore' is negative");
  item.status = number_status(req_string(n, "status"));
  item.carrier_grade = opt_int(n, "grade");
  if (item.carrier_grade && (*item.carrier_grade < 0 || *item.carrier_grade > 10))
    throw BadReply("field 'grade' is out of range");
  const auto declared = host_network_from_protocol(req_string(n, "hostNetwork"));
  if (!declared) throw BadReply("field 'hostNetwork' has an unknown value");
  // A number whose declared network contradicts its segment (or that is
  // not an MVNO number at all) cannot be offered truthfully: skipped.
  const auto by_prefix = host_network_of(item.msisdn);
  if (!by_prefix || *by_prefix != *declared) return std::nullopt;
  item.host_network = std::string(gateway_name(*declared));
  return item;
}

void register_operations(Dispatcher& ops, const MvnoPlugin& plugin) {
  const auto sign = [&plugin](const Outbound& o) { return plugin.build_request(o); };
  // name, writes, unknown_on_5xx, replayable (queries and lists are
  // POSTs that change nothing). Only the real-name check is not
  // replayable: each one is a separate (paid) verification.
  ops.call({op::kPlansList, false, false, true}, plugin, &plans_prepare, sign, &plans_finish);
  ops.call({op::kInventorySync, false, false, true}, plugin, &inventory_prepare, sign,
           [&plugin](const json::object& data, const InventorySyncInput& state) {
             return inventory_finish(data, state, plugin);
           });
  // A repeated partnerOccupyNo answers the active lock it already took.
  ops.call({op::kNumberReserve, true, false, true}, plugin, &reserve_prepare, sign,
           &reserve_finish);
  // A lock released once is not found the second time (2003, taken as released).
  ops.call({op::kNumberRelease, true, false, true}, plugin, &release_prepare, sign,
           &release_finish);
  ops.call({op::kKycVerify, false, false, false}, plugin, &kyc_prepare, sign, &kyc_finish);
  // A repeated partnerOrderNo answers the order it already created.
  ops.call({op::kActivationSubmit, true, true, true}, plugin, &submit_prepare, sign,
           &submit_finish);
  ops.call({op::kActivationQuery, false, false, true}, plugin, &query_prepare, sign, &query_finish);
}

}  // namespace cgw::mvno
