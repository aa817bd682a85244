#include "housekeeping.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cgw::gw {

namespace asio = boost::asio;

asio::awaitable<void> housekeeping_loop(Services& svc) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const int64_t keep_keys_ms = svc.config.idempotency_key_retention.count() * 1000;
  for (;;) {
    try {
      const int64_t now = svc.now();
      if (auto n = svc.store->expire_reservations(now); n > 0)
        spdlog::info("housekeeping: {} reservations expired", n);
      if (auto n = svc.store->prune_idempotency_keys(now - keep_keys_ms); n > 0)
        spdlog::info("housekeeping: {} idempotency keys pruned", n);
    } catch (const std::exception& e) {
      spdlog::error("housekeeping failed: {}", e.what());  // tried again next round
    }
    timer.expires_after(svc.config.housekeeping_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace cgw::gw
