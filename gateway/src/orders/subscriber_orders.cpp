// SIM replacements, suspensions at the holder's request, carrier events
// about lines, and the background loop of the subscriber services
// (orders/subscribers.hpp).
#include "carriers/typed_call.hpp"
#include "core/activation_status.hpp"
#include "core/channels.hpp"
#include "orders/activation_engine.hpp"
#include "orders/subscribers.hpp"

#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

namespace cgw::gw {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

ReplacementChange replacement_change(const ActivationStatusOutput& s, const std::string& cause) {
  StatusChange c = ActivationEngine::change_for(s, cause);
  ReplacementChange r{c.status, c.cause, c.carrier_order_id, c.failure_code, c.failure_message,
                      {},       {},      c.plugin_data};
  if (c.status == activation::kFailed) r.failure_message = "the carrier refused the replacement";
  r.courier = s.courier.value_or("");
  r.waybill = s.waybill.value_or("");
  return r;
}

// The error a failed replacement answers to a retry of its key.
Error replacement_error(const SimReplacement& r) {
  return make_error(r.failure_code.empty() ? code::kCarrierRejected : r.failure_code.c_str(),
                    r.failure_message);
}

}  // namespace

asio::awaitable<Result<ReplacementAnswer>> replace_sim(Services& svc,
                                                       const SimReplaceRequest& req) {
  auto access = line_for(svc, req.tenant, req.msisdn, CGW_CAP_SIM_REPLACE);
  if (!access) co_return access.error();
  // The gateway's own check first: the holder named must be the one the
  // number's activation verified (the carrier checks again).
  if (!svc.store.subscribers->holder_matches(access->line.activation_id, req.name, req.id_number))
    co_return make_error(code::kIdentityMismatch,
                         "the holder named is not the number's registered owner");
  SimReplacement fresh;
  fresh.id = "rpl_" + crypto::random_hex(12);
  fresh.tenant = req.tenant;
  fresh.idempotency_key = req.key;
  fresh.request_hash = req.request_hash;
  fresh.carrier = access->line.carrier;
  fresh.msisdn = req.msisdn;
  fresh.activation_id = access->line.activation_id;
  fresh.reason = req.reason;
  fresh.status = activation::kPending;
  fresh.created_at_ms = fresh.updated_at_ms = svc.now();
  SimReplacement stored = svc.store.subscribers->insert_replacement(fresh);
  if (stored.request_hash != req.request_hash)
    co_return make_error(code::kIdempotencyKeyReused,
                         "this Idempotency-Key was used with another request");
  const bool replayed = stored.id != fresh.id;
  if (replayed && stored.status == activation::kFailed) co_return replacement_error(stored);
  if (replayed && stored.status != activation::kPending && stored.status != activation::kUnknown)
    co_return ReplacementAnswer{stored, true};
  co_await svc.store.db->durable();
  SimReplaceInput in{stored.id, req.msisdn, req.name, req.id_number, req.reason, req.delivery};
  auto out = co_await call<ActivationStatusOutput>(*access->carrier, op::kSubscriberSimReplace, in);
  if (out) {
    svc.store.subscribers->advance_replacement(
        stored.id, replacement_change(out.value(), "accepted"), svc.now());
  } else if (out.error().outcome_unknown) {
    svc.store.subscribers->advance_replacement(
        stored.id, {activation::kUnknown, "outcome unknown: " + out.error().code}, svc.now());
  } else if (!out.error().retryable) {
    ReplacementChange failed{activation::kFailed, "refused: " + out.error().code};
    failed.failure_code = out.error().code;
    failed.failure_message = out.error().message;
    svc.store.subscribers->advance_replacement(stored.id, failed, svc.now());
    co_await svc.store.db->durable();
    co_return out.error();
  } else {
    co_return out.error();  // nothing applied: stays pending for a retry of the key
  }
  co_await svc.store.db->durable();
  spdlog::info("sim_replacement={} carrier={} tenant={} accepted", stored.id, stored.carrier,
               req.tenant);
  co_return ReplacementAnswer{*svc.store.subscribers->replacement(req.tenant, stored.id), replayed};
}

asio::awaitable<size_t> track_replacements(Services& svc) {
  size_t moved = 0;
  for (const auto& id : svc.store.subscribers->open_replacements()) {
    if (svc.stopping) break;
    auto r = svc.store.subscribers->replacement_by_id(id);
    // A pending one waits for a retry of its key (never sent, or refused
    // retryably): the carrier has nothing to say about it.
    if (!r || r->status == activation::kPending) continue;
    Carrier* carrier = svc.carrier(r->carrier);
    if (!carrier) continue;
    const ActivationQueryInput in{r->id, r->carrier_order_id, r->plugin_data};
    auto out = co_await call<ActivationStatusOutput>(*carrier, op::kActivationQuery, in);
    if (!out) continue;  // asked again next pass
    if (svc.store.subscribers->advance_replacement(id, replacement_change(out.value(), "poll"),
                                                   svc.now()))
      ++moved;
  }
  co_return moved;
}

asio::awaitable<Result<StoredAnswer>> change_line(Services& svc, const LineChangeRequest& req,
                                                  const LineErrorAnswer& answer_for,
                                                  const LineAnswer& accepted) {
  auto access = line_for(svc, req.tenant, req.msisdn, CGW_CAP_SUSPEND);
  if (!access) co_return access.error();
  auto& keys = *svc.store.idempotency;
  auto claim = in_transaction(*svc.store.db, [&](Tx& tx) {
    return keys.claim(tx, req.tenant, req.key, req.request_hash, svc.now(), 60'000);
  });
  if (claim.kind == KeyClaim::kReplay) co_return StoredAnswer{claim.replay, true};
  if (claim.kind == KeyClaim::kMismatch)
    co_return make_error(code::kIdempotencyKeyReused,
                         "this Idempotency-Key was used with another request");
  if (claim.kind == KeyClaim::kInFlight)
    co_return make_error(code::kIdempotencyKeyInUse, "a request with this key is running", true);
  SubscriberChangeInput in{"sub_" + crypto::random_hex(12), req.msisdn, req.reason};
  const char* operation = req.suspend ? op::kSubscriberSuspend : op::kSubscriberResume;
  auto out = co_await call<SubscriberInfo>(*access->carrier, operation, in);
  if (out && !out->status) out = undecodable_answer(access->line.carrier, operation, "no status");
  if (!out && (out.error().retryable || out.error().outcome_unknown)) {
    // Suspending twice is harmless: the same key may simply try again.
    in_transaction(*svc.store.db, [&](Tx& tx) { keys.drop(tx, req.tenant, req.key); });
    co_return out.error();
  }
  IdempotentReplay answer = out ? accepted(out.value()) : answer_for(out.error());
  in_transaction(*svc.store.db, [&](Tx& tx) { keys.answer(tx, req.tenant, req.key, answer); });
  co_await svc.store.db->durable();
  spdlog::info("line msisdn={} carrier={} tenant={} {} -> {}", access->line.msisdn.substr(0, 3),
               access->line.carrier, req.tenant, req.suspend ? "suspend" : "resume",
               out ? std::string(wire_name(*out.value().status)) : out.error().code);
  co_return StoredAnswer{std::move(answer), false};
}

// --- carrier events ---------------------------------------------------

namespace {

bool has_webhook(const Services& svc, const std::string& tenant) {
  for (const auto& t : svc.config.tenants)
    if (t.id == tenant) return t.webhook.has_value();
  return false;
}

void apply_line_status(Services& svc, const std::string& carrier_id, const CallbackEvent& e,
                       const json::value& raw) {
  const std::string msisdn = e.msisdn.value_or("");
  auto line = msisdn.empty() ? std::nullopt : svc.store.subscribers->seller(carrier_id, msisdn);
  const bool suspended = e.subscriber_status == SubscriberStatus::suspended;
  const bool resumed = e.subscriber_status == SubscriberStatus::active;
  bool pushed = false;
  in_transaction(*svc.store.db, [&](Tx& tx) {
    auto rec =
        svc.store.callbacks->record(tx, carrier_id, e.event_id, json::serialize(raw), svc.now());
    if (!rec.fresh || !line || !has_webhook(svc, line->tenant) || (!suspended && !resumed)) return;
    const std::string event_id = "evt_" + crypto::random_hex(12);
    const std::string type = suspended ? "subscriber.suspended" : "subscriber.resumed";
    json::object body{{"id", event_id},
                      {"type", type},
                      {"timestamp", rfc3339_utc(svc.now())},
                      {"data", json::object{{"msisdn", msisdn},
                                            {"carrier", std::string(public_carrier_id(carrier_id))},
                                            {"activation_id", line->activation_id},
                                            {"status", wire_name(*e.subscriber_status)},
                                            {"reason", e.reason},
                                            {"initiated_by", "carrier"},
                                            {"occurred_at", rfc3339_utc(e.occurred_at_ms)}}}};
    svc.store.subscribers->enqueue_line_event(tx, *line, event_id, type, json::serialize(body),
                                              svc.now());
    pushed = true;
  });
  spdlog::info("callback carrier={} event={} subscriber.status={} sold_here={} webhook={}",
               carrier_id, e.event_id,
               e.subscriber_status ? wire_name(*e.subscriber_status) : std::string_view("?"),
               line.has_value(), pushed);
}

}  // namespace

bool apply_subscriber_event(Services& svc, const std::string& carrier_id, const CallbackEvent& e,
                            const json::value& raw) {
  if (e.event_id.empty()) return false;
  if (e.type == event::kSubscriberStatus) {
    apply_line_status(svc, carrier_id, e, raw);
    return true;
  }
  if (e.type != event::kActivationStatus || !e.gateway_order_id.starts_with("rpl_")) return false;
  auto r = svc.store.subscribers->replacement_by_id(e.gateway_order_id);
  if (!r || r->carrier != carrier_id) return false;
  ActivationStatusOutput s{.carrier_order_id = e.carrier_order_id,
                           .status = e.status,
                           .reason = e.reason,
                           .plugin_data = std::nullopt,
                           .courier = e.courier,
                           .waybill = e.waybill,
                           .amount_fen = e.amount_fen};
  // The move first (forward only, so a redelivered event moves nothing),
  // then the event's record: a crash between them is healed by the
  // carrier's redelivery.
  const bool moved = svc.store.subscribers->advance_replacement(
      r->id, replacement_change(s, "callback " + e.event_id), svc.now());
  in_transaction(*svc.store.db, [&](Tx& tx) {
    svc.store.callbacks->record(tx, carrier_id, e.event_id, json::serialize(raw), svc.now());
  });
  spdlog::info("callback carrier={} event={} sim_replacement={} status={} advanced={}", carrier_id,
               e.event_id, r->id, wire_name(e.status), moved);
  return true;
}

// --- the loop -----------------------------------------------------------

asio::awaitable<void> subscriber_services_loop(Services& svc) {
  // At start every submitting top-up is a previous process's (or, on a
  // shared store, may be another instance's: resolving it is harmless,
  // since the carrier deduplicates a resend on its id).
  int64_t idle_since = svc.now();
  for (;;) {
    if (svc.fleet.holds(kHousekeepingLease)) {
      try {
        if (auto n = co_await recover_recharges(svc, idle_since); n > 0)
          spdlog::info("recovery: {} submitting top-ups settled", n);
        idle_since = svc.now() - 30'000;
        co_await track_replacements(svc);
      } catch (const boost::system::system_error& e) {
        if (e.code() == asio::error::operation_aborted) throw;  // the shutdown
        spdlog::error("subscriber services pass failed: {}", e.what());
      } catch (const std::exception& e) {
        spdlog::error("subscriber services pass failed: {}", e.what());  // next round
      }
    }
    // On the gateway's clock: a move of a test clock wakes it.
    if (auto ec = co_await svc.clock.wait_for(std::chrono::seconds(2))) co_return;
  }
}

}  // namespace cgw::gw
