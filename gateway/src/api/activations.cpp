// POST/GET /v1/activations and POST /v1/callbacks/{carrier}: the
// requests' parsing and validation; callbacks are applied by
// orders/callbacks.cpp.
#include "api/idempotent.hpp"
#include "api/support.hpp"
#include "api/tenant_carriers.hpp"
#include "core/activation_status.hpp"
#include "core/reservation_status.hpp"
#include "core/webhook_event_status.hpp"
#include "orders/activation_engine.hpp"
#include "orders/callbacks.hpp"
#include "orders/cancellations.hpp"
#include "orders/resolutions.hpp"

#include "cgw/common/crypto.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <cgw/types.hpp>

#include <algorithm>

namespace cgw::gw::api {

namespace {
json::object activation_json(const Activation& a) {
  json::array history;
  // The latest shipment and first top-up the carrier reported (the history
  // keeps every one).
  json::value shipment = nullptr, first_topup_fen = nullptr;
  for (const auto& h : a.history) {
    json::object line{{"status", h.status}, {"at", rfc3339(h.at_ms)}, {"cause", h.cause}};
    if (!h.detail.empty()) {
      // Written by this gateway (HistoryEntry::detail): a JSON object.
      const auto detail = json::parse(h.detail).as_object();
      for (const auto& kv : detail) line[kv.key()] = kv.value();
      if (h.status == activation::kShipped)
        shipment = json::object{
            {"courier", detail.contains("courier") ? detail.at("courier") : json::value(nullptr)},
            {"waybill", detail.contains("waybill") ? detail.at("waybill") : json::value(nullptr)}};
      if (auto* amount = detail.if_contains("amount_fen")) first_topup_fen = *amount;
    }
    history.push_back(std::move(line));
  }
  json::value failure = nullptr;
  if (!a.failure_code.empty())
    failure = json::object{{"code", a.failure_code}, {"message", a.failure_message}};
  return json::object{
      {"activation_id", a.id},
      {"carrier", shown_carrier(a.carrier)},
      {"msisdn", a.msisdn},
      {"plan_id", a.plan_id},
      {"status", a.status},
      {"carrier_order_id",
       a.carrier_order_id.empty() ? json::value(nullptr) : json::value(a.carrier_order_id)},
      {"failure", std::move(failure)},
      {"created_at", rfc3339(a.created_at_ms)},
      {"updated_at", rfc3339(a.updated_at_ms)},
      {"shipment", std::move(shipment)},
      {"first_topup_fen", std::move(first_topup_fen)},
      {"history", std::move(history)}};
}

// Checked before anything is sent, so that a plan the carrier does not
// list is refused at once (422) rather than failing the order later: only
// for a reservation that is usable (other refusals keep their precedence).
// No catalogue to be had: the carrier judges the plan at submit time.
boost::asio::awaitable<std::optional<Error>> plan_refusal(Ctx& c, const NewActivation& na) {
  auto r = c.svc.store.reservations->get(c.tenant, na.reservation_id, c.svc.now());
  if (!r || r->status != reservation::kHeld) co_return std::nullopt;
  Carrier* carrier = c.svc.carrier(r->carrier);
  if (!carrier) co_return std::nullopt;
  auto listed = co_await c.svc.plans.has_plan(*carrier, na.plan_id, c.svc.now());
  if (listed && !*listed)
    co_return make_error(code::kPlanNotFound,
                         "carrier " + shown_carrier(r->carrier) + " does not offer this plan_id");
  co_return std::nullopt;
}

// The body of POST /v1/activations, checked, into `na`.
Status read_activation(const json::object& body, NewActivation& na) {
  for (auto [field, dest] :
       {std::pair{"reservation_id", &na.reservation_id}, std::pair{"plan_id", &na.plan_id},
        std::pair{"verification_id", &na.verification_id}}) {
    auto v = req_string(body, field, 64);
    if (!v) return v.error();
    *dest = v.value();
  }
  return read_delivery(body, na.delivery);
}

}  // namespace

Awaitable create_activation(Ctx& c) {
  auto key = idempotency_key(c);
  if (!key) co_return error_response(c, key.error());
  auto body = parse_body(c, {"reservation_id", "plan_id", "verification_id", "delivery"});
  if (!body) co_return error_response(c, body.error());
  NewActivation na;
  na.tenant = c.tenant;
  na.idempotency_key = key.value();
  if (auto read = read_activation(body.value(), na); !read)
    co_return error_response(c, read.error());
  // The hash of the decoded request: the same fields in another order or
  // spacing are the same request.
  json::object canonical{{"reservation_id", na.reservation_id},
                         {"plan_id", na.plan_id},
                         {"verification_id", na.verification_id},
                         {"delivery", json::value_from(na.delivery)}};
  na.request_hash = crypto::sha256_hex(json::serialize(canonical));
  na.refused = co_await plan_refusal(c, na);

  // Answers stored under the key, replayed as they were first sent.
  auto result = cgw::gw::create_activation(
      c.svc.store, na,
      [](const Error& e) {
        return IdempotentReplay{http_status_for(e.code), error_body(e)};
      },
      [](const Activation& act) {
        return IdempotentReplay{
            202, json::serialize(
                     json::object{{"activation_id", act.id}, {"status", activation::kPending}})};
      },
      c.svc.now());
  if (!result) co_return error_response(c, result.error());
  if (auto* replay = std::get_if<IdempotentReplay>(&result.value()))
    co_return replay_response(c, replay->http_status, replay->body, "activation_id");
  auto& act = std::get<Activation>(result.value());
  c.deps.engine.kick(act.id);
  spdlog::info("activation={} accepted carrier={} tenant={}", act.id, act.carrier, c.tenant);
  Reply reply = json_response(
      c, 202, json::object{{"activation_id", act.id}, {"status", activation::kPending}});
  reply.object_id = act.id;
  co_return reply;
}

Awaitable get_activation(Ctx& c) {
  auto a = c.svc.store.activations->get(c.tenant, c.param);
  if (!a) co_return error_response(c, not_found("no such activation"));
  co_return json_response(c, 200, activation_json(*a));
}

Awaitable list_activation_webhooks(Ctx& c) {
  const std::string& id = c.param;
  if (!c.svc.store.activations->get(c.tenant, id))
    co_return error_response(c, not_found("no such activation"));
  json::array events;
  for (const auto& [e, attempts] : c.svc.store.outbox->events_for(id)) {
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
        {"next_attempt_at", e.status == webhook_event::kPending
                                ? json::value(rfc3339(e.next_attempt_at_ms))
                                : json::value(nullptr)},
        {"payload", json::parse(e.payload)},
        {"attempts", std::move(tries)}});
  }
  co_return json_response(c, 200,
                          json::object{{"activation_id", id}, {"events", std::move(events)}});
}

Awaitable receive_callback(Ctx& c) {
  CallbackRequest request{
      std::string(c.req.method_string()), std::string(c.req.target()), {}, c.req.body()};
  for (const auto& f : c.req)
    request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  auto ack = gw::receive_callback(c.svc, c.deps.engine, c.param, request);
  // The carrier is the request's target (/v1/callbacks/{carrier}): an
  // unknown one is 404 UNKNOWN_CARRIER (ErrorSubject).
  if (!ack) co_return error_response(c, ack.error(), ErrorSubject::kTarget);
  // The acknowledgement goes out only now that the events are durable.
  Response res{static_cast<net::http::status>(ack->http_status), c.req.version()};
  res.set(net::http::field::content_type, ack->content_type);
  res.set("X-Request-Id", c.request_id);
  res.keep_alive(c.req.keep_alive());
  res.body() = std::move(ack->body);
  res.prepare_payload();
  co_return res;
}

// --- unknown outcomes (docs/reliability.md, "Unknown outcomes") ---------

namespace {
constexpr size_t kDefaultListLimit = 50, kMaxListLimit = 100;

// The body of POST /v1/activations/{id}/resolve, checked.
Result<ResolveDecision> resolve_request(const Ctx& c) {
  auto body = parse_body(c, {"carrier_order_id", "status", "reason"});
  if (!body) return body.error();
  auto carrier_order_id = opt_string(body.value(), "carrier_order_id", 64);
  if (!carrier_order_id) return carrier_order_id.error();
  auto status = opt_string(body.value(), "status", 16);
  if (!status) return status.error();
  auto reason = opt_string(body.value(), "reason", 256);
  if (!reason) return reason.error();
  ResolveDecision d{carrier_order_id.value(), status.value(), reason.value()};
  if (d.carrier_order_id.has_value() == d.status.has_value())
    return bad_argument("give either carrier_order_id or status (with reason), not both");
  if (d.status && *d.status != activation::kActivated && *d.status != activation::kFailed)
    return bad_argument("status must be activated or failed");
  if (d.status && !d.reason) return bad_argument("reason is required with status");
  return d;
}
}  // namespace

Awaitable list_activations(Ctx& c) {
  for (const auto& [k, v] : c.query)
    if (k != "status" && k != "limit" && k != "cursor")
      co_return error_response(c, bad_argument("unknown query parameter '" + k + "'"));
  auto status = c.query.find("status");
  if (status == c.query.end() ||
      (status->second != activation::kPending && status->second != activation::kSubmitted &&
       status->second != activation::kUnknown))
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
    if (!valid_activation_cursor(cu->second))
      co_return error_response(c, bad_argument("cursor is not a next_cursor of this list"));
    cursor = cu->second;
  }
  auto page = c.svc.store.activations->list(c.tenant, status->second, cursor, limit);
  json::array items;
  for (const auto& a : page.items) items.push_back(activation_json(a));
  co_return json_response(
      c, 200,
      json::object{{"activations", std::move(items)},
                   {"next_cursor", page.next_cursor.empty() ? json::value(nullptr)
                                                            : json::value(page.next_cursor)}});
}

Awaitable resolve_activation(Ctx& c) {
  auto decision = resolve_request(c);
  if (!decision) co_return error_response(c, decision.error());
  auto resolved = co_await resolve_unknown(c.svc, c.deps.engine, c.tenant, c.param,
                                           std::move(decision.value()));
  if (!resolved) co_return error_response(c, resolved.error());
  const Activation& a = resolved->activation;
  Reply reply = json_response(c, 200, activation_json(a));
  if (resolved->replayed) reply.res.set("Idempotent-Replayed", "true");
  // An operator's resolve is audited with what it decided.
  reply.outcome = "resolved:" + a.status;
  co_return reply;
}

// --- cancelling (docs/after-sales.md, "Cancelling an order") -----------

Awaitable cancel_activation(Ctx& c) {
  co_return co_await run_idempotent(
      c, "activation.cancel", "activation_id", [](Ctx& c) -> Awaitable {
        std::string reason;
        if (!c.req.body().empty()) {
          auto body = parse_body(c, {"reason"});
          if (!body) co_return error_response(c, body.error());
          auto r = opt_string(body.value(), "reason", 64);
          if (!r) co_return error_response(c, r.error());
          reason = r.value().value_or("");
        }
        auto done = co_await gw::cancel_activation(c.svc, c.deps.engine, c.tenant, c.param, reason);
        // The activation is the request's target: its errors are about it.
        if (!done) co_return error_response(c, done.error(), ErrorSubject::kTarget);
        const bool settled = done->verdict == Cancelled::kCancelled;
        // The verdict in the words of the statuses it matches.
        const char* verdict = settled ? activation::kCancelled : activation::kUnknown;
        Reply reply = json_response(
            c, settled ? 200 : 202,
            json::object{{"cancel", verdict}, {"activation", activation_json(done->activation)}});
        reply.outcome = std::string("cancel:") + verdict;
        co_return reply;
      });
}

}  // namespace cgw::gw::api
