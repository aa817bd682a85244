// Keeps each carrier's number inventory in the store: a full sync at start
// and every sync interval, paging through inventory.sync with the carrier's
// cursor, with a progress line (count, rate) per batch.
#pragma once

#include "services.hpp"

#include <boost/asio/awaitable.hpp>

namespace cgw::gw {

// Runs forever (until the io_context stops): sync, sleep, sync...
boost::asio::awaitable<void> inventory_sync_loop(Services& svc, Carrier& carrier);
// One full sync; returns the number of items written, or -1 on failure.
boost::asio::awaitable<int64_t> sync_inventory_once(Services& svc, Carrier& carrier);

}  // namespace cgw::gw
