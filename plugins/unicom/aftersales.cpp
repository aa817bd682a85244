// The after-sales operations (ABI 1.3) over the unicom methods
// (docs/carriers/unicom.md, "After-sales"): order.cancel, user.query,
// recharge.create / recharge.query, user.stop / user.restart; and the order
// states the carrier reports past IN_PROCESS.
#include "operations.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>

namespace cgw::unicom {

// ------------------------------------------------------------ order states ---

namespace {

// A courier company's name is not personal data, but it is carrier text
// copied into our results: bounded, and free of control characters.
std::string courier_text(const json::object& data, std::string_view key) {
  std::string s = req_id(data, key);
  if (s.size() > 64 ||
      std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    throw BadReply("field '" + std::string(key) + "' is malformed");
  return s;
}

std::string reason_code(const json::object& data, std::string_view key) {
  std::string s = opt_string(data, key);
  if (!s.empty() && !plausible_code(s, 32))
    throw BadReply("field '" + std::string(key) + "' is malformed");
  return s;
}

}  // namespace

void read_order_state(const json::object& data, ActivationStatusOutput& out) {
  const auto status = order_status(req_string(data, "order_state"));
  if (!status) throw BadReply("field 'order_state' has an unknown value");
  out.status = *status;
  switch (out.status) {
    case OrderStatus::failed:
      out.reason = opt_string(data, "fail_code");
      break;
    case OrderStatus::cancelled:
      out.reason = reason_code(data, "cancel_reason");
      break;
    case OrderStatus::shipped:
      out.courier = courier_text(data, "express_company");
      out.waybill = req_id(data, "express_no");
      if (!plausible_code(*out.waybill, 32)) throw BadReply("field 'express_no' is malformed");
      break;
    case OrderStatus::first_topup: {
      const int64_t amount = req_int(data, "first_recharge_amount");
      if (amount <= 0) throw BadReply("field 'first_recharge_amount' is not positive");
      out.amount_fen = amount;
      break;
    }
    default:
      break;
  }
}

void check_same_order(const json::object& data, const ActivationQueryInput& state,
                      const std::string& carrier_order_id) {
  const std::string& asked_gw = state.gateway_order_id;
  const std::string& asked_co = state.carrier_order_id;
  const std::string got_gw = opt_string(data, "out_order_id");
  if ((!asked_gw.empty() && !got_gw.empty() && asked_gw != got_gw) ||
      (!asked_co.empty() && asked_co != carrier_order_id))
    throw BadReply("reply is about another order");
}

namespace {

Error invalid(std::string_view op, std::string_view what) {
  return invalid_input("unicom " + std::string(op) + ": ", what);
}
Error required(std::string_view op, std::string_view field) {
  return required_input("unicom " + std::string(op) + ": ", field);
}

// What a reply is checked against: the ids we asked about.
struct Asked {
  std::string gateway_order_id, carrier_order_id, msisdn, request_id;
};
BOOST_DESCRIBE_STRUCT(Asked, (), (gateway_order_id, carrier_order_id, msisdn, request_id))

// Some business codes are a verdict, not an error, for one operation: a
// cancel refused after shipping, a recharge the carrier never received.
using Verdict = std::function<std::optional<json::value>(const Error&)>;

// One request, one reply, like Dispatcher::call(), plus `verdict` for the
// business codes that answer rather than fail.
template <class Input>
void register_call(Dispatcher& ops, const UnicomPlugin& plugin, OpTraits traits,
                   Prepared<Asked> (*prepare)(const Input&),
                   json::value (*finish)(const json::object&, const Asked&), Verdict verdict) {
  ops.on<Input, Asked>(
      traits,
      [&plugin, prepare](const Input& in) -> Next<Asked> {
        Prepared<Asked> p = prepare(in);
        if (auto* e = std::get_if<Error>(&p)) return Step::fail(std::move(*e));
        auto& c = std::get<Call<Asked>>(p);
        return Send<Asked>{plugin.build_request(c.request), std::move(c.state)};
      },
      [traits, finish, verdict](const Asked& asked, const HttpResponse& r) -> Next<Asked> {
        Reply reply = unwrap_reply(r, traits);
        if (auto* e = std::get_if<Error>(&reply)) {
          // Only a business code (a reply the carrier's router produced) can
          // be a verdict; transport and shape errors keep their meaning.
          if (verdict && !e->carrier_code.empty())
            if (auto v = verdict(*e)) return Step::done(std::move(*v));
          return Step::fail(std::move(*e));
        }
        return Step::done(finish(std::get<json::object>(reply), asked));
      });
}

// ------------------------------------------------------ activation.cancel ---

Prepared<Asked> cancel_prepare(const ActivationCancelInput& in) {
  if (in.gateway_order_id.empty() && in.carrier_order_id.empty())
    return invalid(op::kActivationCancel, "'gateway_order_id' or 'carrier_order_id' is required");
  Outbound o{"order.cancel", {}};
  if (!in.gateway_order_id.empty()) o.params.emplace_back("out_order_id", in.gateway_order_id);
  if (!in.carrier_order_id.empty()) o.params.emplace_back("order_id", in.carrier_order_id);
  if (!in.reason.empty()) o.params.emplace_back("cancel_reason", in.reason);
  return Call<Asked>{std::move(o), Asked{in.gateway_order_id, in.carrier_order_id, "", ""}};
}

json::value cancel_finish(const json::object& data, const Asked& asked) {
  const std::string order_id = req_id(data, "order_id");
  check_same_order(data, {asked.gateway_order_id, asked.carrier_order_id, ""}, order_id);
  // "0000" is the carrier's word that the order is cancelled; a reply that
  // says otherwise is not one we can read as either verdict.
  if (req_string(data, "order_state") != "CANCELLED")
    throw BadReply("field 'order_state' is not CANCELLED");
  return json::value_from(ActivationCancelOutput{CancelResult::cancelled, ""});
}

std::optional<json::value> cancel_verdict(const Error& e) {
  const auto reason = cancel_refusal(e.carrier_code);
  if (!reason) return std::nullopt;
  return json::value_from(ActivationCancelOutput{CancelResult::refused, std::string(*reason)});
}

// ------------------------------------------------ subscriber.query / stop ---

SubscriberInfo read_user(const json::object& data, const Asked& asked) {
  if (const std::string number = opt_string(data, "number");
      !number.empty() && number != asked.msisdn)
    throw BadReply("reply is about another number");
  SubscriberInfo out;
  out.status = user_status(req_string(data, "user_state"));
  if (!out.status) throw BadReply("field 'user_state' has an unknown value");
  out.plan_id = opt_string(data, "product_code");
  out.balance_fen = req_int(data, "balance");  // may be negative (arrears)
  out.data_left_mb = opt_int(data, "flow_left_mb");
  out.voice_left_minutes = opt_int(data, "voice_left_min");
  if (*out.status != SubscriberStatus::active) out.reason = reason_code(data, "stop_reason");
  return out;
}

json::value user_finish(const json::object& data, const Asked& asked) {
  return json::value_from(read_user(data, asked));
}

Prepared<Asked> user_query_prepare(const SubscriberQueryInput& in) {
  if (in.msisdn.empty()) return required(op::kSubscriberQuery, "msisdn");
  return Call<Asked>{Outbound{"user.query", {{"number", in.msisdn}}}, Asked{"", "", in.msisdn, ""}};
}

Prepared<Asked> change_prepare(std::string_view op, const char* method,
                               const SubscriberChangeInput& in) {
  if (in.gateway_request_id.empty()) return required(op, "gateway_request_id");
  if (in.msisdn.empty()) return required(op, "msisdn");
  Outbound o{method, {{"out_request_id", in.gateway_request_id}, {"number", in.msisdn}}};
  if (!in.reason.empty()) o.params.emplace_back("stop_reason", in.reason);
  return Call<Asked>{std::move(o), Asked{"", "", in.msisdn, in.gateway_request_id}};
}
Prepared<Asked> suspend_prepare(const SubscriberChangeInput& in) {
  return change_prepare(op::kSubscriberSuspend, "user.stop", in);
}
Prepared<Asked> resume_prepare(const SubscriberChangeInput& in) {
  return change_prepare(op::kSubscriberResume, "user.restart", in);
}

// ---------------------------------------------------- subscriber.recharge ---

Prepared<Asked> recharge_prepare(const RechargeInput& in) {
  if (in.gateway_recharge_id.empty())
    return required(op::kSubscriberRecharge, "gateway_recharge_id");
  if (in.msisdn.empty()) return required(op::kSubscriberRecharge, "msisdn");
  if (in.amount_fen <= 0) return invalid(op::kSubscriberRecharge, "'amount_fen' must be positive");
  return Call<Asked>{Outbound{"recharge.create",
                              {{"out_recharge_id", in.gateway_recharge_id},
                               {"number", in.msisdn},
                               {"amount", std::to_string(in.amount_fen)}}},
                     Asked{"", "", in.msisdn, in.gateway_recharge_id}};
}

Prepared<Asked> recharge_query_prepare(const RechargeQueryInput& in) {
  if (in.gateway_recharge_id.empty())
    return required(op::kSubscriberRechargeQuery, "gateway_recharge_id");
  Outbound o{"recharge.query", {{"out_recharge_id", in.gateway_recharge_id}}};
  if (!in.msisdn.empty()) o.params.emplace_back("number", in.msisdn);
  return Call<Asked>{std::move(o), Asked{"", "", in.msisdn, in.gateway_recharge_id}};
}

json::value recharge_finish(const json::object& data, const Asked& asked) {
  if (req_id(data, "out_recharge_id") != asked.request_id)
    throw BadReply("reply is about another recharge");
  RechargeOutput out;
  out.carrier_recharge_id = req_id(data, "recharge_id");
  const std::string state = req_string(data, "recharge_state");
  if (state == "SUCCESS") {
    out.result = RechargeResult::succeeded;
  } else if (state == "FAIL") {
    out.result = RechargeResult::failed;
    out.reason = reason_code(data, "fail_code");
  } else {
    // PROCESSING or a newer word: no verdict is safe to assume.
    throw BadReply("field 'recharge_state' has an unknown value");
  }
  out.balance_fen = opt_int(data, "balance");
  return json::value_from(out);
}

// 6101 answering recharge.query: the carrier never received the top-up,
// the one answer that makes sending it again safe.
std::optional<json::value> recharge_query_verdict(const Error& e) {
  if (e.carrier_code != "6101") return std::nullopt;
  RechargeOutput out;
  out.result = RechargeResult::not_found;
  return json::value_from(out);
}

}  // namespace

void register_aftersales(Dispatcher& ops, const UnicomPlugin& plugin) {
  // name, writes, unknown_on_5xx, replayable. Every write is deduplicated
  // by the carrier or idempotent (a cancelled order cancelled again, a
  // stopped line stopped again answer their state; a recharge is
  // deduplicated on out_recharge_id), so all are replayable; and like
  // order.create a 5xx may hide a write the carrier committed.
  register_call(ops, plugin, {op::kActivationCancel, true, true, true}, &cancel_prepare,
                &cancel_finish, &cancel_verdict);
  register_call(ops, plugin, {op::kSubscriberQuery, false, false, true}, &user_query_prepare,
                &user_finish, {});
  register_call(ops, plugin, {op::kSubscriberRecharge, true, true, true}, &recharge_prepare,
                &recharge_finish, {});
  register_call(ops, plugin, {op::kSubscriberRechargeQuery, false, false, true},
                &recharge_query_prepare, &recharge_finish, &recharge_query_verdict);
  register_call(ops, plugin, {op::kSubscriberSuspend, true, true, true}, &suspend_prepare,
                &user_finish, {});
  register_call(ops, plugin, {op::kSubscriberResume, true, true, true}, &resume_prepare,
                &user_finish, {});
}

}  // namespace cgw::unicom
