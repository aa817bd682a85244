#include "orders/activation_engine.hpp"

#include "carriers/typed_call.hpp"
#include "core/activation_status.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>

namespace cgw::gw {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {
// Retry and poll pacing. Submits that failed safely (nothing applied) are
// retried a bounded number of times; polling backs off to a ceiling.
constexpr int kMaxSubmitAttempts = 5;
constexpr int kMaxPolls = 200;
constexpr int64_t kMaxPollIntervalMs = 10 * 60 * 1000;

}  // namespace

// Backoffs and poll intervals are the gateway's clock (Services::clock): a
// move of a test clock ends a wait it passes.
asio::awaitable<void> ActivationEngine::sleep_ms(const std::string& id, int64_t ms) {
  std::shared_ptr<HostClock::Wakeup> wakeup;
  {
    std::lock_guard lock(mu_);
    if (auto it = running_.find(id); it != running_.end()) wakeup = it->second;
  }
  co_await svc_.clock.wait_for(std::chrono::milliseconds(ms), wakeup.get());
}

void ActivationEngine::settled(const std::string& id) {
  std::lock_guard lock(mu_);
  if (auto it = running_.find(id); it != running_.end()) svc_.clock.wake(*it->second);
}

void ActivationEngine::start() {
  // Only this instance's: on PostgreSQL another live instance drives its
  // own, and a dead one's are adopted by the recovery (app/fleet_loop).
  auto ids = svc_.store.activations->owned_open_ids();
  if (!ids.empty()) spdlog::info("engine: resuming {} open activations", ids.size());
  for (const auto& id : ids) kick(id);
}

void ActivationEngine::kick(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (!running_.emplace(id, std::make_shared<HostClock::Wakeup>()).second) return;
  }
  auto done = [this, id] {
    std::lock_guard lock(mu_);
    running_.erase(id);
  };
  // Refused once the shutdown began: the order stays open in the store and
  // the next start resumes it.
  if (!tasks_.spawn("activation", drive(id), done)) done();
}

// The plugin data of a carrier answer, if any, within the stored limit. An
// oversized one is not stored (the order goes on; the plugin's later calls
// get the data stored before) and logged as the plugin's fault.
static std::optional<std::string> plugin_data_of(const ActivationStatusOutput& s) {
  if (s.plugin_data && s.plugin_data->size() > kMaxPluginDataBytes) {
    spdlog::error("engine: the plugin returned {} bytes of plugin_data, more than {}; not stored",
                  s.plugin_data->size(), kMaxPluginDataBytes);
    return std::nullopt;
  }
  return s.plugin_data;
}

// What came with the move (HistoryEntry::detail): only the members the
// status carries, so a stray courier on a "delivered" is not recorded.
static std::string detail_of(const ActivationStatusOutput& s) {
  json::object d;
  if (s.status == OrderStatus::shipped) {
    if (s.courier) d["courier"] = *s.courier;
    if (s.waybill) d["waybill"] = *s.waybill;
  } else if (s.status == OrderStatus::first_topup && s.amount_fen) {
    d["amount_fen"] = *s.amount_fen;
  }
  return d.empty() ? std::string() : json::serialize(d);
}

StatusChange ActivationEngine::change_for(const ActivationStatusOutput& s,
                                          const std::string& cause) {
  StatusChange c{{}, cause, s.carrier_order_id, {}, {}, plugin_data_of(s), detail_of(s)};
  switch (s.status) {
    case OrderStatus::submitted:
      c.status = activation::kSubmitted;
      break;
    case OrderStatus::activated:
      c.status = activation::kActivated;
      break;
    case OrderStatus::failed:
      c.status = activation::kFailed;
      c.failure_code = code::kCarrierRejected;
      c.failure_message = "the carrier refused the activation" +
                          (s.reason.empty() ? std::string() : " (carrier reason " + s.reason + ")");
      break;
    case OrderStatus::reviewing:
      c.status = activation::kReviewing;
      break;
    case OrderStatus::shipped:
      c.status = activation::kShipped;
      break;
    case OrderStatus::delivered:
      c.status = activation::kDelivered;
      break;
    case OrderStatus::first_topup:
      c.status = activation::kFirstTopup;
      break;
    case OrderStatus::cancelled:
      c.status = activation::kCancelled;
      break;
    case OrderStatus::returned:
      c.status = activation::kReturned;
      break;
  }
  // Not a failure (failure stays for `failed`): the carrier's reason for an
  // ending goes into the history line.
  if ((s.status == OrderStatus::cancelled || s.status == OrderStatus::returned) &&
      !s.reason.empty())
    c.cause += " (carrier reason " + s.reason + ")";
  return c;
}

bool ActivationEngine::apply_status(const std::string& id, const ActivationStatusOutput& s,
                                    const std::string& cause) {
  auto change = change_for(s, cause);
  return advance_activation(svc_.store, id, change, svc_.now());
}

// The store may be unreachable for a while (a PostgreSQL restart or
// failover): the order is driven again from its stored state once the
// store answers, instead of waiting for the next start. Every step of
// drive_once starts from the store, so a drive cut anywhere resumes safely
// (a submit counted but maybe not sent is resolved by query).
asio::awaitable<void> ActivationEngine::drive(std::string id) {
  for (int64_t backoff_ms = 500;; backoff_ms = std::min<int64_t>(backoff_ms * 2, 30'000)) {
    try {
      co_await drive_once(id);
      co_return;
    } catch (const StoreError& e) {
      if (!e.unavailable() || stopping_) throw;
      spdlog::warn("engine: activation={} store unavailable ({}); resuming in {} ms", id, e.what(),
                   backoff_ms);
    }
    // Not sleep_ms(): a settled order's wakeup would end this wait at once
    // and turn the retries against an unavailable store into a busy loop.
    co_await svc_.clock.wait_for(std::chrono::milliseconds(backoff_ms));
  }
}

asio::awaitable<void> ActivationEngine::drive_once(const std::string& id) {
  auto a = svc_.store.activations->by_id(id, false);
  if (!a || is_settled_status(a->status)) co_return;
  Carrier* carrier = svc_.carrier(a->carrier);
  if (!carrier) {
    spdlog::error("engine: activation={} carrier {} is not loaded; it stays {}", id, a->carrier,
                  a->status);
    co_return;
  }
  if (a->status == activation::kPending && a->submit_attempts > 0) {
    // A submit was started by a process that died: it may have reached the
    // carrier. Resolve it like any other unknown outcome, by query.
    advance_activation(svc_.store, id, activation::kUnknown,
                       "restarted while a submit was in flight", svc_.now());
    spdlog::warn("engine: activation={} was being submitted when the gateway stopped; querying",
                 id);
  } else if (a->status == activation::kPending) {
    if (!co_await submit(id, *carrier)) co_return;
  }
  co_await poll(id, *carrier);
}

asio::awaitable<bool> ActivationEngine::submit(const std::string& id, Carrier& carrier) {
  for (int attempt = 1; attempt <= kMaxSubmitAttempts && !stopping_; ++attempt) {
    auto sub = svc_.store.activations->submission(id);
    if (!sub) {
      advance_activation(svc_.store, id, activation::kFailed, "the applicant's data cannot be read",
                         svc_.now(), {}, code::kInternal, "stored data unreadable");
      co_return false;
    }
    // `unknown` is resubmitted only after a query proved the carrier has no
    // such order (see poll); the same order id lets the carrier deduplicate.
    const auto& st0 = sub->activation.status;
    if (st0 != activation::kPending && st0 != activation::kUnknown)
      co_return true;  // moved on elsewhere
    // A resubmission after an unknown outcome: a carrier that cannot be
    // asked by our order id (or does not deduplicate on it) may refuse it
    // although the first submit opened the line, so no answer to it makes
    // the order `failed`.
    const bool resubmission = st0 == activation::kUnknown;
    ActivationSubmitInput in{id,
                             sub->activation.msisdn,
                             sub->activation.plan_id,
                             sub->carrier_reservation_id,
                             sub->name,
                             sub->id_number,
                             sub->delivery};
    // On disk before the carrier can see the order: after a crash, the
    // count tells that the carrier may know it. Refused when another
    // instance adopted the order (this one was declared dead): it drives it;
    // and when the order was cancelled before it was sent.
    if (!svc_.store.activations->note_submit_attempt(id)) {
      spdlog::warn(
          "engine: activation={} is driven by another instance now or was cancelled; "
          "the submit is not sent",
          id);
      co_return false;
    }
    if (!co_await svc_.store.db->durable())
      spdlog::critical("engine: activation={} submit attempt not flushed to disk", id);
    auto outcome = co_await call<ActivationStatusOutput>(carrier, op::kActivationSubmit, in);
    if (outcome.ok()) {
      accepted(id, outcome.value());
      co_return true;
    }
    if (auto settled = settle_failure(id, outcome.error(), resubmission)) co_return *settled;
    spdlog::warn("engine: activation={} submit attempt {} failed ({}), retrying", id, attempt,
                 outcome.error().code);
    co_await sleep_ms(id, std::min<int64_t>(1000LL << attempt, 30'000));
  }
  if (!stopping_) give_up(id);
  co_return false;
}

void ActivationEngine::accepted(const std::string& id, const ActivationStatusOutput& st) {
  StatusChange change;
  change.status = activation::kSubmitted;
  change.cause = "carrier accepted the order";
  change.carrier_order_id = st.carrier_order_id;
  change.plugin_data = plugin_data_of(st);
  advance_activation(svc_.store, id, change, svc_.now());
  if (st.status != OrderStatus::submitted) apply_status(id, st, "submit reply");
  spdlog::info("engine: activation={} submitted carrier_order={}", id, st.carrier_order_id);
}

std::optional<bool> ActivationEngine::settle_failure(const std::string& id, const Error& failure,
                                                     bool resubmission) {
  if (failure.outcome_unknown) {
    advance_activation(svc_.store, id, activation::kUnknown,
                       "submit outcome unknown: " + failure.code, svc_.now());
    spdlog::warn("engine: activation={} submit outcome unknown ({}); resolving by query", id,
                 failure.code);
    return true;
  }
  if (failure.retryable) return std::nullopt;
  if (resubmission) {
    hold_unknown(id, "resubmission refused (" + failure.code +
                         "): the first submit may have opened the line; an operator resolves it");
    return false;
  }
  advance_activation(svc_.store, id, activation::kFailed, "carrier refused the submit", svc_.now(),
                     {}, failure.code, failure.message);
  spdlog::info("engine: activation={} failed: {}", id, failure.code);
  return false;
}

void ActivationEngine::give_up(const std::string& id) {
  if (svc_.store.activations->by_id(id, false).value_or(Activation{}).status ==
      activation::kUnknown) {
    hold_unknown(id, "resubmission not accepted after " + std::to_string(kMaxSubmitAttempts) +
                         " attempts: the first submit may have opened the line; an operator "
                         "resolves it");
  } else {
    // Retries exhausted on errors that were safe (nothing applied): the
    // order is failed rather than left waiting forever.
    advance_activation(svc_.store, id, activation::kFailed,
                       "carrier unavailable, retries exhausted", svc_.now(), {},
                       code::kCarrierUnavailable, "the carrier could not be reached");
  }
}

void ActivationEngine::hold_unknown(const std::string& id, const std::string& cause) {
  // It stays listed by GET /v1/activations?status=unknown and counted by
  // cgw_activations_unknown until POST /v1/activations/{id}/resolve.
  note_still_unknown(svc_.store, id, cause, svc_.now());
  spdlog::error("engine: activation={} stays unknown: {}", id, cause);
}

asio::awaitable<void> ActivationEngine::poll(const std::string& id, Carrier& carrier) {
  int64_t interval = std::chrono::duration_cast<std::chrono::milliseconds>(
                         carrier.config().activation_poll_interval)
                         .count();
  for (int n = 0; n < kMaxPolls && !stopping_; ++n) {
    auto a = svc_.store.activations->by_id(id, false);
    if (!a || is_settled_status(a->status)) co_return;
    // An `unknown` order is queried at once; a submitted one waits for its
    // callback first.
    if (!(a->status == activation::kUnknown && n == 0)) co_await sleep_ms(id, interval);
    if (stopping_) co_return;
    a = svc_.store.activations->by_id(id, false);
    if (!a || is_settled_status(a->status)) co_return;
    if (a->status == activation::kUnknown && a->carrier_order_id.empty() &&
        !(carrier.library().traits & CGW_TRAIT_FINDS_ORDER_BY_GATEWAY_ID)) {
      // Without the carrier's order id this carrier cannot be asked, and a
      // "not found" would not prove the order absent: resubmitting could
      // open a second line. An operator resolves it (docs/reliability.md).
      hold_unknown(id,
                   "the carrier cannot find an order by the gateway's id (its plugin declares "
                   "no CGW_TRAIT_FINDS_ORDER_BY_GATEWAY_ID)");
      co_return;
    }
    const ActivationQueryInput in{.gateway_order_id = id,
                                  .carrier_order_id = a->carrier_order_id,
                                  .plugin_data = a->plugin_data};
    auto outcome = co_await call<ActivationStatusOutput>(carrier, op::kActivationQuery, in);
    svc_.store.activations->schedule_poll(id, svc_.now() + interval);
    if (outcome.ok()) {
      apply_status(id, outcome.value(), "status query");
    } else if (outcome.error().code == code::kOrderNotFound && a->status == activation::kUnknown) {
      // The carrier has no such order: the lost submit never arrived. Send
      // it again with the same order id (the carrier deduplicates on it).
      spdlog::info("engine: activation={} unknown to the carrier; submitting again", id);
      if (!co_await submit(id, carrier)) co_return;
      continue;
    }
    interval = std::min(interval * 2, kMaxPollIntervalMs);
  }
  if (!stopping_)
    spdlog::error(
        "engine: activation={} is still not final after {} status queries; it stays open for "
        "an operator (the next restart queries it again)",
        id, kMaxPolls);
}

}  // namespace cgw::gw
