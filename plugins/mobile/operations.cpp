#include "operations.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string>

namespace cgw::mobile {
namespace {

// The carrier's largest page (docs/carriers/mobile.md).
constexpr int64_t kMaxPageSize = 5000;

// Input errors name the field, never its value (names and ID numbers are PII).
Error invalid(std::string_view op, std::string_view what) {
  return Error{code::kInvalidArgument,
               "mobile " + std::string(op) + ": " + std::string(what),
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

Outbound get(std::string path) {
  return Outbound{"GET", std::move(path), {}, {}};
}
Outbound post(std::string path, json::object body) {
  return Outbound{"POST", std::move(path), {}, std::move(body)};
}

// ------------------------------------------------------------ plans.list ---

Prepared<> plans_prepare(const json::value&, const Settings&) {
  return get("/open/v1/plans");
}

json::value plans_finish(const json::object& data, const NoState&) {
  PlansListOutput out;
  for (const json::value& v : req_array(data, "plans")) {
    const json::object& p = as_object(v, "plans[]");
    out.plans.push_back(Plan{req_id(p, "planCode"), req_string(p, "planName"),
                             req_int(p, "monthlyFee"), req_int(p, "dataMb"),
                             req_int(p, "voiceMin")});
  }
  return json::value_from(out);
}

// -------------------------------------------------------- inventory.sync ---

// The carrier's change position: a decimal integer >= 0 (changeSeq).
std::optional<uint64_t> parse_change_seq(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Prepared<InventorySyncInput> inventory_prepare(const InventorySyncInput& in, const Settings&) {
  // The carrier serves 1..5000 numbers a page; the gateway's page size is a
  // wish that holds for every carrier, so clamp rather than refuse.
  const int64_t size = std::clamp<int64_t>(in.page_size, 1, kMaxPageSize);
  Outbound o = get("/open/v1/numbers");
  if (in.since.empty()) {
    o.query = {{"cursor", in.cursor}, {"size", std::to_string(size)}};
    return o;
  }
  // Incremental: the numbers whose state changed after `since` (a
  // change_cursor of ours, i.e. a changeSeq of the carrier).
  if (!parse_change_seq(in.since))
    return invalid(op::kInventorySync, "'since' is not a change position of this carrier");
  o.query = {{"changedSince", in.since}, {"size", std::to_string(size)}};
  return Call<InventorySyncInput>{std::move(o), in};  // the reply needs `since`
}

NumberState number_status(std::string_view state) {
  if (state == "idle") return NumberState::available;
  if (state == "locked") return NumberState::reserved;
  if (state == "sold") return NumberState::sold;
  throw BadReply("field 'state' has an unknown value");
}

json::value inventory_finish(const json::object& data, const InventorySyncInput& state) {
  InventorySyncOutput out;
  for (const json::value& v : req_array(data, "numbers")) {
    const json::object& n = as_object(v, "numbers[]");
    NumberItem item;
    item.msisdn = req_id(n, "number");
    item.province = req_string(n, "province");
    item.city = req_string(n, "city");
    item.price_fen = req_int(n, "price");
    item.status = number_status(req_string(n, "state"));
    item.carrier_grade = opt_int(n, "level");
    if (item.carrier_grade && (*item.carrier_grade < 0 || *item.carrier_grade > 10))
      throw BadReply("field 'level' is out of range");
    out.items.push_back(std::move(item));
  }
  out.has_more = req_bool(data, "hasMore");
  out.total = opt_int(data, "total");
  if (out.total && *out.total < 0) throw BadReply("field 'total' is negative");
  // An older carrier release has no change feed: no changeSeq, full syncs only.
  const std::optional<int64_t> change_seq = opt_int(data, "changeSeq");
  if (change_seq && *change_seq < 0) throw BadReply("field 'changeSeq' is negative");
  if (change_seq) out.change_cursor = std::to_string(*change_seq);
  if (!state.since.empty()) {
    // The change feed goes on from changeSeq; it has no cursor of its own.
    if (!change_seq) throw BadReply("field 'changeSeq' is missing from a change feed reply");
    const auto asked = parse_change_seq(state.since);
    if (!asked || static_cast<uint64_t>(*change_seq) < *asked)
      throw BadReply("field 'changeSeq' went back");
    // Without progress the gateway would fetch the same changes forever.
    if (out.has_more && static_cast<uint64_t>(*change_seq) == *asked)
      throw BadReply("field 'changeSeq' did not advance while 'hasMore' is true");
    return json::value_from(out);
  }
  out.next_cursor = opt_string(data, "nextCursor");
  // Without a cursor the gateway would fetch the first page again forever.
  if (out.has_more && out.next_cursor.empty())
    throw BadReply("field 'nextCursor' is missing while 'hasMore' is true");
  return json::value_from(out);
}

// --------------------------------------------------------- number.reserve ---

Prepared<> reserve_prepare(const ReserveInput& in, const Settings& s) {
  if (in.msisdn.empty()) return required(op::kNumberReserve, "msisdn");
  if (in.gateway_reservation_id.empty())
    return required(op::kNumberReserve, "gateway_reservation_id");
  if (in.hold_seconds < 0) return invalid(op::kNumberReserve, "'hold_seconds' is negative");
  // The carrier counts in whole minutes; round up so the hold is never
  // shorter than asked (written to avoid overflow near INT64_MAX).
  const int64_t minutes = in.hold_seconds == 0
                              ? s.hold_minutes
                              : in.hold_seconds / 60 + (in.hold_seconds % 60 != 0 ? 1 : 0);
  return post("/open/v1/numbers/lock", {{"number", in.msisdn},
                                        {"holdMinutes", minutes},
                                        {"partnerLockId", in.gateway_reservation_id}});
}

json::value reserve_finish(const json::object& data, const NoState&) {
  return json::value_from(ReserveOutput{req_id(data, "lockId"), req_int(data, "expireTime")});
}

// --------------------------------------------------------- number.release ---

Prepared<> release_prepare(const ReleaseInput& in, const Settings&) {
  if (in.msisdn.empty()) return required(op::kNumberRelease, "msisdn");
  if (in.carrier_reservation_id.empty())
    return required(op::kNumberRelease, "carrier_reservation_id");
  return post("/open/v1/numbers/unlock",
              {{"number", in.msisdn}, {"lockId", in.carrier_reservation_id}});
}

json::value release_finish(const json::object&, const NoState&) {
  return json::value_from(ReleaseOutput{true});
}

// ------------------------------------------------------------- kyc.verify ---

Prepared<> kyc_prepare(const KycVerifyInput& in, const Settings&) {
  if (in.name.empty()) return required(op::kKycVerify, "name");
  if (in.id_number.empty()) return required(op::kKycVerify, "id_number");
  json::object body{{"certName", in.name}, {"certNo", in.id_number}};
  if (in.portrait_b64 && !in.portrait_b64->empty()) body["portrait"] = *in.portrait_b64;
  return post("/open/v1/realname/verify", std::move(body));
}

json::value kyc_finish(const json::object& data, const NoState&) {
  KycVerifyOutput out;
  out.carrier_ref = req_id(data, "verifyId");
  const std::string verdict = req_string(data, "verifyResult");
  if (verdict == "PASS") {
    out.result = KycResult::passed;
  } else if (verdict == "REJECT" || verdict == "REVIEW") {
    out.result = verdict == "REJECT" ? KycResult::rejected : KycResult::review;
    const std::string rc = opt_string(data, "reasonCode");
    // A code outside the table (a newer carrier release) still carries a
    // verdict worth keeping; the gateway sees it as UNKNOWN.
    if (!rc.empty()) out.reasons.emplace_back(kyc_reason(rc).value_or("UNKNOWN"));
  } else {
    throw BadReply("field 'verifyResult' has an unknown value");
  }
  return json::value_from(out);
}

// ------------------------------------------------------ activation.submit ---

Prepared<> submit_prepare(const ActivationSubmitInput& in, const Settings& s) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"gateway_order_id", &in.gateway_order_id},
      {"msisdn", &in.msisdn},
      {"plan_id", &in.plan_id},
      {"carrier_reservation_id", &in.carrier_reservation_id},
      {"name", &in.name},
      {"id_number", &in.id_number}};
  for (const auto& [field, value] : fields)
    if (value->empty()) return required(op::kActivationSubmit, field);
  return post("/open/v1/orders", {{"partnerOrderId", in.gateway_order_id},
                                  {"number", in.msisdn},
                                  {"lockId", in.carrier_reservation_id},
                                  {"planCode", in.plan_id},
                                  {"certName", in.name},
                                  {"certNo", in.id_number},
                                  {"contact",
                                   {{"name", in.delivery.name},
                                    {"phone", in.delivery.phone},
                                    {"address", in.delivery.address}}},
                                  {"notifyUrl", s.callback_url}});
}

json::value submit_finish(const json::object& data, const NoState&) {
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "orderId");
  // code "0" means the carrier accepted the order; a resubmission returns the
  // existing order, whose state may already be final.
  if (data.contains("orderState") && !data.at("orderState").is_null())
    read_order_fields(data, out);
  else
    out.status = OrderStatus::submitted;
  return json::value_from(out);
}

// ------------------------------------------------------- activation.query ---

Prepared<ActivationQueryInput> query_prepare(const ActivationQueryInput& in, const Settings&) {
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid(op::kActivationQuery, "'gateway_order_id' or 'carrier_order_id' is required");
  Outbound o = get("/open/v1/orders/query");
  if (!in.gateway_order_id.empty()) o.query.emplace_back("partnerOrderId", in.gateway_order_id);
  if (!in.carrier_order_id.empty()) o.query.emplace_back("orderId", in.carrier_order_id);
  // The input comes back with the reply: is it about the order we asked for?
  return Call<ActivationQueryInput>{std::move(o), in};
}

json::value query_finish(const json::object& data, const ActivationQueryInput& state) {
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "orderId");
  read_order_fields(data, out);
  const std::string& asked_gw = state.gateway_order_id;
  const std::string& asked_co = state.carrier_order_id;
  const std::string got_gw = opt_string(data, "partnerOrderId");
  if ((!asked_gw.empty() && !got_gw.empty() && asked_gw != got_gw) ||
      (!asked_co.empty() && asked_co != out.carrier_order_id))
    throw BadReply("reply is about another order");
  return json::value_from(out);
}

}  // namespace

void read_order_fields(const json::object& data, ActivationStatusOutput& out) {
  const auto status = order_status(req_string(data, "orderState"));
  if (!status) throw BadReply("field 'orderState' has an unknown value");
  out.status = *status;
  if (out.status == OrderStatus::failed) out.reason = opt_string(data, "failReason");
  // The courier and waybill come with shipped and stay on later answers
  // (a gateway that missed `shipped` still learns them); the amount belongs
  // to first_topup only.
  if (std::string c = opt_string(data, "courier"); !c.empty()) out.courier = std::move(c);
  if (std::string w = opt_string(data, "waybillNo"); !w.empty()) out.waybill = std::move(w);
  if (out.status == OrderStatus::first_topup) {
    const auto amount = opt_int(data, "topupAmount");
    if (!amount || *amount <= 0) throw BadReply("field 'topupAmount' is missing or not positive");
    out.amount_fen = amount;
  }
}

void register_operations(Dispatcher& ops, const MobilePlugin& plugin) {
  const auto sign = [&plugin](const Outbound& o) { return plugin.build_request(o); };
  const Settings& s = plugin.settings();
  // name, writes, unknown_on_5xx, replayable. Only the real-name check is
  // not replayable: each one is a separate (paid) verification.
  ops.call({op::kPlansList, false, false, true}, s, &plans_prepare, sign, &plans_finish);
  ops.call({op::kInventorySync, false, false, true}, s, &inventory_prepare, sign,
           &inventory_finish);
  // A repeated partnerLockId answers the active lock it already took.
  ops.call({op::kNumberReserve, true, false, true}, s, &reserve_prepare, sign, &reserve_finish);
  // A lock released once is not found the second time (3003, taken as released).
  ops.call({op::kNumberRelease, true, false, true}, s, &release_prepare, sign, &release_finish);
  ops.call({op::kKycVerify, false, false, false}, s, &kyc_prepare, sign, &kyc_finish);
  // A repeated partnerOrderId answers the order it already created.
  ops.call({op::kActivationSubmit, true, true, true}, s, &submit_prepare, sign, &submit_finish);
  ops.call({op::kActivationQuery, false, false, true}, s, &query_prepare, sign, &query_finish);
  register_after_sales(ops, plugin);
}

}  // namespace cgw::mobile
