// The after-sales operations of the mobile protocol (ABI 1.3,
// docs/carriers/mobile.md "After-sales"): cancel, subscriber query,
// recharge and its query, SIM replacement, suspend and resume.
#include "operations.hpp"

#include <optional>
#include <string>

namespace cgw::mobile {

// The state a recharge's reply is checked against: is it about our top-up?
struct RechargeState {
  std::string gateway_recharge_id;
};
BOOST_DESCRIBE_STRUCT(RechargeState, (), (gateway_recharge_id))

namespace {

Error invalid(std::string_view op, std::string what) {
  return Error{code::kInvalidArgument, "mobile " + std::string(op) + ": " + what, {}, false, false};
}

Error required(std::string_view op, std::string_view field) {
  std::string what(1, '\'');
  what.append(field).append("' is required");
  return invalid(op, what);
}

Outbound post(std::string path, json::object body) {
  return Outbound{"POST", std::move(path), {}, std::move(body)};
}

// A business refusal that is an answer of the operation, not an error
// (null: an error after all).
using Verdict = json::value (*)(const Error&);

// Dispatcher::call() with the business codes `verdict` recognizes turned
// into results (a refused cancel, a recharge the carrier never received).
template <class Input, class State>
void call_with_verdicts(Dispatcher& ops, OpTraits traits, const MobilePlugin& plugin,
                        Prepared<State> (*prepare)(const Input&, const Settings&),
                        json::value (*finish)(const json::object&, const State&), Verdict verdict) {
  ops.on<Input, State>(
      traits,
      [&plugin, prepare](const Input& in) -> Next<State> {
        Prepared<State> p = prepare(in, plugin.settings());
        if (auto* e = std::get_if<Error>(&p)) return Step::fail(std::move(*e));
        auto& c = std::get<Call<State>>(p);
        return Send<State>{plugin.build_request(c.request), std::move(c.state)};
      },
      [traits, finish, verdict](const State& s, const HttpResponse& r) -> Next<State> {
        auto reply = unwrap_reply(r, traits);
        if (auto* e = std::get_if<Error>(&reply)) {
          json::value v = verdict ? verdict(*e) : json::value();
          if (!v.is_null()) return Step::done(std::move(v));
          return Step::fail(std::move(*e));
        }
        return Step::done(finish(std::get<json::object>(reply), s));
      });
}

// ---------------------------------------------------- activation.cancel ---

Prepared<> cancel_prepare(const ActivationCancelInput& in, const Settings&) {
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid(op::kActivationCancel, "'gateway_order_id' or 'carrier_order_id' is required");
  if (in.reason.size() > 64) return invalid(op::kActivationCancel, "'reason' is too long");
  json::object body;
  if (!in.gateway_order_id.empty()) body["partnerOrderId"] = in.gateway_order_id;
  if (!in.carrier_order_id.empty()) body["orderId"] = in.carrier_order_id;
  if (!in.reason.empty()) body["reason"] = in.reason;
  return post("/open/v1/orders/cancel", std::move(body));
}

json::value cancel_finish(const json::object& data, const NoState&) {
  if (req_string(data, "orderState") != "CANCELLED")
    throw BadReply("field 'orderState' is not CANCELLED");
  return json::value_from(ActivationCancelOutput{CancelResult::cancelled, ""});
}

json::value cancel_verdict(const Error& e) {
  const char* reason = e.carrier_code == "5003"   ? "already_shipped"
                       : e.carrier_code == "5004" ? "already_activated"
                       : e.carrier_code == "5005" ? "already_finished"
                                                  : nullptr;
  if (!reason) return nullptr;
  return json::value_from(ActivationCancelOutput{CancelResult::refused, reason});
}

// ----------------------------------------------------- subscriber.query ---

SubscriberStatus subscriber_status(std::string_view word) {
  if (word == "ACTIVE") return SubscriberStatus::active;
  if (word == "SUSPENDED") return SubscriberStatus::suspended;
  if (word == "CANCELLED") return SubscriberStatus::cancelled;
  throw BadReply("field 'status' has an unknown value");
}

json::value subscriber_finish(const json::object& data, const NoState&) {
  SubscriberInfo out;
  out.status = subscriber_status(req_string(data, "status"));
  out.plan_id = opt_string(data, "planCode");
  out.balance_fen = req_int(data, "balance");
  out.data_left_mb = opt_int(data, "dataLeftMb");
  out.voice_left_minutes = opt_int(data, "voiceLeftMin");
  out.reason = opt_string(data, "reason");
  return json::value_from(out);
}

Prepared<> subscriber_prepare(const SubscriberQueryInput& in, const Settings&) {
  if (in.msisdn.empty()) return required(op::kSubscriberQuery, "msisdn");
  return Outbound{"GET", "/open/v1/subscribers/query", {{"msisdn", in.msisdn}}, {}};
}

// --------------------------------------- subscriber.recharge and query ---

Prepared<RechargeState> recharge_prepare(const RechargeInput& in, const Settings&) {
  if (in.gateway_recharge_id.empty())
    return required(op::kSubscriberRecharge, "gateway_recharge_id");
  if (in.msisdn.empty()) return required(op::kSubscriberRecharge, "msisdn");
  if (in.amount_fen <= 0) return invalid(op::kSubscriberRecharge, "'amount_fen' must be > 0");
  return Call<RechargeState>{
      post("/open/v1/recharges", {{"partnerRechargeId", in.gateway_recharge_id},
                                  {"msisdn", in.msisdn},
                                  {"amount", in.amount_fen}}),
      RechargeState{in.gateway_recharge_id}};
}

Prepared<RechargeState> recharge_query_prepare(const RechargeQueryInput& in, const Settings&) {
  if (in.gateway_recharge_id.empty())
    return required(op::kSubscriberRechargeQuery, "gateway_recharge_id");
  return Call<RechargeState>{
      Outbound{
          "GET", "/open/v1/recharges/query", {{"partnerRechargeId", in.gateway_recharge_id}}, {}},
      RechargeState{in.gateway_recharge_id}};
}

json::value recharge_finish(const json::object& data, const RechargeState& state) {
  const std::string got = opt_string(data, "partnerRechargeId");
  if (!got.empty() && got != state.gateway_recharge_id)
    throw BadReply("reply is about another recharge");
  RechargeOutput out;
  const std::string word = req_string(data, "rechargeState");
  if (word == "SUCCESS")
    out.result = RechargeResult::succeeded;
  else if (word == "FAILED")
    out.result = RechargeResult::failed;
  else
    throw BadReply("field 'rechargeState' has an unknown value");
  out.carrier_recharge_id = req_id(data, "rechargeId");
  if (*out.result == RechargeResult::failed) out.reason = opt_string(data, "failReason");
  out.balance_fen = opt_int(data, "balance");
  return json::value_from(out);
}

json::value recharge_query_verdict(const Error& e) {
  if (e.carrier_code != "6002") return nullptr;  // recharge not found
  RechargeOutput out;
  out.result = RechargeResult::not_found;
  return json::value_from(out);
}

// ----------------------------------------------- subscriber.sim_replace ---

Prepared<> sim_replace_prepare(const SimReplaceInput& in, const Settings& s) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"gateway_replacement_id", &in.gateway_replacement_id},
      {"msisdn", &in.msisdn},
      {"name", &in.name},
      {"id_number", &in.id_number}};
  for (const auto& [field, value] : fields)
    if (value->empty()) return required(op::kSubscriberSimReplace, field);
  const char* reason = in.reason == "lost" ? "LOST" : in.reason == "damaged" ? "DAMAGED" : nullptr;
  if (!reason) return invalid(op::kSubscriberSimReplace, "'reason' must be lost or damaged");
  return post("/open/v1/subscribers/sim-replace", {{"partnerReplaceId", in.gateway_replacement_id},
                                                   {"msisdn", in.msisdn},
                                                   {"certName", in.name},
                                                   {"certNo", in.id_number},
                                                   {"reason", reason},
                                                   {"contact",
                                                    {{"name", in.delivery.name},
                                                     {"phone", in.delivery.phone},
                                                     {"address", in.delivery.address}}},
                                                   {"notifyUrl", s.callback_url}});
}

json::value sim_replace_finish(const json::object& data, const NoState&) {
  ActivationStatusOutput out;
  out.carrier_order_id = req_id(data, "orderId");
  read_order_fields(data, out);
  return json::value_from(out);
}

// ------------------------------------------ subscriber.suspend / resume ---

template <const char* Op, const char* Path>
Prepared<> change_prepare(const SubscriberChangeInput& in, const Settings&) {
  if (in.gateway_request_id.empty()) return required(Op, "gateway_request_id");
  if (in.msisdn.empty()) return required(Op, "msisdn");
  if (in.reason.size() > 64) return invalid(Op, "'reason' is too long");
  json::object body{{"partnerRequestId", in.gateway_request_id}, {"msisdn", in.msisdn}};
  if (!in.reason.empty()) body["reason"] = in.reason;
  return post(Path, std::move(body));
}

constexpr char kSuspendPath[] = "/open/v1/subscribers/suspend";
constexpr char kResumePath[] = "/open/v1/subscribers/resume";
constexpr char kSuspendOp[] = "subscriber.suspend";
constexpr char kResumeOp[] = "subscriber.resume";

}  // namespace

void register_after_sales(Dispatcher& ops, const MobilePlugin& plugin) {
  const auto sign = [&plugin](const Outbound& o) { return plugin.build_request(o); };
  const Settings& s = plugin.settings();
  // Every write here is deduplicated or idempotent at the carrier
  // (partnerRechargeId, partnerReplaceId; cancelling, suspending and
  // resuming twice change nothing), so all are replayable; a lost or 5xx
  // answer leaves the outcome unknown (a proxy may answer after the commit).
  call_with_verdicts(ops, {op::kActivationCancel, true, true, true}, plugin, &cancel_prepare,
                     &cancel_finish, &cancel_verdict);
  ops.call({op::kSubscriberQuery, false, false, true}, s, &subscriber_prepare, sign,
           &subscriber_finish);
  ops.call({op::kSubscriberRecharge, true, true, true}, s, &recharge_prepare, sign,
           &recharge_finish);
  call_with_verdicts(ops, {op::kSubscriberRechargeQuery, false, false, true}, plugin,
                     &recharge_query_prepare, &recharge_finish, &recharge_query_verdict);
  ops.call({op::kSubscriberSimReplace, true, true, true}, s, &sim_replace_prepare, sign,
           &sim_replace_finish);
  ops.call({op::kSubscriberSuspend, true, true, true}, s, &change_prepare<kSuspendOp, kSuspendPath>,
           sign, &subscriber_finish);
  ops.call({op::kSubscriberResume, true, true, true}, s, &change_prepare<kResumeOp, kResumePath>,
           sign, &subscriber_finish);
}

}  // namespace cgw::mobile
