// The inventory room's state: the in-memory search index of every
// carrier's numbers and the worker thread that writes sync batches to the
// store. Owned by the App; the sync loops (sync.hpp) and the API's search
// read and write it.
#pragma once

#include "carriers/services.hpp"
#include "inventory/number_index.hpp"

#include <boost/asio/thread_pool.hpp>

namespace cgw::gw {

struct Inventory {
  explicit Inventory(Services& s) : svc(s) {}
  Inventory(const Inventory&) = delete;
  Inventory& operator=(const Inventory&) = delete;

  Services& svc;
  NumberIndex index;  // what GET /v1/numbers searches
  // The change feed follower's store reads (inventory/change_feed.hpp):
  // its own thread, so a read waiting on an unreachable database holds up
  // neither the I/O threads nor a sync. Joined with sync_worker.
  boost::asio::thread_pool feed_worker{1};
  // The sync's store writes and index builds run here, off the I/O
  // threads. The App joins it once the I/O threads have stopped and before
  // the coroutines waiting on it are destroyed; last member, so it is gone
  // before the index it writes to in any case.
  boost::asio::thread_pool sync_worker{1};
};

}  // namespace cgw::gw
