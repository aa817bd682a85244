// The after-sales operations of ABI 1.3 (docs/carriers/mvno.md, "After-sales"):
// order cancellation, the line's status and balance, top-ups, SIM
// replacement, suspension and resumption. Every write is deduplicated by the
// carrier on the partner's number for it, so all of them are replayable, and
// a lost answer leaves the outcome unknown (OpTraits::writes).
#include "number_segments.hpp"
#include "operations.hpp"

#include <algorithm>

namespace cgw::mvno {
namespace {

// The carrier's limit for one top-up, in fen (5000 yuan).
constexpr int64_t kMaxRechargeFen = 500'000;
// The partner's reason codes travel upper-cased; the carrier takes 1..32.
constexpr size_t kMaxReasonLength = 32;

std::string prefix(std::string_view op) {
  return "mvno " + std::string(op) + ": ";
}

bool is_reason_code(std::string_view s) {
  return !s.empty() && s.size() <= kMaxReasonLength && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A number outside the MVNO segments cannot be a line of this carrier: the
// answer is known without a call.
std::optional<Error> check_msisdn(std::string_view op, const std::string& msisdn) {
  if (msisdn.empty()) return required_input(prefix(op), "msisdn");
  if (!host_network_of(msisdn))
    return Error{code::kSubscriberNotFound, prefix(op) + "not an MVNO number", {}, false, false};
  return std::nullopt;
}

Outbound post(std::string path, json::object body) {
  return Outbound{std::move(path), std::move(body)};
}

// ------------------------------------------------------ activation.cancel ---

Prepared<ActivationCancelInput> cancel_prepare(const ActivationCancelInput& in, const MvnoPlugin&) {
  const std::string p = prefix(op::kActivationCancel);
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid_input(p, "'gateway_order_id' or 'carrier_order_id' is required");
  const std::string reason = in.reason.empty() ? "customer_request" : in.reason;
  if (!is_reason_code(reason)) return invalid_input(p, "'reason' is not a reason code");
  json::object body;
  if (!in.gateway_order_id.empty()) body["partnerOrderNo"] = in.gateway_order_id;
  if (!in.carrier_order_id.empty()) body["orderNo"] = in.carrier_order_id;
  body["cancelReason"] = carrier_reason(reason);
  return Call<ActivationCancelInput>{post("/openapi/v1/order/cancel", std::move(body)), in};
}

json::value cancel_finish(const json::object& data, const ActivationCancelInput& in) {
  const std::string got_co = req_id(data, "orderNo");
  const std::string got_gw = req_id(data, "partnerOrderNo");
  if ((!in.gateway_order_id.empty() && in.gateway_order_id != got_gw) ||
      (!in.carrier_order_id.empty() && in.carrier_order_id != got_co))
    throw BadReply("reply is about another order");
  ActivationCancelOutput out;
  const std::string verdict = req_string(data, "cancelResult");
  if (verdict == "CANCELLED") {
    out.result = CancelResult::cancelled;
  } else if (verdict == "REFUSED") {
    // The carrier's verdict, not an error: the order goes on as it was.
    out.result = CancelResult::refused;
    const std::string why = req_id(data, "refuseReason");
    if (!plausible_code(why, kMaxReasonLength))
      throw BadReply("field 'refuseReason' is not a code");
    out.reason = gateway_reason(why);
  } else {
    throw BadReply("field 'cancelResult' has an unknown value");
  }
  return json::value_from(out);
}

// ------------------------------------------------------- subscriber.query ---

Prepared<SubscriberQueryInput> subscriber_prepare(const SubscriberQueryInput& in,
                                                  const MvnoPlugin&) {
  if (auto e = check_msisdn(op::kSubscriberQuery, in.msisdn)) return std::move(*e);
  return Call<SubscriberQueryInput>{post("/openapi/v1/subscriber/query", {{"msisdn", in.msisdn}}),
                                    in};
}

json::value subscriber_finish(const json::object& data, const SubscriberQueryInput& in) {
  return json::value_from(read_line(data, in.msisdn));
}

// -------------------------------------- subscriber.recharge, recharge_query ---

Prepared<RechargeInput> recharge_prepare(const RechargeInput& in, const MvnoPlugin&) {
  const std::string p = prefix(op::kSubscriberRecharge);
  if (in.gateway_recharge_id.empty()) return required_input(p, "gateway_recharge_id");
  if (auto e = check_msisdn(op::kSubscriberRecharge, in.msisdn)) return std::move(*e);
  if (in.amount_fen <= 0 || in.amount_fen > kMaxRechargeFen)
    return invalid_input(p, "'amount_fen' is outside 1..500000");
  return Call<RechargeInput>{
      post("/openapi/v1/recharge/create", {{"partnerRechargeNo", in.gateway_recharge_id},
                                           {"msisdn", in.msisdn},
                                           {"amount", in.amount_fen}}),
      in};
}

// rechargeStatus and what comes with it. NOT_FOUND is only a query's answer:
// it lets the gateway send the top-up again, so it is never guessed.
RechargeOutput read_recharge(const json::object& data, const std::string& asked_id, bool is_query) {
  if (req_id(data, "partnerRechargeNo") != asked_id)
    throw BadReply("reply is about another recharge");
  RechargeOutput out;
  const std::string status = req_string(data, "rechargeStatus");
  if (status == "SUCCESS") {
    out.result = RechargeResult::succeeded;
    out.carrier_recharge_id = req_id(data, "rechargeNo");
    out.balance_fen = opt_int(data, "balance");
  } else if (status == "FAILED") {
    out.result = RechargeResult::failed;
    out.carrier_recharge_id = opt_string(data, "rechargeNo");
    out.reason = read_reason(data, "failCode");
  } else if (status == "NOT_FOUND" && is_query) {
    out.result = RechargeResult::not_found;
  } else {
    throw BadReply("field 'rechargeStatus' has an unknown value");
  }
  return out;
}

json::value recharge_finish(const json::object& data, const RechargeInput& in) {
  return json::value_from(read_recharge(data, in.gateway_recharge_id, false));
}

Prepared<RechargeQueryInput> recharge_query_prepare(const RechargeQueryInput& in,
                                                    const MvnoPlugin&) {
  const std::string p = prefix(op::kSubscriberRechargeQuery);
  if (in.gateway_recharge_id.empty()) return required_input(p, "gateway_recharge_id");
  if (auto e = check_msisdn(op::kSubscriberRechargeQuery, in.msisdn)) return std::move(*e);
  return Call<RechargeQueryInput>{
      post("/openapi/v1/recharge/query",
           {{"partnerRechargeNo", in.gateway_recharge_id}, {"msisdn", in.msisdn}}),
      in};
}

json::value recharge_query_finish(const json::object& data, const RechargeQueryInput& in) {
  return json::value_from(read_recharge(data, in.gateway_recharge_id, true));
}

// -------------------------------------------------- subscriber.sim_replace ---

Prepared<> replace_prepare(const SimReplaceInput& in, const MvnoPlugin& plugin) {
  const std::string p = prefix(op::kSubscriberSimReplace);
  const std::pair<const char*, const std::string*> fields[] = {
      {"gateway_replacement_id", &in.gateway_replacement_id},
      {"name", &in.name},
      {"id_number", &in.id_number},
      {"reason", &in.reason},
      {"delivery.name", &in.delivery.name},
      {"delivery.phone", &in.delivery.phone},
      {"delivery.address", &in.delivery.address}};
  for (const auto& [field, value] : fields)
    if (value->empty()) return required_input(p, field);
  if (in.reason != "lost" && in.reason != "damaged")
    return invalid_input(p, "'reason' is neither 'lost' nor 'damaged'");
  if (auto e = check_msisdn(op::kSubscriberSimReplace, in.msisdn)) return std::move(*e);
  // A replacement is an order of the carrier's (order/query finds it by
  // partnerOrderNo), and the holder's ID number goes out sealed as in order/create.
  return post("/openapi/v1/sim/replace", {{"partnerOrderNo", in.gateway_replacement_id},
                                          {"msisdn", in.msisdn},
                                          {"certName", in.name},
                                          {"certNoEnc", plugin.seal_id_number(in.id_number)},
                                          {"replaceReason", carrier_reason(in.reason)},
                                          {"receiver",
                                           {{"name", in.delivery.name},
                                            {"phone", in.delivery.phone},
                                            {"address", in.delivery.address}}},
                                          {"notifyUrl", plugin.settings().callback_url}});
}

json::value replace_finish(const json::object& data, const NoState&) {
  return json::value_from(read_order_reply(data));
}

// ------------------------------------------- subscriber.suspend, resume ---

Prepared<SubscriberChangeInput> change_prepare(std::string_view op, std::string path,
                                               const SubscriberChangeInput& in) {
  const std::string p = prefix(op);
  if (in.gateway_request_id.empty()) return required_input(p, "gateway_request_id");
  if (auto e = check_msisdn(op, in.msisdn)) return std::move(*e);
  const std::string reason = in.reason.empty() ? "holder_request" : in.reason;
  if (!is_reason_code(reason)) return invalid_input(p, "'reason' is not a reason code");
  return Call<SubscriberChangeInput>{
      post(std::move(path), {{"partnerRequestNo", in.gateway_request_id},
                             {"msisdn", in.msisdn},
                             {"reasonCode", carrier_reason(reason)}}),
      in};
}

Prepared<SubscriberChangeInput> suspend_prepare(const SubscriberChangeInput& in,
                                                const MvnoPlugin&) {
  return change_prepare(op::kSubscriberSuspend, "/openapi/v1/subscriber/suspend", in);
}

Prepared<SubscriberChangeInput> resume_prepare(const SubscriberChangeInput& in, const MvnoPlugin&) {
  return change_prepare(op::kSubscriberResume, "/openapi/v1/subscriber/resume", in);
}

json::value change_finish(const json::object& data, const SubscriberChangeInput& in) {
  return json::value_from(read_line(data, in.msisdn));
}

}  // namespace

void register_after_sales(Dispatcher& ops, const MvnoPlugin& plugin) {
  const auto sign = [&plugin](const Outbound& o) { return plugin.build_request(o); };
  // name, writes, unknown_on_5xx, replayable. Each write is deduplicated by
  // the carrier (partnerOrderNo, partnerRechargeNo) or idempotent (a
  // cancelled order, a suspended line answer as they are), so a 5xx may hide
  // an applied write and a replay does no harm.
  ops.call({op::kActivationCancel, true, true, true}, plugin, &cancel_prepare, sign,
           &cancel_finish);
  ops.call({op::kSubscriberQuery, false, false, true}, plugin, &subscriber_prepare, sign,
           &subscriber_finish);
  ops.call({op::kSubscriberRecharge, true, true, true}, plugin, &recharge_prepare, sign,
           &recharge_finish);
  ops.call({op::kSubscriberRechargeQuery, false, false, true}, plugin, &recharge_query_prepare,
           sign, &recharge_query_finish);
  ops.call({op::kSubscriberSimReplace, true, true, true}, plugin, &replace_prepare, sign,
           &replace_finish);
  ops.call({op::kSubscriberSuspend, true, true, true}, plugin, &suspend_prepare, sign,
           &change_finish);
  ops.call({op::kSubscriberResume, true, true, true}, plugin, &resume_prepare, sign,
           &change_finish);
}

}  // namespace cgw::mvno
