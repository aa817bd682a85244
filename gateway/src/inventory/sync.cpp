#include "inventory/sync.hpp"

#include "carriers/typed_call.hpp"
#include "core/background_tasks.hpp"
#include "inventory/run_on.hpp"
#include "inventory/vanity.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>

namespace cgw::gw {

namespace json = boost::json;
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

namespace {

// The search tags of each number, stored with it (the store knows no tags).
std::vector<uint32_t> tags_of(const std::vector<NumberItem>& items) {
  std::vector<uint32_t> tags;
  tags.reserve(items.size());
  for (const auto& n : items) tags.push_back(vanity_tags(n.msisdn));
  return tags;
}

// Rows per store transaction in a full sync: large enough that commits do
// not dominate, small enough that other writers wait only a few tens of ms.
constexpr size_t kWriteBatchRows = 20'000;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

asio::awaitable<std::optional<InventorySyncOutput>> fetch(Carrier& carrier,
                                                          const InventorySyncInput& in) {
  const auto& id = carrier.config().id;
  auto outcome = co_await call<InventorySyncOutput>(carrier, op::kInventorySync, in);
  if (!outcome.ok()) {
    spdlog::warn("sync carrier={} page failed: {} {}", id, outcome.error().code,
                 outcome.error().message);
    co_return std::nullopt;
  }
  co_return std::move(outcome.value());
}

void log_progress(const std::string& id, int64_t done, std::optional<int64_t> total,
                  Clock::time_point started) {
  const double secs = std::max(seconds_since(started), 1e-3);
  const double rate = static_cast<double>(done) / secs;
  if (total && *total > 0) {
    const double left = static_cast<double>(std::max<int64_t>(*total - done, 0));
    spdlog::info("sync carrier={} full progress numbers={}/{} ({:.0f}%) rate={:.0f}/s eta={:.1f}s",
                 id, done, *total, 100.0 * static_cast<double>(done) / static_cast<double>(*total),
                 rate, rate > 0 ? left / rate : 0.0);
  } else {
    spdlog::info("sync carrier={} full progress numbers={} rate={:.0f}/s", id, done, rate);
  }
}

}  // namespace

void rebuild_number_index(Inventory& inv, const std::string& carrier) {
  Services& svc = inv.svc;
  const auto started = Clock::now();
  IndexBuild build = inv.index.begin_build(carrier);
  svc.store.numbers->for_each_number(carrier, [&build](const NumberRow& n) {
    build.add(n.msisdn, n.province, n.city, n.host_network, n.price_fen, n.carrier_grade,
              n.held_here, n.carrier_available);
  });
  const double load_s = seconds_since(started);
  const size_t skipped = build.skipped();
  const size_t indexed = inv.index.install(std::move(build));
  spdlog::info("index carrier={} numbers={} load={:.2f}s total={:.2f}s", carrier, indexed, load_s,
               seconds_since(started));
  if (skipped > 0)
    spdlog::warn("index carrier={} skipped {} numbers that are not 11 digits", carrier, skipped);
}

namespace {

// One full sync pass: pages of the carrier's inventory flow into the store
// (batches of kWriteBatchRows) and into a new search snapshot, which is
// installed once the last page is stored. A generation number (the pass's
// start time) marks every row this pass wrote; rows of older generations
// are gone from the carrier once the pass completes.
class FullSyncPass {
 public:
  FullSyncPass(Inventory& inv, Carrier& carrier)
      : inv_(inv),
        carrier_(carrier),
        id_(carrier.config().id),
        generation_(inv.svc.now()),
        build_(inv.index.begin_build(id_)) {}

  asio::awaitable<SyncResult> run() {
    try {
      if (!co_await store_all_pages()) co_return result_;
      co_await install();
    } catch (const std::exception& e) {
      if (is_cancellation(e)) throw;  // the shutdown: the task unwinds
      spdlog::error("sync carrier={} full sync stopped by a store error: {}", id_, e.what());
      co_return result_;
    }
    result_.ok = true;
    result_.seconds = seconds_since(started_);
    spdlog::info("sync carrier={} done numbers={} seconds={:.2f} rate={:.0f}/s change_feed={}", id_,
                 result_.numbers, result_.seconds,
                 static_cast<double>(result_.numbers) / std::max(result_.seconds, 1e-3),
                 change_cursor_.empty() ? "no" : "yes");
    co_return result_;
  }

 private:
  // Fetches every page; the worker indexes and stores page k while the I/O
  // thread fetches page k+1 (a two-stage pipeline). False: the pass failed
  // or was stopped, and the previous inventory stays.
  asio::awaitable<bool> store_all_pages() {
    InventorySyncInput in{"", carrier_.config().sync_page_size, ""};
    auto last_log = started_;
    auto page = co_await fetch(carrier_, in);
    for (int n = 0; page; ++n) {
      if (inv_.svc.stopping) {
        spdlog::info("sync carrier={} full sync stopped by shutdown after {} numbers", id_,
                     result_.numbers);
        co_return false;
      }
      // The change position as of the first page: later changes come by
      // the feed.
      if (n == 0) change_cursor_ = page->change_cursor;
      if (page->total) total_ = page->total;
      result_.numbers += static_cast<int64_t>(page->items.size());
      const bool more = page->has_more;
      if (more && (page->next_cursor.empty() || page->next_cursor == in.cursor)) {
        spdlog::warn("sync carrier={} cursor did not advance; stopping this pass", id_);
        page.reset();
        break;
      }
      in.cursor = page->next_cursor;
      if (!more) {
        co_await absorb(std::move(page->items), true);
        co_return true;
      }
      page = co_await (fetch(carrier_, in) && absorb(std::move(page->items), false));
      if (Clock::now() - last_log >= std::chrono::seconds(1)) {
        log_progress(id_, result_.numbers, total_, started_);
        last_log = Clock::now();
      }
    }
    spdlog::warn("sync carrier={} full sync failed after {} numbers; the previous inventory stays",
                 id_, result_.numbers);
    co_return false;
  }

  // Indexes one page and writes the batch once it is full (or the last).
  // The worker's lambda captures references only: GCC 12 destroys a
  // temporary of a co_await expression twice (PR 100611), harmless only for
  // a closure that owns nothing.
  asio::awaitable<void> absorb(std::vector<NumberItem> items, bool last) {
    co_await run_on(inv_.sync_worker, [this, &items, last] {
      for (const auto& it : items)
        build_.add(it.msisdn, it.province, it.city, it.host_network.value_or(""), it.price_fen,
                   it.carrier_grade, false, it.status == NumberState::available);
      batch_.insert(batch_.end(), std::make_move_iterator(items.begin()),
                    std::make_move_iterator(items.end()));
      if (batch_.size() >= kWriteBatchRows || last) {
        inv_.svc.store.numbers->upsert_numbers(id_, batch_, tags_of(batch_), generation_);
        batch_.clear();
      }
    });
  }

  // The index first: once the sync shows as done, search serves it.
  asio::awaitable<void> install() {
    const int64_t now = inv_.svc.now();
    size_t indexed = 0;
    co_await run_on(inv_.sync_worker, [this, now, &indexed] {
      for (const auto& m : inv_.svc.store.numbers->held_numbers(id_)) build_.hold(m);
      if (build_.skipped() > 0)
        spdlog::warn("sync carrier={} skipped {} numbers that are not 11 digits", id_,
                     build_.skipped());
      indexed = inv_.index.install(std::move(build_));
      inv_.svc.store.numbers->finish_sync(id_, generation_, now, change_cursor_);
    });
    spdlog::info("index carrier={} numbers={} (built from the sync)", id_, indexed);
  }

  Inventory& inv_;
  Carrier& carrier_;
  const std::string id_;
  const int64_t generation_;
  const Clock::time_point started_ = Clock::now();
  IndexBuild build_;               // the new search snapshot, filled as pages arrive
  std::vector<NumberItem> batch_;  // rows not yet written (worker only)
  std::string change_cursor_;
  std::optional<int64_t> total_;
  SyncResult result_;
};

}  // namespace

asio::awaitable<SyncResult> full_sync(Inventory& inv, Carrier& carrier) {
  FullSyncPass pass(inv, carrier);
  co_return co_await pass.run();
}

asio::awaitable<SyncResult> incremental_sync(Inventory& inv, Carrier& carrier) {
  Services& svc = inv.svc;
  const auto& id = carrier.config().id;
  const auto started = Clock::now();
  SyncResult result;
  const SyncState state = svc.store.numbers->sync_state(id);
  if (state.change_cursor.empty()) co_return result;
  InventorySyncInput in{"", carrier.config().sync_page_size, state.change_cursor};
  size_t unknown = 0;  // numbers new to the index: only a rebuild adds them
  try {
    for (;;) {
      if (svc.stopping) co_return result;
      auto page = co_await fetch(carrier, in);
      if (!page) co_return result;
      if (page->change_cursor.empty()) {
        spdlog::warn("sync carrier={} change feed gave no position; next sync is a full one", id);
        co_return result;
      }
      auto items = std::move(page->items);
      result.numbers += static_cast<int64_t>(items.size());
      co_await run_on(inv.sync_worker, [&] {
        svc.store.numbers->upsert_numbers(id, items, tags_of(items), state.generation);
        for (const auto& n : items)
          if (!inv.index.set_carrier_available(id, n.msisdn, n.status == NumberState::available))
            ++unknown;
      });
      in.since = page->change_cursor;
      if (!page->has_more) break;
    }
    const int64_t now = svc.now();
    co_await run_on(inv.sync_worker, [&] {
      svc.store.numbers->save_change_cursor(id, in.since, now);
      if (unknown > 0) rebuild_number_index(inv, id);
    });
  } catch (const std::exception& e) {
    if (is_cancellation(e)) throw;  // the shutdown: the task unwinds
    spdlog::error("sync carrier={} incremental sync stopped by a store error: {}", id, e.what());
    co_return result;
  }
  result.ok = true;
  result.seconds = seconds_since(started);
  if (result.numbers > 0)
    spdlog::info("sync carrier={} incremental changes={} new={} seconds={:.3f}", id, result.numbers,
                 unknown, result.seconds);
  co_return result;
}

namespace {
// The same stored inventory: no full sync since, and the change feed's
// position has not moved (an incremental pass that found no change only
// renews last_change_at, which needs no rebuild).
bool same_sync(const SyncState& a, const SyncState& b) {
  return a.last_full_sync_at_ms == b.last_full_sync_at_ms && a.generation == b.generation &&
         a.change_cursor == b.change_cursor;
}

// While another instance holds the carrier's sync lease: when its sync
// changed the stored inventory since this index was built, the index is
// rebuilt from the store. Returns whether there has been a full sync.
asio::awaitable<bool> follow_store(Inventory& inv, const std::string& carrier, SyncState& indexed) {
  const SyncState now = inv.svc.store.numbers->sync_state(carrier);
  if (!same_sync(now, indexed)) {
    spdlog::info("sync carrier={} synced by another instance; index rebuilt from the store",
                 carrier);
    co_await run_on(inv.sync_worker, [&] { rebuild_number_index(inv, carrier); });
    indexed = now;
  }
  co_return now.last_full_sync_at_ms.has_value();
}
}  // namespace

asio::awaitable<void> inventory_sync_loop(Inventory& inv, Carrier& carrier,
                                          bool first_sync_counted) {
  Services& svc = inv.svc;
  if (!carrier.has(CGW_CAP_INVENTORY_SYNC)) co_return;
  const auto& cfg = carrier.config();
  const std::string lease = inventory_sync_lease(cfg.id);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  // What the search index was last built from (the App built it at start).
  SyncState indexed = svc.store.numbers->sync_state(cfg.id);
  while (!svc.stopping) {
    if (!svc.fleet.holds(lease)) {
      // Another instance syncs this carrier (or none can renew the lease
      // now): this one follows the store, and asks again next heartbeat.
      bool synced = false;
      try {
        synced = co_await follow_store(inv, cfg.id, indexed);
      } catch (const std::exception& e) {
        if (is_cancellation(e)) throw;
        spdlog::warn("sync carrier={} cannot read the stored inventory: {}", cfg.id, e.what());
      }
      if (first_sync_counted && synced) {
        first_sync_counted = false;
        --svc.first_syncs_pending;
      }
      timer.expires_after(svc.config.fleet_heartbeat);
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      continue;
    }
    const SyncState st = svc.store.numbers->sync_state(cfg.id);
    const int64_t full_age_ms =
        st.last_full_sync_at_ms ? svc.now() - *st.last_full_sync_at_ms : INT64_MAX;
    const auto full_every =
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg.sync_interval);
    bool full_due = full_age_ms >= full_every.count() || st.change_cursor.empty();
    if (!full_due) {
      const bool ok = (co_await incremental_sync(inv, carrier)).ok;
      if (svc.stopping) co_return;  // a pass cut short by shutdown is no failure
      svc.metrics.observe_sync(cfg.id, Metrics::kIncremental, ok, svc.now());
      full_due = !ok;
    }
    if (full_due) {
      const bool ok = (co_await full_sync(inv, carrier)).ok;
      if (svc.stopping) co_return;
      svc.metrics.observe_sync(cfg.id, Metrics::kFull, ok, svc.now());
    }
    if (first_sync_counted) {  // ended, well or not: /readyz stops waiting for it
      first_sync_counted = false;
      --svc.first_syncs_pending;
    }
    indexed = svc.store.numbers->sync_state(cfg.id);
    const bool has_feed = !indexed.change_cursor.empty();
    timer.expires_after(has_feed ? std::min(cfg.incremental_sync_interval, cfg.sync_interval)
                                 : cfg.sync_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace cgw::gw
