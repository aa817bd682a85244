// Numbers and sync state: the carriers' synced inventory, each carrier's
// sync cursor, and the local holds (reserved or sold through the gateway)
// that hide a number from search.
#pragma once

#include "store/database.hpp"
#include "store/records.hpp"

#include <cgw/types.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cgw::gw {

// Hears of local holds as their transactions commit (never of one rolled
// back), in commit order. The search index implements it.
class HoldObserver {
 public:
  virtual ~HoldObserver() = default;
  virtual void set_hidden(const std::string& carrier, std::string_view msisdn, bool hidden) = 0;
};

class NumberRepository {
 public:
  virtual ~NumberRepository() = default;
  // Upserts one page in one transaction. `tag_bits[i]` are the search tags
  // of `items[i]` (computed by the caller: the store knows no tags).
  virtual void upsert_numbers(const std::string& carrier, const std::vector<NumberItem>& items,
                              const std::vector<uint32_t>& tag_bits, int64_t sync_generation) = 0;
  // After a complete full sync: drops numbers the carrier no longer lists
  // and keeps the change position taken at its start ("" : no change feed).
  virtual void finish_sync(const std::string& carrier, int64_t sync_generation, int64_t now_ms,
                           const std::string& change_cursor = "") = 0;
  // After a good incremental sync.
  virtual void save_change_cursor(const std::string& carrier, const std::string& change_cursor,
                                  int64_t now_ms) = 0;
  virtual SyncState sync_state(const std::string& carrier) = 0;
  // `count_available`: count with a table scan (the search index counts for free).
  virtual CarrierInventory inventory(const std::string& carrier, bool count_available = true) = 0;
  // Every stored number of `carrier`, for a search index build (on its own
  // connection: a long read must not hold up the shared reader).
  virtual void for_each_number(const std::string& carrier,
                               const std::function<void(const NumberRow&)>& row) = 0;
  // Numbers reserved or sold through cgw (hidden from search).
  virtual std::vector<std::string> held_numbers(const std::string& carrier) = 0;
  // Sets the number's local hold inside `tx`; the observer hears of it when
  // `tx` commits.
  virtual void set_local_hold(Tx& tx, const NumberKey& number, LocalHold hold) = 0;
  // Set once at start, before any write.
  virtual void set_hold_observer(HoldObserver* observer) = 0;
};

}  // namespace cgw::gw
