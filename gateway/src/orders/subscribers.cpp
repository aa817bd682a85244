#include "orders/subscribers.hpp"

#include "carriers/typed_call.hpp"
#include "core/activation_status.hpp"
#include "core/channels.hpp"
#include "orders/activation_engine.hpp"

#include "cgw/common/crash_point.hpp"
#include "cgw/common/crypto.hpp"
#include "cgw/common/time_format.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

namespace cgw::gw {

namespace asio = boost::asio;
namespace json = boost::json;

Result<LineAccess> line_for(Services& svc, const std::string& tenant, const std::string& msisdn,
                            uint64_t capability) {
  auto line = svc.store.subscribers->sold_line(tenant, msisdn);
  // Another tenant's number, or one never sold: the same answer, so that a
  // tenant learns nothing about numbers it did not sell.
  if (!line) return make_error(code::kSubscriberNotFound, "no subscriber of yours has this number");
  Carrier* carrier = svc.carrier(line->carrier);
  if (!carrier)
    return make_error(code::kCarrierUnavailable,
                      "carrier " + std::string(public_carrier_id(line->carrier)) + " is not loaded",
                      true);
  if (!carrier->has(capability))
    return make_error(code::kNotSupported, "carrier " +
                                               std::string(public_carrier_id(line->carrier)) +
                                               " does not offer this operation");
  return LineAccess{std::move(*line), carrier};
}

asio::awaitable<Result<SubscriberInfo>> query_subscriber(Services& svc, const std::string& tenant,
                                                         const std::string& msisdn) {
  auto access = line_for(svc, tenant, msisdn, CGW_CAP_SUBSCRIBER_QUERY);
  if (!access) co_return access.error();
  // Inputs are named: g++ 12 mishandles temporaries inside a co_await.
  const SubscriberQueryInput in{msisdn};
  auto info = co_await call<SubscriberInfo>(*access->carrier, op::kSubscriberQuery, in);
  if (info && !info->status)
    co_return undecodable_answer(access->line.carrier, op::kSubscriberQuery, "no status");
  co_return info;
}

// --- top-ups ----------------------------------------------------------

namespace {

// The carrier's verdict as the store keeps it; nullopt for not_found.
std::optional<RechargeSettlement> settlement_of(const RechargeOutput& out) {
  if (out.result == RechargeResult::not_found) return std::nullopt;
  RechargeSettlement s;
  s.status = out.result == RechargeResult::succeeded ? recharge::kSucceeded : recharge::kFailed;
  s.carrier_recharge_id = out.carrier_recharge_id;
  s.failure_reason = out.reason;
  s.balance_fen = out.balance_fen;
  return s;
}

// Sends the top-up (its id is the carrier's deduplication key) and records
// the verdict. A failure that leaves the outcome open (lost answer, the
// carrier unreachable, a retryable refusal) leaves it submitting.
asio::awaitable<Result<Recharge>> send_recharge(Services& svc, Carrier& carrier,
                                                const Recharge& r) {
  svc.store.subscribers->note_recharge_attempt(r.id, svc.now());
  const RechargeInput in{r.id, r.msisdn, r.amount_fen};
  auto out = co_await call<RechargeOutput>(carrier, op::kSubscriberRecharge, in);
  // The carrier has answered; the store has not heard of it yet.
  crash_point("recharge.answered");
  RechargeSettlement s;
  if (out) {
    auto verdict = out->result ? settlement_of(out.value()) : std::nullopt;
    if (!verdict)  // no verdict, or not_found to a top-up it was just sent
      co_return undecodable_answer(r.carrier, op::kSubscriberRecharge, "no succeeded or failed");
    s = std::move(*verdict);
  } else if (!out.error().outcome_unknown && !out.error().retryable) {
    // A refusal: nothing was topped up (SUBSCRIBER_NOT_FOUND, ...).
    s.status = recharge::kFailed;
    s.failure_reason = out.error().code;
  } else {
    spdlog::warn("recharge={} carrier={} outcome open: {} {}", r.id, r.carrier, out.error().code,
                 out.error().message);
    co_return out.error();
  }
  svc.store.subscribers->settle_recharge(r.id, s, svc.now());
  auto settled = svc.store.subscribers->recharge(r.tenant, r.id);
  spdlog::info("recharge={} carrier={} tenant={} {}", r.id, r.carrier, r.tenant, settled->status);
  co_return *settled;
}

// A submitting top-up: the carrier says what became of it; only not_found
// sends it again (same id).
asio::awaitable<Result<Recharge>> resolve_recharge(Services& svc, Carrier& carrier,
                                                   const Recharge& r) {
  const RechargeQueryInput in{r.id, r.msisdn};
  auto q = co_await call<RechargeOutput>(carrier, op::kSubscriberRechargeQuery, in);
  if (!q) co_return q.error();
  if (!q->result)
    co_return undecodable_answer(r.carrier, op::kSubscriberRechargeQuery, "no result");
  auto verdict = settlement_of(q.value());
  if (!verdict) {
    spdlog::info("recharge={} carrier={} unknown to the carrier: sent again", r.id, r.carrier);
    auto sent = co_await send_recharge(svc, carrier, r);
    co_return sent;
  }
  svc.store.subscribers->settle_recharge(r.id, *verdict, svc.now());
  spdlog::info("recharge={} carrier={} resolved by query: {}", r.id, r.carrier, verdict->status);
  co_return *svc.store.subscribers->recharge(r.tenant, r.id);
}

}  // namespace

asio::awaitable<Result<RechargeAnswer>> recharge_subscriber(Services& svc,
                                                            const RechargeRequest& req) {
  auto access = line_for(svc, req.tenant, req.msisdn, CGW_CAP_RECHARGE);
  if (!access) co_return access.error();
  Recharge fresh;
  fresh.id = "rch_" + crypto::random_hex(12);
  fresh.tenant = req.tenant;
  fresh.idempotency_key = req.key;
  fresh.request_hash = req.request_hash;
  fresh.carrier = access->line.carrier;
  fresh.msisdn = req.msisdn;
  fresh.amount_fen = req.amount_fen;
  fresh.status = recharge::kSubmitting;
  fresh.created_at_ms = fresh.updated_at_ms = svc.now();
  Recharge stored = svc.store.subscribers->insert_recharge(fresh);
  if (stored.request_hash != req.request_hash)
    co_return make_error(code::kIdempotencyKeyReused,
                         "this Idempotency-Key was used with another request");
  const bool replayed = stored.id != fresh.id;
  if (replayed && stored.status != recharge::kSubmitting) co_return RechargeAnswer{stored, true};
  // On disk before the carrier hears of it: a crash after the send finds
  // the top-up, never forgets it.
  co_await svc.store.db->durable();
  Result<Recharge> done = make_error(code::kInternal, "not run");
  if (replayed)
    done = co_await resolve_recharge(svc, *access->carrier, stored);
  else
    done = co_await send_recharge(svc, *access->carrier, stored);
  if (!done) {
    // Still submitting: answered as such when the outcome is open.
    if (done.error().outcome_unknown || done.error().code == code::kCarrierTimeout)
      co_return RechargeAnswer{*svc.store.subscribers->recharge(req.tenant, stored.id), replayed};
    co_return done.error();
  }
  co_await svc.store.db->durable();
  co_return RechargeAnswer{std::move(done.value()), replayed};
}

asio::awaitable<size_t> recover_recharges(Services& svc, int64_t idle_since_ms) {
  size_t settled = 0;
  for (const auto& r : svc.store.subscribers->submitting_recharges(idle_since_ms, 64)) {
    if (svc.stopping) break;
    Carrier* carrier = svc.carrier(r.carrier);
    if (!carrier || !carrier->has(CGW_CAP_RECHARGE)) continue;
    auto done = co_await resolve_recharge(svc, *carrier, r);
    if (done && done->status != recharge::kSubmitting) ++settled;
    if (!done)
      spdlog::warn("recharge={} carrier={} still open: {}", r.id, r.carrier, done.error().code);
  }
  if (settled > 0) co_await svc.store.db->durable();
  co_return settled;
}

}  // namespace cgw::gw
