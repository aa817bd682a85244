// Keeps each carrier's number inventory in the store and the search index:
// a full sync when the last one is older than sync_interval_s (and at the
// first start), and between full syncs an incremental sync of the changes
// since the carrier's change position every incremental_sync_interval_s,
// when the carrier's plugin offers a change feed.
//
// A full sync pages through inventory.sync with large pages, writes batches
// of rows in one transaction each on a worker thread while the next page is
// fetched, logs progress (count, rate, ETA), then drops the numbers the
// carrier no longer lists and rebuilds the carrier's search index snapshot.
//
// Instances sharing a store: only the holder of the carrier's
// "inventory_sync:<carrier>" lease (store/fleet.hpp) syncs; the others
// rebuild their index from the store when its sync changed it (a full sync,
// or a move of the change feed's position), checking every heartbeat.
#pragma once

#include "inventory/inventory.hpp"

#include <boost/asio/awaitable.hpp>

namespace cgw::gw {

// Runs as a task of the App's BackgroundTasks until it is cancelled: a
// page fetch in flight is cut, a store batch on the sync worker finishes
// first; a full sync cut short is not finished (the previous inventory
// stays). Services::stopping is also checked between pages.
// `first_sync_counted`: the App counted this carrier in
// Services::first_syncs_pending; the loop takes it off after its first pass.
boost::asio::awaitable<void> inventory_sync_loop(Inventory& inv, Carrier& carrier,
                                                 bool first_sync_counted = false);

struct SyncResult {
  bool ok = false;
  int64_t numbers = 0;  // listed (full) or changed (incremental)
  double seconds = 0;
};
boost::asio::awaitable<SyncResult> full_sync(Inventory& inv, Carrier& carrier);
boost::asio::awaitable<SyncResult> incremental_sync(Inventory& inv, Carrier& carrier);

// Loads `carrier`'s numbers from the store into a fresh index snapshot
// (blocking; about a second per million numbers).
void rebuild_number_index(Inventory& inv, const std::string& carrier);

}  // namespace cgw::gw
