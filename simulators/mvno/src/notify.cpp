// The carrier's callbacks (docs/carriers/mvno.md, "Callbacks"): one per
// stage an order enters (ORDER_STATUS) and one per line the carrier itself
// suspends or resumes (LINE_STATUS, the anti-fraud re-verification).
#include "cgw/sim/mvno/mvno_simulator.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace cgw::sim::mvno {

namespace json = boost::json;

std::string MvnoSimulator::cancel_reason_of(const std::string& order_id) const {
  std::lock_guard lock(cancel_mu_);
  auto it = cancel_reasons_.find(order_id);
  return it == cancel_reasons_.end() ? "CUSTOMER_REQUEST" : it->second;
}

void MvnoSimulator::put_order_fields(const Order& order, OrderStage stage,
                                     json::object& out) const {
  out["orderStatus"] = order_status_name(stage);
  out["failCode"] = stage == OrderStage::kFailed ? order.fail_reason : "";
  std::string reason;
  if (stage == OrderStage::kCancelled) reason = cancel_reason_of(order.order_id);
  // The courier could not hand the card over (the SIM-RETURN product).
  if (stage == OrderStage::kReturned) reason = "RECIPIENT_UNREACHABLE";
  out["reasonCode"] = reason;
  // The waybill stays known after shipping, so the card can be traced.
  out["logisticsCompany"] = order.courier;
  out["waybillNo"] = order.waybill;
  out["firstRechargeAmount"] = order.first_topup_fen;
}

void MvnoSimulator::on_order_stage(const StageChange& change) {
  const Order& order = change.order;
  spdlog::info("mvno: {} {} ({}) is {}", to_string(order.kind), order.order_id,
               order.partner_order_id, order_status_name(change.stage));
  // ACCEPTED is the answer of the request itself; a review happens inside
  // it. SIM-NOCALLBACK orders are found by query only.
  if (change.stage == OrderStage::kAccepted || change.stage == OrderStage::kReviewing ||
      !order.plan.notify || order.notify_url.empty())
    return;
  CallbackJob job;
  job.event_id = ctx_.ids.token("N", 20);
  job.order_id = order.order_id;
  job.url = order.notify_url;
  json::object body{{"notifyId", job.event_id},
                    {"notifyType", "ORDER_STATUS"},
                    {"orderNo", order.order_id},
                    {"partnerOrderNo", order.partner_order_id}};
  put_order_fields(order, change.stage, body);
  body["notifyTime"] = change.at_ms;
  job.body = json::serialize(body);
  ctx_.callbacks.enqueue(std::move(job));
}

void MvnoSimulator::on_line_change(const Line& line) {
  // The line's notifications go where its latest order (the activation, or
  // a later SIM replacement) asked for its own.
  std::string url;
  for (const Order& o : ctx_.ledger.orders())
    if (o.number == line.msisdn && !o.notify_url.empty() && o.state == OrderState::kSuccess)
      url = o.notify_url;
  spdlog::info("mvno: the carrier set line {} {} ({})", line.msisdn, line_status_name(line.status),
               line.reason);
  if (url.empty()) return;
  CallbackJob job;
  job.event_id = ctx_.ids.token("N", 20);
  job.order_id = line.order_id;
  job.url = url;
  const json::object data = line_data(line);
  job.body = json::serialize(json::object{{"notifyId", job.event_id},
                                          {"notifyType", "LINE_STATUS"},
                                          {"msisdn", line.msisdn},
                                          {"lineStatus", data.at("lineStatus")},
                                          {"suspendBy", data.at("suspendBy")},
                                          {"reasonCode", data.at("reasonCode")},
                                          {"notifyTime", ctx_.clock.now_ms()}});
  ctx_.callbacks.enqueue(std::move(job));
}

}  // namespace cgw::sim::mvno
