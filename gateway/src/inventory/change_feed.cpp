#include "inventory/change_feed.hpp"

#include "core/background_tasks.hpp"
#include "inventory/run_on.hpp"
#include "inventory/sync.hpp"
#include "store/database.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace cgw::gw {

namespace asio = boost::asio;

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One wake-up's work, on the feed worker: position and rebuild when needed,
// read until caught up (or max_batches), prune when due.
struct FeedPass {
  Inventory& inv;
  HoldFeed& feed;
  const ChangeFeedOptions& options;
  bool& positioned;
  int64_t& last_prune_ms;

  void rebuild(const char* why) {
    spdlog::warn("change feed: {}; rebuilding the search index from the store", why);
    feed.start();
    positioned = true;
    for (const auto& [id, carrier] : inv.svc.carriers) rebuild_number_index(inv, id);
    inv.svc.metrics.change_feed.rebuilds.fetch_add(1, std::memory_order_relaxed);
  }

  void operator()() {
    auto& stats = inv.svc.metrics.change_feed;
    if (!positioned) rebuild("not positioned at start (the store was unreachable)");
    for (size_t i = 0; i < options.max_batches && !inv.svc.stopping; ++i) {
      const int64_t read_at = steady_ms();
      auto b = feed.next(options.batch);
      if (b.behind) {
        rebuild("changes this instance had not read were pruned");
        continue;
      }
      for (const auto& c : b.changes)
        inv.index.set_hidden(c.number.carrier, c.number.msisdn, c.hidden);
      stats.applied.fetch_add(b.changes.size(), std::memory_order_relaxed);
      stats.position.store(b.position, std::memory_order_relaxed);
      stats.head.store(b.head, std::memory_order_relaxed);
      if (b.changes.size() < options.batch) {
        stats.caught_up_at_ms.store(read_at, std::memory_order_relaxed);
        break;
      }
    }
    const int64_t now = steady_ms();
    if (now - last_prune_ms >= std::chrono::milliseconds(options.prune_every).count()) {
      last_prune_ms = now;
      const int64_t gone = feed.prune(std::chrono::milliseconds(options.keep).count());
      if (gone > 0) spdlog::debug("change feed: pruned {} changes", gone);
    }
  }
};

}  // namespace

bool position_change_feed(HoldFeed& feed) {
  try {
    feed.start();
    return true;
  } catch (const StoreError& e) {
    spdlog::warn("change feed: cannot position at start: {}", e.what());
    return false;
  }
}

asio::awaitable<void> change_feed_loop(Inventory& inv, HoldFeed& feed, bool positioned,
                                       ChangeFeedOptions options) {
  auto& stats = inv.svc.metrics.change_feed;
  stats.running.store(true, std::memory_order_relaxed);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  int64_t last_prune_ms = 0;
  bool failing = false;
  while (!inv.svc.stopping) {
    FeedPass pass{inv, feed, options, positioned, last_prune_ms};
    try {
      co_await run_on(inv.feed_worker, pass);
      if (failing) spdlog::info("change feed: reading again");
      failing = false;
    } catch (const std::exception& e) {
      if (is_cancellation(e)) throw;
      // The database is unreachable (a StoreError), or a rebuild failed:
      // the position and the gaps are kept, the next read goes on from
      // there. Logged once per outage.
      stats.errors.fetch_add(1, std::memory_order_relaxed);
      if (!failing) spdlog::warn("change feed: read failed: {}", e.what());
      failing = true;
    }
    timer.expires_after(options.interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) break;
  }
}

}  // namespace cgw::gw
