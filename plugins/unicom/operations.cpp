#include "operations.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <string>

namespace cgw::unicom {
namespace {

constexpr int64_t kMaxPageSize = 5000;
// Far beyond any real pool, and small enough that page_no * page_size
// cannot overflow.
constexpr int64_t kMaxPageNo = 1'000'000'000;

// Input errors name the field, never its value (names and ID numbers are PII).
Error invalid(std::string_view op, std::string_view what) {
  return Error{code::kInvalidArgument,
               "unicom " + std::string(op) + ": " + std::string(what),
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

// What inventory.sync's reply needs: the change position asked for ("" for
// a full listing), or the opaque cursor and the page size of the request.
struct InventoryState {
  std::string since, cursor;
  int64_t size = 0;
};
BOOST_DESCRIBE_STRUCT(InventoryState, (), (since, cursor, size))

// The carrier pages by number (page_no, page_size): the SDK's adapter keeps
// the pass's page size and the last number handed out in the opaque cursor,
// so numbers sold between two pages cause no duplicates.
paging::Pager pager(int64_t size) {
  return paging::Pager(paging::Mode::kPageNumber, size);
}

// ------------------------------------------------------------ plans.list ---

Prepared<> plans_prepare(const json::value&, const Settings&) {
  return Outbound{"plan.list", {}};
}

json::value plans_finish(const json::object& data, const NoState&) {
  PlansListOutput out;
  for (const json::value& v : req_array(data, "products")) {
    const json::object& p = as_object(v, "products[]");
    out.plans.push_back(Plan{req_id(p, "product_code"), req_string(p, "product_name"),
                             req_int(p, "monthly_fee"), req_int(p, "flow_mb"),
                             req_int(p, "voice_min")});
  }
  return json::value_from(out);
}

// -------------------------------------------------------- inventory.sync ---

// The carrier's change position (change_seq): a decimal integer >= 0.
std::optional<int64_t> change_seq(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

Prepared<InventoryState> inventory_prepare(const InventorySyncInput& in, const Settings&) {
  // The carrier serves 1..5000 numbers a page; the gateway's page size is
  // a wish that holds for every carrier, so clamp rather than refuse.
  const int64_t size = std::clamp<int64_t>(in.page_size, 1, kMaxPageSize);
  if (!in.since.empty()) {
    // Incremental: the numbers whose state changed after `since` (a
    // change_cursor of ours, i.e. a change_seq of the carrier).
    const auto since = change_seq(in.since);
    if (!since)
      return invalid(op::kInventorySync, "'since' is not a change position of this carrier");
    return Call<InventoryState>{
        {"number.query", {{"changed_since", in.since}, {"page_size", std::to_string(size)}}},
        {in.since, "", 0}};
  }
  const auto window = pager(size).window(in.cursor);
  if (!window || window->page_no > kMaxPageNo)
    return invalid(op::kInventorySync, "'cursor' is not a cursor of this carrier");
  return Call<InventoryState>{{"number.query",
                               {{"page_no", std::to_string(window->page_no)},
                                {"page_size", std::to_string(window->limit)}}},
                              {"", in.cursor, size}};
}

json::value inventory_finish(const json::object& data, const InventoryState& state) {
  InventorySyncOutput out;
  for (const json::value& v : req_array(data, "numbers")) {
    const json::object& n = as_object(v, "numbers[]");
    NumberItem item;
    item.msisdn = req_id(n, "number");
    item.province = req_string(n, "province");
    item.city = req_string(n, "city");
    item.price_fen = req_int(n, "price");
    if (item.price_fen < 0) throw BadReply("field 'price' is negative");
    const auto status = number_status(req_string(n, "state"));
    if (!status) throw BadReply("field 'state' has an unknown value");
    item.status = *status;
    item.carrier_grade = opt_int(n, "level");
    if (item.carrier_grade && (*item.carrier_grade < 0 || *item.carrier_grade > 10))
      throw BadReply("field 'level' is out of range");
    out.items.push_back(std::move(item));
  }
  const int64_t total = req_int(data, "total");
  if (total < 0) throw BadReply("field 'total' is negative");
  out.total = total;
  // An older carrier release has no change feed: no change_seq, full syncs only.
  const std::optional<int64_t> seq = opt_int(data, "change_seq");
  if (seq && *seq < 0) throw BadReply("field 'change_seq' is negative");
  if (seq) out.change_cursor = std::to_string(*seq);
  if (!state.since.empty()) {
    // The change feed goes on from change_seq; it has no pages of its own.
    if (!seq) throw BadReply("field 'change_seq' is missing from a change feed reply");
    out.has_more = req_bool(data, "has_more");
    const int64_t since = change_seq(state.since).value_or(0);
    if (*seq < since) throw BadReply("field 'change_seq' went back");
    // Without progress the gateway would fetch the same changes forever.
    if (out.has_more && *seq == since)
      throw BadReply("field 'change_seq' did not advance while 'has_more' is true");
    return json::value_from(out);
  }
  // Our own continuation: the numbers we asked for.
  const paging::Pager p = pager(state.size);
  const auto w = p.window(state.cursor).value_or(paging::Window{});
  std::vector<std::string> keys;
  for (const NumberItem& item : out.items) keys.push_back(item.msisdn);
  const bool more = w.page_no < kMaxPageNo && w.page_no * w.limit < total;
  // A total that changed mid-pass (`shifted`) may mean a number was
  // skipped; the next full pass lists it, so the page is kept.
  const paging::Accepted a = p.accept(state.cursor, keys, more, "", total);
  out.items.erase(out.items.begin(), out.items.begin() + static_cast<std::ptrdiff_t>(a.skip));
  out.has_more = a.has_more;
  out.next_cursor = a.next_cursor;
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
                              ? s.lock_minutes
                              : in.hold_seconds / 60 + (in.hold_seconds % 60 != 0 ? 1 : 0);
  return Outbound{"number.lock",
                  {{"number", in.msisdn},
                   {"lock_minutes", std::to_string(minutes)},
                   {"out_lock_id", in.gateway_reservation_id}}};
}

json::value reserve_finish(const json::object& data, const NoState&) {
  const std::string lock_id = req_id(data, "lock_id");
  const auto expires = parse_beijing_timestamp(req_string(data, "expire_time"));
  if (!expires) throw BadReply("field 'expire_time' is not yyyy-MM-dd HH:mm:ss");
  return json::value_from(ReserveOutput{lock_id, *expires});
}

// --------------------------------------------------------- number.release ---

Prepared<> release_prepare(const ReleaseInput& in, const Settings&) {
  if (in.msisdn.empty()) return required(op::kNumberRelease, "msisdn");
  if (in.carrier_reservation_id.empty())
    return required(op::kNumberRelease, "carrier_reservation_id");
  return Outbound{"number.unlock", {{"number", in.msisdn}, {"lock_id", in.carrier_reservation_id}}};
}

json::value release_finish(const json::object&, const NoState&) {
  return json::value_from(ReleaseOutput{true});
}

// ------------------------------------------------------------- kyc.verify ---

Prepared<> kyc_prepare(const KycVerifyInput& in, const Settings&) {
  if (in.name.empty()) return required(op::kKycVerify, "name");
  if (in.id_number.empty()) return required(op::kKycVerify, "id_number");
  Outbound o{"cert.check", {{"cert_name", in.name}, {"cert_no", in.id_number}}};
  if (in.portrait_b64 && !in.portrait_b64->empty())
    o.params.emplace_back("portrait", *in.portrait_b64);
  return o;
}

json::value kyc_finish(const json::object& data, const NoState&) {
  KycVerifyOutput out;
  out.carrier_ref = req_id(data, "check_id");
  const std::string verdict = req_string(data, "result");
  if (verdict == "PASS") {
    out.result = KycResult::passed;
  } else if (verdict == "NOT_PASS" || verdict == "MANUAL_REVIEW") {
    out.result = verdict == "NOT_PASS" ? KycResult::rejected : KycResult::review;
    const std::string rc = opt_string(data, "reason_code");
    // A code outside the table (a newer carrier release) still carries a
    // verdict worth keeping; the gateway sees it as UNKNOWN.
    if (!rc.empty()) out.reasons.emplace_back(kyc_reason(rc).value_or("UNKNOWN"));
  } else {
    throw BadReply("field 'result' has an unknown value");
  }
  return json::value_from(out);
}

// ------------------------------------------------------ activation.submit ---

Prepared<ActivationQueryInput> submit_prepare(const ActivationSubmitInput& in, const Settings&) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"gateway_order_id", &in.gateway_order_id},
      {"msisdn", &in.msisdn},
      {"plan_id", &in.plan_id},
      {"carrier_reservation_id", &in.carrier_reservation_id},
      {"name", &in.name},
      {"id_number", &in.id_number}};
  for (const auto& [field, value] : fields)
    if (value->empty()) return required(op::kActivationSubmit, field);
  Outbound o{"order.create",
             {{"out_order_id", in.gateway_order_id},
              {"number", in.msisdn},
              {"lock_id", in.carrier_reservation_id},
              {"product_code", in.plan_id},
              {"cert_name", in.name},
              {"cert_no", in.id_number}}};
  // Empty contact fields are left out: empty parameters are not signed, so
  // sending them would only add bytes.
  const std::pair<const char*, const std::string*> contact[] = {
      {"contact_name", &in.delivery.name},
      {"contact_phone", &in.delivery.phone},
      {"contact_address", &in.delivery.address}};
  for (const auto& [name, value] : contact)
    if (!value->empty()) o.params.emplace_back(name, *value);
  ActivationQueryInput state;
  state.gateway_order_id = in.gateway_order_id;
  return Call<ActivationQueryInput>{std::move(o), std::move(state)};
}

json::value submit_finish(const json::object& data, const ActivationQueryInput& state) {
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "order_id");
  check_same_order(data, state, out.carrier_order_id);
  // "0000" means the carrier accepted the order; a resubmission returns the
  // existing order, whose state may already be final.
  if (data.contains("order_state") && !data.at("order_state").is_null())
    read_order_state(data, out);
  else
    out.status = OrderStatus::submitted;
  return json::value_from(out);
}

// ------------------------------------------------------- activation.query ---

Prepared<ActivationQueryInput> query_prepare(const ActivationQueryInput& in, const Settings&) {
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid(op::kActivationQuery, "'gateway_order_id' or 'carrier_order_id' is required");
  Outbound o{"order.query", {}};
  if (!in.gateway_order_id.empty()) o.params.emplace_back("out_order_id", in.gateway_order_id);
  if (!in.carrier_order_id.empty()) o.params.emplace_back("order_id", in.carrier_order_id);
  // The input comes back with the reply: is it about the order we asked for?
  return Call<ActivationQueryInput>{std::move(o), in};
}

json::value query_finish(const json::object& data, const ActivationQueryInput& state) {
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "order_id");
  read_order_state(data, out);
  check_same_order(data, state, out.carrier_order_id);
  return json::value_from(out);
}

}  // namespace

void register_operations(Dispatcher& ops, const UnicomPlugin& plugin) {
  const auto sign = [&plugin](const Outbound& o) { return plugin.build_request(o); };
  const Settings& s = plugin.settings();
  // name, writes, unknown_on_5xx, replayable (every call is a form POST;
  // queries and lists change nothing). Only the real-name check is not
  // replayable: each one is a separate (paid) verification.
  ops.call({op::kPlansList, false, false, true}, s, &plans_prepare, sign, &plans_finish);
  ops.call({op::kInventorySync, false, false, true}, s, &inventory_prepare, sign,
           &inventory_finish);
  // A repeated out_lock_id answers the active lock it already took.
  ops.call({op::kNumberReserve, true, false, true}, s, &reserve_prepare, sign, &reserve_finish);
  // A lock released once is not found the second time (3003, taken as released).
  ops.call({op::kNumberRelease, true, false, true}, s, &release_prepare, sign, &release_finish);
  ops.call({op::kKycVerify, false, false, false}, s, &kyc_prepare, sign, &kyc_finish);
  // A repeated out_order_id answers the order it already created.
  ops.call({op::kActivationSubmit, true, true, true}, s, &submit_prepare, sign, &submit_finish);
  ops.call({op::kActivationQuery, false, false, true}, s, &query_prepare, sign, &query_finish);
  register_aftersales(ops, plugin);
}

}  // namespace cgw::unicom
