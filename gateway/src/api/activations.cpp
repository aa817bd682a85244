// POST/GET /v1/activations and POST /v1/callbacks/{carrier}
#include "api/support.hpp"
#include "core/reservation_status.hpp"
#include "orders/activation_engine.hpp"

#include "cgw/common/crypto.hpp"

#include <spdlog/spdlog.h>
#include <cgw/types.hpp>

#include <algorithm>

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

// Checked before anything is sent, so that a plan the carrier does not
// list is refused at once (422) rather than failing the order later: only
// for a reservation that is usable (other refusals keep their precedence).
// No catalogue to be had: the carrier judges the plan at submit time.
boost::asio::awaitable<std::optional<ApiError>> plan_refusal(Ctx& c, const NewActivation& na) {
  auto r = c.svc.store->reservation(c.tenant, na.reservation_id, c.svc.now());
  if (!r || r->status != reservation::kHeld) co_return std::nullopt;
  Carrier* carrier = c.svc.carrier(r->carrier);
  if (!carrier) co_return std::nullopt;
  auto listed = co_await c.svc.plans.has_plan(*carrier, na.plan_id, c.svc.now());
  if (listed && !*listed)
    co_return unprocessable("PLAN_NOT_FOUND",
                            "carrier " + r->carrier + " does not offer this plan_id");
  co_return std::nullopt;
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
  na.refused = co_await plan_refusal(c, na);

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

// --- unknown outcomes (docs/reliability.md, "Unknown outcomes") ---------

namespace {
// The cause of every history line an operator's resolve writes; a resolve
// sent again is recognised by it (idempotency).
constexpr std::string_view kResolveCause = "operator resolve";
constexpr size_t kDefaultListLimit = 50, kMaxListLimit = 100;

bool resolved_by_operator(const Activation& a) {
  return std::any_of(a.history.begin(), a.history.end(),
                     [](const HistoryEntry& h) { return h.cause.starts_with(kResolveCause); });
}

Response resolved_response(const Ctx& c, const Activation& a, bool replayed) {
  auto res = json_response(c, 200, activation_json(a));
  if (replayed) res.set("Idempotent-Replayed", "true");
  return res;
}
}  // namespace

Awaitable list_activations(Ctx& c) {
  for (const auto& [k, v] : c.query)
    if (k != "status" && k != "limit" && k != "cursor")
      co_return error_response(c, bad_argument("unknown query parameter '" + k + "'"));
  auto status = c.query.find("status");
  if (status == c.query.end() ||
      (status->second != "pending" && status->second != "submitted" && status->second != "unknown"))
    co_return error_response(
        c, bad_argument("status is required: one of pending, submitted, unknown"));
  size_t limit = kDefaultListLimit;
  if (auto l = c.query.find("limit"); l != c.query.end()) {
    if (!all_digits(l->second) || l->second.size() > 3 || std::stoul(l->second) < 1 ||
        std::stoul(l->second) > kMaxListLimit)
      co_return error_response(c, bad_argument("limit must be an integer from 1 to 100"));
    limit = std::stoul(l->second);
  }
  std::string cursor;
  if (auto cu = c.query.find("cursor"); cu != c.query.end()) {
    if (!Store::valid_activation_cursor(cu->second))
      co_return error_response(c, bad_argument("cursor is not a next_cursor of this list"));
    cursor = cu->second;
  }
  auto page = c.svc.store->list_activations(c.tenant, status->second, cursor, limit);
  json::array items;
  for (const auto& a : page.items) items.push_back(activation_json(a));
  co_return json_response(
      c, 200,
      json::object{{"activations", std::move(items)},
                   {"next_cursor", page.next_cursor.empty() ? json::value(nullptr)
                                                            : json::value(page.next_cursor)}});
}

Awaitable resolve_activation(Ctx& c, const std::string& id) {
  auto body = parse_body(c, {"carrier_order_id", "status", "reason"});
  if (!body) co_return error_response(c, body.error());
  auto carrier_order_id = opt_string(body.value(), "carrier_order_id", 64);
  if (!carrier_order_id) co_return error_response(c, carrier_order_id.error());
  auto status = opt_string(body.value(), "status", 16);
  if (!status) co_return error_response(c, status.error());
  auto reason = opt_string(body.value(), "reason", 256);
  if (!reason) co_return error_response(c, reason.error());
  const auto& co = carrier_order_id.value();
  const auto& st = status.value();
  if (co.has_value() == st.has_value())
    co_return error_response(
        c, bad_argument("give either carrier_order_id or status (with reason), not both"));
  if (st && *st != "activated" && *st != "failed")
    co_return error_response(c, bad_argument("status must be activated or failed"));
  if (st && !reason.value())
    co_return error_response(c, bad_argument("reason is required with status"));

  auto a = c.svc.store->activation(c.tenant, id);
  if (!a) co_return error_response(c, not_found("no such activation"));
  auto not_unknown = [&](const Activation& now) -> Response {
    // The same resolve again answers what the first one did.
    if (resolved_by_operator(now) && (st ? now.status == *st : now.carrier_order_id == *co))
      return resolved_response(c, now, true);
    return error_response(
        c, ApiError{409, "ACTIVATION_NOT_UNKNOWN",
                    "the activation is " + now.status +
                        "; only an activation whose outcome is unknown can be resolved"});
  };
  if (a->status != "unknown") co_return not_unknown(*a);

  StatusChange change;
  const std::string why = reason.value() ? ": " + *reason.value() : std::string();
  if (st) {
    change.status = *st;
    change.cause = std::string(kResolveCause) + ": " + *st + why;
    if (*st == "failed") {
      change.failure_code = "RESOLVED_FAILED";
      change.failure_message = "an operator resolved the activation as failed" + why;
    }
  } else {
    // The carrier is asked by its own order id (the one the operator found
    // at the carrier), and its answer applies as a status query's would.
    Carrier* carrier = c.svc.carrier(a->carrier);
    if (!carrier)
      co_return error_response(c, ApiError{503, "CARRIER_UNAVAILABLE",
                                           "carrier " + a->carrier + " is not loaded", true});
    // Built before the co_await: g++ 12 mishandles an aggregate temporary
    // inside a co_await expression (it freed it twice).
    ActivationQueryInput query;
    query.carrier_order_id = *co;
    const std::string input = json::serialize(json::value_from(query));
    auto outcome = co_await carrier->run(op::kActivationQuery, input);
    if (!outcome.ok) {
      if (outcome.code == "ORDER_NOT_FOUND")
        co_return error_response(
            c, ApiError{422, "ORDER_NOT_FOUND", "the carrier has no order " + *co, false});
      co_return error_response(c, carrier_error(outcome));
    }
    auto answer = json::value_to<ActivationStatusOutput>(outcome.result);
    if (!answer.carrier_order_id.empty() && answer.carrier_order_id != *co)
      co_return error_response(c, ApiError{502, "CARRIER_BAD_RESPONSE",
                                           "the carrier answered about another order", false});
    change = ActivationEngine::change_for(answer, std::string(kResolveCause) + ": carrier order " +
                                                      *co + " is " + answer.status + why);
    if (change.status.empty())
      co_return error_response(c, ApiError{502, "CARRIER_BAD_RESPONSE",
                                           "the carrier reported an unknown order status", false});
    change.carrier_order_id = *co;
  }
  auto before = c.svc.store->resolve_unknown_activation(c.tenant, id, change, c.svc.now());
  auto now = c.svc.store->activation(c.tenant, id);
  if (!before || !now) co_return error_response(c, not_found("no such activation"));
  if (*before != "unknown") co_return not_unknown(*now);  // it moved while the carrier answered
  // Still open (the carrier is processing the order): the engine follows it
  // up by its order id, by callback or query.
  if (now->status == "submitted") c.svc.engine->kick(id);
  spdlog::warn("activation={} resolved by an operator tenant={} status={} carrier_order={}", id,
               c.tenant, now->status, now->carrier_order_id);
  co_return resolved_response(c, *now, false);
}

}  // namespace cgw::gw::api
