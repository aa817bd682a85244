#include "inventory/sync.hpp"

#include "core/background_tasks.hpp"
#include "core/number_status.hpp"
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

// Runs `f` on Services::sync_worker (store writes and index rebuilds off
// the I/O threads, so requests keep flowing while a million rows are
// written) and resumes the caller on its own executor; rethrows what `f`
// threw. The worker belongs to Services, not to a function-local static:
// a static outlived main() and wrote to a destroyed store at exit. (No
// coroutine lambdas: GCC 12 miscompiles their captures.)
template <class F>
asio::awaitable<void> on_worker(Services& svc, F f) {
  auto home = co_await asio::this_coro::executor;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      [&f, &svc, home](auto handler) {
        asio::post(svc.sync_worker, [&f, home, handler = std::move(handler)]() mutable {
          std::exception_ptr error;
          try {
            f();
          } catch (...) {
            error = std::current_exception();
          }
          asio::post(home, [handler = std::move(handler), error]() mutable { handler(error); });
        });
      },
      asio::use_awaitable);
}

asio::awaitable<std::optional<InventorySyncOutput>> fetch(Carrier& carrier,
                                                          const InventorySyncInput& in) {
  const auto& id = carrier.config().id;
  auto outcome = co_await carrier.run(op::kInventorySync, json::serialize(json::value_from(in)));
  if (!outcome.ok()) {
    spdlog::warn("sync carrier={} page failed: {} {}", id, outcome.error().code,
                 outcome.error().message);
    co_return std::nullopt;
  }
  try {
    co_return json::value_to<InventorySyncOutput>(outcome.value());
  } catch (const std::exception& e) {
    spdlog::warn("sync carrier={} page malformed: {}", id, e.what());
    co_return std::nullopt;
  }
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

void rebuild_number_index(Services& svc, const std::string& carrier) {
  const auto started = Clock::now();
  IndexBuild build = svc.numbers->begin_build(carrier);
  svc.store.numbers->for_each_number(carrier, [&build](const NumberRow& n) {
    build.add(n.msisdn, n.province, n.city, n.host_network, n.price_fen, n.carrier_grade,
              n.held_here, n.carrier_available);
  });
  const double load_s = seconds_since(started);
  const size_t skipped = build.skipped();
  const size_t indexed = svc.numbers->install(std::move(build));
  spdlog::info("index carrier={} numbers={} load={:.2f}s total={:.2f}s", carrier, indexed, load_s,
               seconds_since(started));
  if (skipped > 0)
    spdlog::warn("index carrier={} skipped {} numbers that are not 11 digits", carrier, skipped);
}

asio::awaitable<SyncResult> full_sync(Services& svc, Carrier& carrier) {
  const auto& id = carrier.config().id;
  const auto started = Clock::now();
  SyncResult result;
  // A generation number marks every row this pass wrote; rows of older
  // generations are gone from the carrier once the pass completes.
  const int64_t generation = svc.now();
  InventorySyncInput in{"", carrier.config().sync_page_size, ""};
  std::string change_cursor;  // as of the first page: later changes come by the feed
  std::optional<int64_t> total;
  std::vector<NumberItem> batch;
  // The new search snapshot fills as pages arrive: no read-back afterwards.
  IndexBuild build = svc.numbers->begin_build(id);
  auto last_log = started;
  // The worker indexes each page and writes full batches while the I/O
  // thread fetches and decodes the next page: a two-stage pipeline.
  auto absorb = [&svc, &id, &build, &batch, generation](std::vector<NumberItem> items, bool last) {
    return on_worker(svc, [&svc, &id, &build, &batch, generation, items = std::move(items), last] {
      for (const auto& it : items)
        build.add(it.msisdn, it.province, it.city, it.host_network.value_or(""), it.price_fen,
                  it.carrier_grade, false, it.status == carrier_number::kAvailable);
      batch.insert(batch.end(), std::make_move_iterator(items.begin()),
                   std::make_move_iterator(items.end()));
      if (batch.size() >= kWriteBatchRows || last) {
        svc.store.numbers->upsert_numbers(id, batch, tags_of(batch), generation);
        batch.clear();
      }
    });
  };
  try {
    auto page = co_await fetch(carrier, in);
    for (int n = 0; page; ++n) {
      if (svc.stopping) {
        spdlog::info("sync carrier={} full sync stopped by shutdown after {} numbers", id,
                     result.numbers);
        co_return result;
      }
      if (n == 0) change_cursor = page->change_cursor;
      if (page->total) total = page->total;
      result.numbers += static_cast<int64_t>(page->items.size());
      const bool more = page->has_more;
      if (more && (page->next_cursor.empty() || page->next_cursor == in.cursor)) {
        spdlog::warn("sync carrier={} cursor did not advance; stopping this pass", id);
        page.reset();
        break;
      }
      in.cursor = page->next_cursor;
      if (!more) {
        co_await absorb(std::move(page->items), true);
        break;
      }
      page = co_await (fetch(carrier, in) && absorb(std::move(page->items), false));
      if (Clock::now() - last_log >= std::chrono::seconds(1)) {
        log_progress(id, result.numbers, total, started);
        last_log = Clock::now();
      }
    }
    if (!page) {
      spdlog::warn(
          "sync carrier={} full sync failed after {} numbers; the previous inventory stays", id,
          result.numbers);
      co_return result;
    }
    const int64_t now = svc.now();
    size_t indexed = 0;
    co_await on_worker(svc, [&] {
      // The index first: once the sync shows as done, search serves it.
      for (const auto& m : svc.store.numbers->held_numbers(id)) build.hold(m);
      if (build.skipped() > 0)
        spdlog::warn("sync carrier={} skipped {} numbers that are not 11 digits", id,
                     build.skipped());
      indexed = svc.numbers->install(std::move(build));
      svc.store.numbers->finish_sync(id, generation, now, change_cursor);
    });
    spdlog::info("index carrier={} numbers={} (built from the sync)", id, indexed);
  } catch (const std::exception& e) {
    if (is_cancellation(e)) throw;  // the shutdown: the task unwinds
    spdlog::error("sync carrier={} full sync stopped by a store error: {}", id, e.what());
    co_return result;
  }
  result.ok = true;
  result.seconds = seconds_since(started);
  spdlog::info("sync carrier={} done numbers={} seconds={:.2f} rate={:.0f}/s change_feed={}", id,
               result.numbers, result.seconds,
               static_cast<double>(result.numbers) / std::max(result.seconds, 1e-3),
               change_cursor.empty() ? "no" : "yes");
  co_return result;
}

asio::awaitable<SyncResult> incremental_sync(Services& svc, Carrier& carrier) {
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
      co_await on_worker(svc, [&] {
        svc.store.numbers->upsert_numbers(id, items, tags_of(items), state.generation);
        for (const auto& n : items)
          if (!svc.numbers->set_carrier_available(id, n.msisdn,
                                                  n.status == carrier_number::kAvailable))
            ++unknown;
      });
      in.since = page->change_cursor;
      if (!page->has_more) break;
    }
    const int64_t now = svc.now();
    co_await on_worker(svc, [&] {
      svc.store.numbers->save_change_cursor(id, in.since, now);
      if (unknown > 0) rebuild_number_index(svc, id);
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

asio::awaitable<void> inventory_sync_loop(Services& svc, Carrier& carrier) {
  if (!carrier.has(CGW_CAP_INVENTORY_SYNC)) co_return;
  const auto& cfg = carrier.config();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!svc.stopping) {
    const SyncState st = svc.store.numbers->sync_state(cfg.id);
    const int64_t full_age_ms =
        st.last_full_sync_at_ms ? svc.now() - *st.last_full_sync_at_ms : INT64_MAX;
    const auto full_every =
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg.sync_interval);
    bool full_due = full_age_ms >= full_every.count() || st.change_cursor.empty();
    if (!full_due) {
      const bool ok = (co_await incremental_sync(svc, carrier)).ok;
      if (svc.stopping) co_return;  // a pass cut short by shutdown is no failure
      svc.metrics.observe_sync(cfg.id, Metrics::kIncremental, ok, svc.now());
      full_due = !ok;
    }
    if (full_due) {
      const bool ok = (co_await full_sync(svc, carrier)).ok;
      if (svc.stopping) co_return;
      svc.metrics.observe_sync(cfg.id, Metrics::kFull, ok, svc.now());
    }
    const bool has_feed = !svc.store.numbers->sync_state(cfg.id).change_cursor.empty();
    timer.expires_after(has_feed ? std::min(cfg.incremental_sync_interval, cfg.sync_interval)
                                 : cfg.sync_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace cgw::gw
