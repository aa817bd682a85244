// POST/GET /v1/activations and POST /v1/callbacks/{carrier}
#include "activation_engine.hpp"
#include "api_support.hpp"

#include "cgw/common/crypto.hpp"

#include <spdlog/spdlog.h>
#include <cgw/types.hpp>

namespace cgw::gw::api {

namespace {
json::object activation_json(const Activation& a) {
  json::array history;
  for (const auto& h : a.history)
    history.push_back(
        json::object{{"status", h.status}, {"at", rfc3339(h.at_ms)}, {"cause", h.cause}});
  json::value failure = nullptr;
  if (!a.failure_code.empty())
    failure = json::object{{"code", a.failure_code}, {"message", a.failure_message}};
  return json::object{
      {"activation_id", a.id},
      {"carrier", a.carrier},
      {"msisdn", a.msisdn},
      {"plan_id", a.plan_id},
      {"status", a.status},
      {"carrier_order_id",
       a.carrier_order_id.empty() ? json::value(nullptr) : json::value(a.carrier_order_id)},
      {"failure", std::move(failure)},
      {"created_at", rfc3339(a.created_at_ms)},
      {"updated_at", rfc3339(a.updated_at_ms)},
      {"history", std::move(history)}};
}

}  // namespace

Awaitable create_activation(Ctx& c) {
  auto key = c.req["Idempotency-Key"];
  if (key.empty())
    co_return error_response(
        c, ApiError{400, "IDEMPOTENCY_KEY_REQUIRED", "the Idempotency-Key header is required"});
  if (key.size() > 255)
    co_return error_response(c, bad_argument("Idempotency-Key has at most 255 characters"));
  auto body = parse_body(c, {"reservation_id", "plan_id", "verification_id", "delivery"});
  if (!body) co_return error_response(c, body.error());
  NewActivation na;
  na.tenant = c.tenant;
  na.idempotency_key = std::string(key);
  for (auto [field, dest] :
       {std::pair{"reservation_id", &na.reservation_id}, std::pair{"plan_id", &na.plan_id},
        std::pair{"verification_id", &na.verification_id}}) {
    auto v = req_string(body.value(), field, 64);
    if (!v) co_return error_response(c, v.error());
    *dest = v.value();
  }
  auto* delivery = body.value().if_contains("delivery");
  if (!delivery || !delivery->is_object())
    co_return error_response(
        c, bad_argument("delivery is required (an object with name, phone, address)"));
  for (const auto& kv : delivery->as_object())
    if (kv.key() != "name" && kv.key() != "phone" && kv.key() != "address")
      co_return error_response(
          c,
          ApiError{400, "UNKNOWN_FIELD", "unknown field 'delivery." + std::string(kv.key()) + "'"});
  for (auto [field, dest, max] : {std::tuple{"name", &na.delivery.name, size_t{64}},
                                  std::tuple{"phone", &na.delivery.phone, size_t{11}},
                                  std::tuple{"address", &na.delivery.address, size_t{256}}}) {
    auto v = req_string(delivery->as_object(), field, max);
    if (!v) co_return error_response(c, bad_argument("delivery." + v.error().message));
    *dest = v.value();
  }
  if (na.delivery.phone.size() != 11 || !all_digits(na.delivery.phone))
    co_return error_response(c, bad_argument("delivery.phone must be 11 digits"));
  // The hash of the decoded request: the same fields in another order or
  // spacing are the same request.
  json::object canonical{{"reservation_id", na.reservation_id},
                         {"plan_id", na.plan_id},
                         {"verification_id", na.verification_id},
                         {"delivery", json::value_from(na.delivery)}};
  na.request_hash = crypto::sha256_hex(json::serialize(canonical));

  auto result = c.svc.store->create_activation(na, c.svc.now());
  if (!result) co_return error_response(c, result.error());
  if (auto* replay = std::get_if<IdempotentReplay>(&result.value())) {
    Response res{static_cast<net::http::status>(replay->http_status), c.req.version()};
    res.set(net::http::field::content_type, "application/json");
    res.set("X-Request-Id", c.request_id);
    res.set("Idempotent-Replayed", "true");
    res.keep_alive(c.req.keep_alive());
    res.body() = replay->body;
    res.prepare_payload();
    co_return res;
  }
  auto& act = std::get<Activation>(result.value());
  // The carrier is the authority on plans (some are not listed): an
  // unknown plan fails the order with PLAN_NOT_FOUND from the carrier.
  c.svc.engine->kick(act.id);
  spdlog::info("activation={} accepted carrier={} tenant={}", act.id, act.carrier, c.tenant);
  co_return json_response(c, 202, json::object{{"activation_id", act.id}, {"status", "pending"}});
}

Awaitable get_activation(Ctx& c, const std::string& id) {
  auto a = c.svc.store->activation(c.tenant, id);
  if (!a) co_return error_response(c, not_found("no such activation"));
  co_return json_response(c, 200, activation_json(*a));
}

Awaitable list_activation_webhooks(Ctx& c, const std::string& id) {
  if (!c.svc.store->activation(c.tenant, id))
    co_return error_response(c, not_found("no such activation"));
  json::array events;
  for (const auto& [e, attempts] : c.svc.store->webhook_events(id)) {
    json::array tries;
    for (const auto& a : attempts)
      tries.push_back(json::object{
          {"at", rfc3339(a.at_ms)},
          {"http_status", a.http_status == 0 ? json::value(nullptr) : json::value(a.http_status)},
          {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
          {"duration_ms", a.duration_ms}});
    events.push_back(json::object{
        {"event_id", e.id},
        {"type", e.type},
        {"status", e.status},
        {"created_at", rfc3339(e.created_at_ms)},
        {"delivered_at", e.delivered_at_ms ? json::value(rfc3339(e.delivered_at_ms)) : nullptr},
        {"next_attempt_at",
         e.status == "pending" ? json::value(rfc3339(e.next_attempt_at_ms)) : json::value(nullptr)},
        {"payload", json::parse(e.payload)},
        {"attempts", std::move(tries)}});
  }
  co_return json_response(c, 200,
                          json::object{{"activation_id", id}, {"events", std::move(events)}});
}

Awaitable receive_callback(Ctx& c, const std::string& carrier_id) {
  Carrier* carrier = c.svc.carrier(carrier_id);
  // A carrier that sends no callbacks has no callback endpoint.
  if (!carrier || !carrier->has(CGW_CAP_CALLBACKS))
    co_return error_response(c,
                             ApiError{404, "UNKNOWN_CARRIER", "no carrier '" + carrier_id + "'"});
  net::HeaderList headers;
  for (const auto& f : c.req)
    headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  auto cb = carrier->parse_callback(std::string(c.req.method_string()), std::string(c.req.target()),
                                    headers, c.req.body());
  if (!cb.verified) {
    spdlog::warn("callback carrier={} refused: {} {}", carrier_id, cb.error_code, cb.error_message);
    co_return error_response(
        c, ApiError{401, "CALLBACK_REJECTED", "the callback failed verification"});
  }
  boost::system::error_code ec;
  auto events = json::parse(cb.events_json, ec);
  if (ec || !events.is_array())
    co_return error_response(c,
                             ApiError{502, "PLUGIN_ERROR", "the plugin returned malformed events"});
  for (const auto& ev : events.as_array()) {
    auto e = json::value_to<CallbackEvent>(ev);
    if (e.type != "activation.status" || e.event_id.empty()) continue;
    auto act = c.svc.store->activation_by_id(e.gateway_order_id, false);
    std::string activation_id;
    if (act && act->carrier == carrier_id) {
      activation_id = act->id;
    } else {
      spdlog::warn("callback carrier={} event={} names no activation of this carrier", carrier_id,
                   e.event_id);
    }
    auto change = ActivationEngine::change_for(
        ActivationStatusOutput{e.carrier_order_id, e.status, e.reason}, "callback " + e.event_id);
    if (change.status.empty()) activation_id.clear();  // recorded, nothing to apply
    auto applied = c.svc.store->apply_callback_event(carrier_id, e.event_id, json::serialize(ev),
                                                     activation_id, change, c.svc.now());
    if (applied.id_reused)
      spdlog::warn("callback carrier={} event={} reuses an event id with a different event",
                   carrier_id, e.event_id);
    spdlog::info("callback carrier={} event={} status={} duplicate={} advanced={}", carrier_id,
                 e.event_id, e.status, !applied.fresh, applied.advanced);
  }
  // The acknowledgement goes out only now that the events are durable.
  Response res{static_cast<net::http::status>(cb.ack_status), c.req.version()};
  res.set(net::http::field::content_type,
          cb.ack_content_type.empty() ? "text/plain" : cb.ack_content_type);
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = cb.ack_body;
  res.prepare_payload();
  co_return res;
}

}  // namespace cgw::gw::api
