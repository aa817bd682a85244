#include "orders/housekeeping.hpp"

#include "carriers/typed_call.hpp"
#include "core/reservation_status.hpp"
#include "store/operations.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/system/system_error.hpp>
#include <cgw/types.hpp>

#include <algorithm>

namespace cgw::gw {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {
constexpr auto kReleaseInterval = std::chrono::milliseconds(1000);
constexpr size_t kReleaseBatch = 32;
// A leased row comes due again after this if the process dies mid-release.
constexpr int64_t kReleaseLeaseMs = 60'000;

bool lock_gone(const OperationResult& o) {
  return o.ok() || o.error().code == code::kReservationNotFound ||
         o.error().code == code::kReservationExpired;
}

asio::awaitable<void> release_one(Services& svc, const Reservation& r) {
  Carrier* carrier = svc.carrier(r.carrier);
  const int64_t now = svc.now();
  // Past the lock's own expiry there is nothing left to release. Without a
  // reported expiry (an interrupted reservation): its latest possible one.
  int64_t lock_end = r.carrier_expires_at_ms;
  if (lock_end == 0)
    lock_end = r.created_at_ms +
               (carrier ? carrier->config().reservation_hold_seconds : 1800) * 1000 +
               reservation::kMaxExpirySkewMs;
  auto again = [&](const std::string& why) {
    const int64_t next = now + release_backoff_ms(r.release_attempts);
    spdlog::warn("reservation={} carrier={} lock release attempt {} failed ({}); next in {} ms",
                 r.id, r.carrier, r.release_attempts + 1, why, next - now);
    svc.store.reservations->retry_release(r.id, next, why);
  };
  if (now >= lock_end) {
    spdlog::info("reservation={} carrier={} lock expired at the carrier; {}", r.id, r.carrier,
                 r.release_to);
    finish_release(svc.store, r.id, now);
    co_return;
  }
  if (!carrier) co_return again("carrier not loaded");
  std::string lock = r.carrier_reservation_id;
  if (lock.empty()) {
    // The first attempt's answer was lost: the same gateway reservation id
    // finds its lock at a carrier that deduplicates on it (or takes a fresh
    // one, released just the same).
    ReserveInput in{r.msisdn, r.id, carrier->config().reservation_hold_seconds};
    auto found = co_await call<ReserveOutput>(*carrier, op::kNumberReserve, in);
    if (found.ok()) {
      lock = found.value().carrier_reservation_id;
      if (lock.empty()) co_return again(std::string(code::kCarrierBadResponse) + ": no lock id");
      svc.store.reservations->note_carrier_lock(r.id, lock);
    } else if (found.error().code == code::kNumberUnavailable && !found.error().outcome_unknown) {
      // Not our lock (ours would have been returned): nothing to release.
      spdlog::info("reservation={} carrier={} holds no lock of ours; {}", r.id, r.carrier,
                   r.release_to);
      finish_release(svc.store, r.id, svc.now());
      co_return;
    } else {
      co_return again(found.error().code);
    }
  }
  ReleaseInput in{r.msisdn, lock};
  auto outcome = co_await carrier->run(op::kNumberRelease, json::serialize(json::value_from(in)));
  if (!lock_gone(outcome)) co_return again(outcome.error().code);
  spdlog::info("reservation={} carrier={} lock released; {}", r.id, r.carrier, r.release_to);
  finish_release(svc.store, r.id, svc.now());
}

}  // namespace

int64_t release_backoff_ms(int64_t attempts) {
  return std::min<int64_t>(int64_t{1000} << std::clamp<int64_t>(attempts, 0, 9), 300'000);
}

asio::awaitable<size_t> release_due_locks(Services& svc) {
  const int64_t now = svc.now();
  auto due = lease_due_releases(svc.store, now, kReleaseBatch, now + kReleaseLeaseMs);
  for (const auto& r : due) co_await release_one(svc, r);
  co_return due.size();
}

// One loop (so that the shutdown cancels one thing): the release queue
// every second, the janitor every housekeeping_interval.
// Both are timed by the gateway's clock (Services::clock): a move of a
// test clock wakes the loop, and a janitor round that came due runs at once.
asio::awaitable<void> housekeeping_loop(Services& svc) {
  const int64_t keep_keys_ms = svc.config.idempotency_key_retention.count() * 1000;
  const auto tick =
      std::min<std::chrono::milliseconds>(svc.config.housekeeping_interval, kReleaseInterval);
  int64_t janitor_due = svc.clock.now_ms();
  for (;;) {
    // One instance of a fleet does the rounds (the lease's holder); the
    // others wait. The release queue is leased per row as well.
    const bool mine = svc.fleet.holds(kHousekeepingLease);
    if (mine && svc.clock.now_ms() >= janitor_due) {
      janitor_due = svc.clock.now_ms() + svc.config.housekeeping_interval.count();
      try {
        const int64_t now = svc.now();
        if (auto n = expire_reservations(svc.store, now); n > 0)
          spdlog::info("housekeeping: {} reservations expired", n);
        if (auto n = svc.store.idempotency->prune(now - keep_keys_ms); n > 0)
          spdlog::info("housekeeping: {} idempotency keys pruned", n);
      } catch (const std::exception& e) {
        spdlog::error("housekeeping failed: {}", e.what());  // tried again next round
      }
    }
    try {
      if (mine) co_await release_due_locks(svc);
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw;  // the shutdown
      spdlog::error("lock release pass failed: {}", e.what());
    } catch (const std::exception& e) {
      spdlog::error("lock release pass failed: {}", e.what());  // tried again next round
    }
    if (auto ec = co_await svc.clock.wait_for(tick)) co_return;
  }
}

}  // namespace cgw::gw
