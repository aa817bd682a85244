#include "inventory_sync.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>

namespace cgw::gw {

namespace json = boost::json;
namespace asio = boost::asio;

asio::awaitable<int64_t> sync_inventory_once(Services& svc, Carrier& carrier) {
  const auto& id = carrier.config().id;
  auto started = std::chrono::steady_clock::now();
  if (!carrier.has(CGW_CAP_INVENTORY_SYNC)) co_return 0;
  // A generation number marks every row this pass wrote; rows of older
  // generations are gone from the carrier once the pass completes.
  const int64_t generation = svc.now();
  InventorySyncInput in{"", carrier.config().sync_page_size};
  int64_t total = 0;
  for (int page = 0;; ++page) {
    auto outcome = co_await carrier.run(op::kInventorySync, json::serialize(json::value_from(in)));
    if (!outcome.ok) {
      spdlog::warn("sync carrier={} failed after {} numbers: {} {}", id, total, outcome.code,
                   outcome.message);
      co_return -1;
    }
    InventorySyncOutput out;
    try {
      out = json::value_to<InventorySyncOutput>(outcome.result);
    } catch (const std::exception& e) {
      spdlog::warn("sync carrier={} page {} malformed: {}", id, page, e.what());
      co_return -1;
    }
    svc.store->upsert_numbers(id, out.items, generation);
    total += static_cast<int64_t>(out.items.size());
    if (page % 10 == 9) {
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      spdlog::info("sync carrier={} progress numbers={} rate={:.0f}/s", id, total,
                   total / std::max(secs, 1e-3));
    }
    if (!out.has_more) break;
    if (out.next_cursor.empty() || out.next_cursor == in.cursor) {
      spdlog::warn("sync carrier={} cursor did not advance; stopping this pass", id);
      co_return -1;
    }
    in.cursor = out.next_cursor;
  }
  svc.store->finish_sync(id, generation, svc.now());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("sync carrier={} done numbers={} seconds={:.2f}", id, total, secs);
  co_return total;
}

asio::awaitable<void> inventory_sync_loop(Services& svc, Carrier& carrier) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    co_await sync_inventory_once(svc, carrier);
    timer.expires_after(carrier.config().sync_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace cgw::gw
