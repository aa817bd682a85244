// The search index of the synced number inventory: one immutable snapshot
// per carrier, rebuilt from the store after each sync and swapped in whole,
// plus flags per number that reservations, sales and the carrier's change
// feed flip at once: a number shows only while no flag is set.
//
// Why in memory and not SQLite indexes: suffix, "contains" and tag searches
// over 1M numbers cannot use a B-tree on the number (LIKE '%x' and instr()
// scan every row: 10-750 ms measured), while a sorted array per access path
// answers them in microseconds. docs/architecture.md has the measurements.
//
// Access paths of a snapshot: rows sorted by number (prefix ranges), rows
// sorted by reversed number (suffix ranges), one row list per vanity tag,
// per province and per city, and rows sorted by price and by valuation. A
// query picks the path with the lowest estimated cost, then filters.
#pragma once

#include "store/number_repository.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::gw {

enum class NumberSort { kMsisdn, kPriceAsc, kPriceDesc, kValuationAsc, kValuationDesc };

struct NumberSearch {
  std::vector<std::string> carriers;  // empty: all
  std::string province, city;
  std::string prefix, suffix, contains;  // digits
  std::string exclude_digits;            // none of these digits anywhere
  uint32_t tags_all = 0;                 // every tag bit must be set
  int64_t price_min = 0, price_max = std::numeric_limits<int64_t>::max();
  NumberSort sort = NumberSort::kMsisdn;
  size_t limit = 20;
  // Pagination: the sort key, number and carrier of the last row returned.
  // The order (key, number, carrier) is total, so a cursor stays valid
  // when a sync swaps the snapshot: no row is returned twice or skipped.
  struct After {
    int64_t key = 0;
    uint64_t msisdn = 0;
    std::string carrier;
  };
  std::optional<After> after;
};

struct FoundNumber {
  std::string carrier, msisdn, province, city, host_network;  // host "" : the carrier's own
  int64_t price_fen = 0, valuation_fen = 0;
  uint32_t tags = 0;
  int grade = 0;
  int64_t sort_key = 0;  // for the cursor
};

// One number as the store keeps it.
struct StoredNumber {
  std::string msisdn, province, city, host_network;
  int64_t price_fen = 0;
  std::optional<int64_t> carrier_grade;
  bool held_here = false;         // reserved or sold through cgw
  bool carrier_available = true;  // the carrier lists it as available
};

namespace index {
struct Snapshot;
}

// A snapshot being built: rows are added as they arrive (from a sync's
// pages or from the store), then NumberIndex::install() indexes and swaps
// it in. Hides and shows noted after begin_build() are applied again at
// install, so none is lost while the rows arrive.
class IndexBuild {
 public:
  IndexBuild(IndexBuild&&) noexcept;
  ~IndexBuild();
  // Numbers that are not 11 digits are counted in skipped(), not indexed.
  void add(std::string_view msisdn, std::string_view province, std::string_view city,
           std::string_view host_network, int64_t price_fen, std::optional<int64_t> carrier_grade,
           bool held_here, bool carrier_available);
  void add(const StoredNumber& n) {
    add(n.msisdn, n.province, n.city, n.host_network, n.price_fen, n.carrier_grade, n.held_here,
        n.carrier_available);
  }
  // Marks an added number as held through cgw.
  void hold(std::string_view msisdn);
  size_t skipped() const { return skipped_; }

 private:
  friend class NumberIndex;
  IndexBuild(std::string carrier, uint64_t seq);
  std::string carrier_;
  uint64_t seq_;
  std::unique_ptr<index::Snapshot> snap_;
  std::vector<uint8_t> flags_;  // per added row
  std::vector<uint64_t> held_;  // hold() before install
  size_t skipped_ = 0;
};

class NumberIndex final : public HoldObserver {
 public:
  NumberIndex();
  ~NumberIndex();
  NumberIndex(const NumberIndex&) = delete;
  NumberIndex& operator=(const NumberIndex&) = delete;

  IndexBuild begin_build(const std::string& carrier) const;
  // Indexes the build and swaps it in; returns the numbers indexed.
  size_t install(IndexBuild build);
  // Both in one: for rows already in memory (tests, the store's rows).
  size_t replace(const std::string& carrier, const std::vector<StoredNumber>& rows);
  // A reservation, sale or release through cgw: takes effect at once.
  void set_hidden(const std::string& carrier, std::string_view msisdn, bool hidden) override;
  // A state change the carrier reported (incremental sync). False when the
  // number is not in the snapshot: only a rebuild can add it.
  bool set_carrier_available(const std::string& carrier, std::string_view msisdn, bool available);

  std::vector<FoundNumber> search(const NumberSearch& q) const;
  // Numbers in `carrier`'s snapshot not hidden; nullopt before its first build.
  std::optional<int64_t> available(const std::string& carrier) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "13812345678" -> 13812345678; nullopt unless exactly 11 digits.
std::optional<uint64_t> msisdn_value(std::string_view msisdn);

}  // namespace cgw::gw
