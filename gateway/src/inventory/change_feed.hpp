// Keeps this instance's search index in step with the holds other
// instances commit on the shared store (docs/reliability.md, "The search
// index across instances"): every 200 ms the follower reads the store's change feed
// (store/hold_feed.hpp) from where it stopped and hides or shows each
// number, so a number reserved through another instance leaves this
// instance's search within about a second (measured, not promised: the
// feed's lag is on /metrics). Its own holds come back through the feed too;
// applying a hold twice changes nothing.
//
// The feed keeps changes for kKeepChanges; the follower prunes older ones
// once a minute. A follower that was away longer (the database unreachable
// for that long) finds changes it never read pruned: it positions itself at
// the head again and rebuilds every carrier's index from the store, logged.
//
// Only for a store with a feed (PostgreSQL): SQLite serves one instance,
// whose index hears of every hold as it commits.
#pragma once

#include "inventory/inventory.hpp"
#include "store/hold_feed.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace cgw::gw {

struct ChangeFeedOptions {
  std::chrono::milliseconds interval{200};  // between reads when caught up
  size_t batch = 1000;                      // changes per read
  size_t max_batches = 50;                  // per wake-up, then the timer again
  std::chrono::minutes keep{10};            // changes older than this are pruned
  std::chrono::seconds prune_every{60};
};

// Positions `feed` at its head; call it before the index is first built
// from the store. False (logged) when the store could not be read: the
// loop then positions it and rebuilds the index itself.
bool position_change_feed(HoldFeed& feed);

// Runs as a task of the App's BackgroundTasks until it is cancelled; the
// store reads run on Inventory::feed_worker, off the I/O threads.
boost::asio::awaitable<void> change_feed_loop(Inventory& inv, HoldFeed& feed, bool positioned,
                                              ChangeFeedOptions options = {});

}  // namespace cgw::gw
