// Each carrier's plan catalogue (plans.list), cached, so that an activation
// naming a plan the carrier does not offer is refused before anything is
// sent (422 PLAN_NOT_FOUND) instead of failing later at the carrier.
#pragma once

#include "carriers/carrier.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace cgw::gw {

class PlanCatalog {
 public:
  // A catalogue is used for this long, then fetched again.
  static constexpr int64_t kMaxAgeMs = 5 * 60 * 1000;
  // A plan missing from a catalogue older than this fetches it again first
  // (a plan the carrier has just added).
  static constexpr int64_t kRefreshOnMissMs = 10 * 1000;

  // Whether `carrier` lists `plan_id`; nullopt when no catalogue can be had
  // (the carrier has no plans.list, or it cannot be reached): the carrier
  // then judges the plan at submit time.
  boost::asio::awaitable<std::optional<bool>> has_plan(Carrier& carrier, const std::string& plan_id,
                                                       int64_t now_ms);

 private:
  struct Entry {
    std::set<std::string> plan_ids;
    int64_t fetched_at_ms = 0;
  };
  std::optional<Entry> cached(const std::string& carrier_id);
  std::mutex mu_;
  std::map<std::string, Entry> by_carrier_;
};

}  // namespace cgw::gw
