#include "orders/callbacks.hpp"

#include "carriers/typed_call.hpp"
#include "orders/activation_engine.hpp"
#include "orders/subscribers.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <cgw/types.hpp>

namespace cgw::gw {

namespace json = boost::json;

namespace {

// Records one event and applies it to the activation it names, when that
// activation is the carrier's; an event naming another carrier's (or no)
// activation is recorded and applied to nothing.
void apply_event(Services& svc, ActivationEngine& engine, const std::string& carrier_id,
                 const CallbackEvent& e, const json::value& ev) {
  // Events about lines and SIM replacements (docs/after-sales.md).
  if (apply_subscriber_event(svc, carrier_id, e, ev)) return;
  if (e.type != "activation.status" || e.event_id.empty()) return;
  auto act = svc.store.activations->by_id(e.gateway_order_id, false);
  std::string activation_id;
  if (act && act->carrier == carrier_id) {
    activation_id = act->id;
  } else {
    spdlog::warn("callback carrier={} event={} names no activation of this carrier", carrier_id,
                 e.event_id);
  }
  auto change =
      ActivationEngine::change_for(ActivationStatusOutput{.carrier_order_id = e.carrier_order_id,
                                                          .status = e.status,
                                                          .reason = e.reason,
                                                          .plugin_data = std::nullopt,
                                                          .courier = e.courier,
                                                          .waybill = e.waybill,
                                                          .amount_fen = e.amount_fen},
                                   "callback " + e.event_id);
  auto applied = apply_callback_event(svc.store, carrier_id, e.event_id, json::serialize(ev),
                                      activation_id, change, svc.now());
  if (applied.advanced && is_settled_status(change.status)) engine.settled(activation_id);
  if (applied.id_reused)
    spdlog::warn("callback carrier={} event={} reuses an event id with a different event",
                 carrier_id, e.event_id);
  spdlog::info("callback carrier={} event={} status={} duplicate={} advanced={}", carrier_id,
               e.event_id, wire_name(e.status), !applied.fresh, applied.advanced);
}

}  // namespace

Result<CallbackAck> receive_callback(Services& svc, ActivationEngine& engine,
                                     const std::string& carrier_id,
                                     const CallbackRequest& request) {
  Carrier* carrier = svc.carrier(carrier_id);
  // A carrier that sends no callbacks has no callback endpoint.
  if (!carrier || !carrier->has(CGW_CAP_CALLBACKS))
    return make_error(code::kUnknownCarrier, "no carrier '" + carrier_id + "'");
  auto cb = carrier->parse_callback(request.method, request.target, request.headers, request.body);
  if (!cb.verified) {
    spdlog::warn("callback carrier={} refused: {} {}", carrier_id, cb.refusal.code,
                 cb.refusal.message);
    return make_error(code::kCallbackRejected, "the callback failed verification");
  }
  boost::system::error_code ec;
  auto events = json::parse(cb.events_json, ec);
  if (ec || !events.is_array())
    return make_error(code::kPluginError, "the plugin returned malformed events");
  // Every event is decoded before any is applied: an event this gateway
  // cannot read (a status outside the SDK's enum) refuses the whole
  // callback, so the carrier sends it again rather than half of it being
  // lost. Events are deduplicated by id, so a resent batch applies once.
  std::vector<CallbackEvent> decoded;
  for (const auto& ev : events.as_array()) {
    auto e = decode_answer<CallbackEvent>(carrier_id, "callback event", ev);
    if (!e) return e.error();
    decoded.push_back(std::move(e.value()));
  }
  for (size_t i = 0; i < decoded.size(); ++i)
    apply_event(svc, engine, carrier_id, decoded[i], events.as_array()[i]);
  return CallbackAck{cb.ack_status,
                     cb.ack_content_type.empty() ? "text/plain" : cb.ack_content_type,
                     std::move(cb.ack_body)};
}

}  // namespace cgw::gw
