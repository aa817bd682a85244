// plans.list, inventory.sync, number.reserve, number.release, kyc.verify:
// one carrier call each (docs/carriers/telecom.md, "Calls").
#include "operations.hpp"

#include <algorithm>
#include <array>

namespace cgw::telecom {

Error invalid_input(std::string_view op, std::string_view what) {
  std::string m = "telecom ";
  m.append(op).append(": ").append(what);
  return Error{code::kInvalidArgument, std::move(m), {}, false, false};
}

Error field_problem(std::string_view op, std::string_view field, std::string_view problem) {
  // Built with append(): GCC 12 reports a false -Wrestrict on "'" + string.
  std::string what(1, '\'');
  what.append(field).append("' ").append(problem);
  return invalid_input(op, what);
}

Error required_input(std::string_view op, std::string_view field) {
  return field_problem(op, field, "is required");
}

std::string ctx_string(const json::object& ctx, std::string_view key) {
  const json::value* v = ctx.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

namespace {

constexpr int64_t kMaxPageSize = 5000;
constexpr int64_t kMinHoldSeconds = 60;

template <class T>
T input_as(const json::value& input) {
  // A missing input means "all defaults" for the operations that have them.
  return input.is_null() ? T{} : json::value_to<T>(input);
}

// Checks the fields that go into XML; the error names the field only.
std::optional<Error> unsafe_field(
    std::string_view op, std::initializer_list<std::pair<const char*, std::string_view>> f) {
  for (const auto& [name, value] : f)
    if (!xml::safe(value)) return field_problem(op, name, "contains control characters");
  return std::nullopt;
}

std::string get_str(const json::object& ctx, const char* key) {
  return ctx_string(ctx, key);
}

// ------------------------------------------------------------ plans.list ---

Prepared plans_prepare(const json::value&, const Settings&) {
  return Begin{"plans.list", {}};
}

std::string plans_request(const json::object&, const Settings&) {
  return xml::Builder("Request").str();
}

StageResult plans_finish(pugi::xml_node data, json::object&) {
  PlansListOutput out;
  for (pugi::xml_node p : list_of(req_child(data, "Plans"), "Plan"))
    out.plans.push_back(Plan{req_id(p, "PlanCode"), req_text(p, "PlanName"),
                             req_int(p, "MonthlyFee"), req_int(p, "DataMB"),
                             req_int(p, "VoiceMinutes")});
  return json::value_from(out);
}

// -------------------------------------------------------- inventory.sync ---

// The carrier's change position (<ChangeSeq>): a decimal integer >= 0.
std::optional<int64_t> change_seq(std::string_view s) {
  const auto v = parse_int(s);
  if (!v || *v < 0 || s.front() == '-') return std::nullopt;
  return v;
}

Prepared inventory_prepare(const json::value& input, const Settings&) {
  const auto in = input_as<InventorySyncInput>(input);
  // The carrier serves 1..5000 numbers a page; the gateway's page size is a
  // wish that holds for every carrier, so clamp rather than refuse.
  const int64_t size = std::clamp<int64_t>(in.page_size, 1, kMaxPageSize);
  if (!in.since.empty()) {
    // Incremental: the numbers whose state changed after `since` (a
    // change_cursor of ours, i.e. a <ChangeSeq> of the carrier).
    const auto since = change_seq(in.since);
    if (!since)
      return invalid_input(op::kInventorySync, "'since' is not a change position of this carrier");
    return Begin{"numbers.query", {{"since", *since}, {"page_size", size}}};
  }
  if (auto e = unsafe_field(op::kInventorySync, {{"cursor", in.cursor}})) return *e;
  return Begin{"numbers.query", {{"cursor", in.cursor}, {"page_size", size}}};
}

std::string inventory_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  if (const json::value* since = ctx.if_contains("since"))
    xml::Builder::add(b.root(), "ChangedSince", std::to_string(since->as_int64()));
  else
    xml::Builder::add(b.root(), "Cursor", get_str(ctx, "cursor"));
  xml::Builder::add(b.root(), "PageSize", std::to_string(ctx.at("page_size").as_int64()));
  return b.str();
}

NumberState number_status(std::string_view status) {
  if (status == "FREE") return NumberState::available;
  if (status == "LOCKED") return NumberState::reserved;
  if (status == "SOLD") return NumberState::sold;
  throw BadReply("element 'Status' has an unknown value");
}

StageResult inventory_finish(pugi::xml_node data, json::object& ctx) {
  InventorySyncOutput out;
  for (pugi::xml_node n : list_of(req_child(data, "Numbers"), "Number")) {
    NumberItem item;
    item.msisdn = req_id(n, "Msisdn");
    item.province = req_text(n, "Province");
    item.city = req_text(n, "City");
    item.price_fen = req_int(n, "Price");
    if (item.price_fen < 0) throw BadReply("element 'Price' is negative");
    item.status = number_status(req_text(n, "Status"));
    item.carrier_grade = opt_int(n, "Grade");
    if (item.carrier_grade && (*item.carrier_grade < 0 || *item.carrier_grade > 10))
      throw BadReply("element 'Grade' is out of range");
    out.items.push_back(std::move(item));
  }
  out.has_more = req_bool(data, "HasMore");
  out.total = opt_int(data, "Total");
  if (out.total && *out.total < 0) throw BadReply("element 'Total' is negative");
  // An older carrier release has no change feed: no <ChangeSeq>, full syncs only.
  const std::optional<int64_t> seq = opt_int(data, "ChangeSeq");
  if (seq && *seq < 0) throw BadReply("element 'ChangeSeq' is negative");
  if (seq) out.change_cursor = std::to_string(*seq);
  if (const json::value* since = ctx.if_contains("since")) {
    // The change feed goes on from <ChangeSeq>; it has no cursor of its own.
    if (!seq) throw BadReply("element 'ChangeSeq' is missing from a change feed reply");
    if (*seq < since->as_int64()) throw BadReply("element 'ChangeSeq' went back");
    // Without progress the gateway would fetch the same changes forever.
    if (out.has_more && *seq == since->as_int64())
      throw BadReply("element 'ChangeSeq' did not advance while 'HasMore' is true");
    return json::value_from(out);
  }
  out.next_cursor = opt_text(data, "NextCursor");
  // Without a cursor the gateway would fetch the first page again forever.
  if (out.has_more && out.next_cursor.empty())
    throw BadReply("element 'NextCursor' is empty while 'HasMore' is true");
  return json::value_from(out);
}

// --------------------------------------------------------- number.reserve ---

Prepared reserve_prepare(const json::value& input, const Settings& s) {
  const auto in = json::value_to<ReserveInput>(input);
  if (in.msisdn.empty()) return required_input(op::kNumberReserve, "msisdn");
  if (in.gateway_reservation_id.empty())
    return required_input(op::kNumberReserve, "gateway_reservation_id");
  if (in.hold_seconds < 0) return invalid_input(op::kNumberReserve, "'hold_seconds' is negative");
  if (auto e = unsafe_field(
          op::kNumberReserve,
          {{"msisdn", in.msisdn}, {"gateway_reservation_id", in.gateway_reservation_id}}))
    return *e;
  // The carrier holds at least a minute; a longer hold than asked is harmless.
  const int64_t hold =
      in.hold_seconds == 0 ? s.hold_seconds : std::max(in.hold_seconds, kMinHoldSeconds);
  return Begin{"numbers.reserve",
               {{"msisdn", in.msisdn}, {"partner_id", in.gateway_reservation_id}, {"hold", hold}}};
}

std::string reserve_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "Msisdn", get_str(ctx, "msisdn"));
  xml::Builder::add(b.root(), "HoldSeconds", std::to_string(ctx.at("hold").as_int64()));
  xml::Builder::add(b.root(), "PartnerReserveId", get_str(ctx, "partner_id"));
  return b.str();
}

StageResult reserve_finish(pugi::xml_node data, json::object&) {
  return json::value_from(ReserveOutput{req_id(data, "ReserveId"), req_int(data, "ExpireTime")});
}

// --------------------------------------------------------- number.release ---

Prepared release_prepare(const json::value& input, const Settings&) {
  const auto in = json::value_to<ReleaseInput>(input);
  if (in.msisdn.empty()) return required_input(op::kNumberRelease, "msisdn");
  if (in.carrier_reservation_id.empty())
    return required_input(op::kNumberRelease, "carrier_reservation_id");
  if (auto e = unsafe_field(
          op::kNumberRelease,
          {{"msisdn", in.msisdn}, {"carrier_reservation_id", in.carrier_reservation_id}}))
    return *e;
  return Begin{"numbers.release",
               {{"msisdn", in.msisdn}, {"reserve_id", in.carrier_reservation_id}}};
}

std::string release_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "Msisdn", get_str(ctx, "msisdn"));
  xml::Builder::add(b.root(), "ReserveId", get_str(ctx, "reserve_id"));
  return b.str();
}

StageResult release_finish(pugi::xml_node, json::object&) {
  return json::value_from(ReleaseOutput{true});
}

// ------------------------------------------------------------- kyc.verify ---

Prepared kyc_prepare(const json::value& input, const Settings&) {
  const auto in = json::value_to<KycVerifyInput>(input);
  if (in.name.empty()) return required_input(op::kKycVerify, "name");
  if (in.id_number.empty()) return required_input(op::kKycVerify, "id_number");
  const std::string portrait = in.portrait_b64.value_or("");
  if (auto e = unsafe_field(
          op::kKycVerify,
          {{"name", in.name}, {"id_number", in.id_number}, {"portrait_b64", portrait}}))
    return *e;
  json::object ctx{{"name", in.name}, {"id_number", in.id_number}};
  if (!portrait.empty()) ctx["portrait"] = portrait;
  return Begin{"realname.check", std::move(ctx)};
}

std::string kyc_request(const json::object& ctx, const Settings&) {
  xml::Builder b("Request");
  xml::Builder::add(b.root(), "CertType", "ID_CARD");
  xml::Builder::add(b.root(), "CertName", get_str(ctx, "name"));
  xml::Builder::add(b.root(), "CertNo", get_str(ctx, "id_number"));
  if (const std::string p = get_str(ctx, "portrait"); !p.empty())
    xml::Builder::add(b.root(), "Portrait", p);
  return b.str();
}

StageResult kyc_finish(pugi::xml_node data, json::object&) {
  KycVerifyOutput out;
  out.carrier_ref = req_id(data, "CheckId");
  const std::string verdict = req_text(data, "Result");
  const std::string reason = opt_text(data, "ReasonCode");
  if (!reason.empty() && !plausible_code(reason))
    throw BadReply("element 'ReasonCode' is malformed");
  if (verdict == "PASS") {
    out.result = KycResult::passed;
  } else if (verdict == "REJECT" || verdict == "REVIEW") {
    out.result = verdict == "REJECT" ? KycResult::rejected : KycResult::review;
    // A code outside the table (a newer carrier release) still carries a
    // verdict worth keeping; the gateway sees it as UNKNOWN.
    if (!reason.empty()) out.reasons.emplace_back(kyc_reason(reason).value_or("UNKNOWN"));
  } else {
    throw BadReply("element 'Result' has an unknown value");
  }
  return json::value_from(out);
}

const std::array<Operation, 5> kOperations{{
    {op::kPlansList, &plans_prepare},
    {op::kInventorySync, &inventory_prepare},
    {op::kNumberReserve, &reserve_prepare},
    {op::kNumberRelease, &release_prepare},
    {op::kKycVerify, &kyc_prepare},
}};

// name, path, writes, unknown_on_5xx, replayable. Only the real-name check
// is not replayable: each one is a separate (paid) verification.
const std::array<Stage, 5> kStages{{
    {"plans.list", "/api/v1/plans/list", false, false, true, &plans_request, &plans_finish},
    {"numbers.query", "/api/v1/numbers/query", false, false, true, &inventory_request,
     &inventory_finish},
    // A repeated PartnerReserveId answers the active reservation it took.
    {"numbers.reserve", "/api/v1/numbers/reserve", true, false, true, &reserve_request,
     &reserve_finish},
    // Released once, not found the second time (30003, taken as released).
    {"numbers.release", "/api/v1/numbers/release", true, false, true, &release_request,
     &release_finish},
    {"realname.check", "/api/v1/realname/check", false, false, false, &kyc_request, &kyc_finish},
}};

}  // namespace

std::span<const Operation> catalogue_operations() {
  return kOperations;
}
std::span<const Stage> catalogue_stages() {
  return kStages;
}

const Stage* find_stage(std::string_view name) {
  for (auto stages : {catalogue_stages(), order_stages(), aftersales_stages()})
    for (const auto& s : stages)
      if (s.name == name) return &s;
  return nullptr;
}

}  // namespace cgw::telecom
