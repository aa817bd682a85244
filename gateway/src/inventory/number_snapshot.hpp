// Internal to the number index: one carrier's immutable snapshot and the
// query over it (number_search.cpp). See number_index.hpp.
#pragma once

#include "inventory/number_index.hpp"
#include "inventory/vanity.hpp"

#include <array>
#include <atomic>
#include <unordered_map>

namespace cgw::gw::index {

// Bits of Snapshot::hidden: a number shows in search only when both are clear.
inline constexpr uint8_t kHeldHere = 1;      // reserved or sold through cgw
inline constexpr uint8_t kNotAvailable = 2;  // the carrier lists it reserved or sold
inline constexpr uint32_t kNoString = std::numeric_limits<uint32_t>::max();

struct Row {
  uint64_t msisdn = 0;
  int64_t price = 0, valuation = 0;
  uint32_t tags = 0;
  uint32_t province = 0, city = 0, host = 0;  // ids in Snapshot::strings
  uint16_t digits = 0;                        // bit d: digit d occurs
  uint8_t grade = 0;
};

// One bit per row (bit i of word i / 64: row i), for filters that many
// rows pass: a query ANDs the bitmaps of its filters 64 rows at a time, in
// number order, and looks only at the rows left.
struct Bitmap {
  std::vector<uint64_t> words;
  uint32_t count = 0;  // bits set
  bool test(uint32_t row) const { return (words[row / 64] >> (row % 64)) & 1; }
};

struct Snapshot {
  std::string carrier;
  std::vector<Row> rows;  // by number
  std::vector<std::string> strings;
  std::unordered_map<std::string, uint32_t> string_ids;
  std::vector<std::pair<uint64_t, uint32_t>> by_suffix;  // (number reversed, row)
  std::vector<uint32_t> by_price, by_valuation;          // rows by (key, number)
  std::array<std::vector<uint32_t>, kVanityTagCount> by_tag;
  std::array<Bitmap, kVanityTagCount> tag_bits;
  std::array<Bitmap, 10> digit_bits;  // digit d occurs
  std::array<Bitmap, 100> pair_bits;  // bit 10a+b: digits "ab" stand side by side
  // Rows per distinct tag set (a few hundred at most): how many rows carry
  // every tag of a query, exactly, without touching a row.
  std::vector<std::pair<uint32_t, uint32_t>> tag_sets;  // (tag bits, rows)
  std::unordered_map<uint32_t, std::vector<uint32_t>> by_province, by_city;
  std::unique_ptr<std::atomic<uint8_t>[]> hidden;
  std::atomic<int64_t> visible{0};

  uint32_t string_id(const std::string& s) const {
    auto it = string_ids.find(s);
    return it == string_ids.end() ? kNoString : it->second;
  }
  // Row of `msisdn`, or -1.
  int64_t find(uint64_t msisdn) const;
  // Rows whose tags include every bit of `all` (visible or not).
  uint64_t rows_with_tags(uint32_t all) const {
    uint64_t n = 0;
    for (auto [bits, rows] : tag_sets)
      if ((bits & all) == all) n += rows;
    return n;
  }
};

// Appends one row (not yet ordered); the caller keeps its flags beside.
void add_row(Snapshot& s, uint64_t msisdn, std::string_view digits, std::string_view province,
             std::string_view city, std::string_view host, int64_t price,
             std::optional<int64_t> carrier_grade);
// Orders the rows by number (dropping repeats), sets their flags and builds
// every access path.
void finish_snapshot(Snapshot& s, std::vector<uint8_t> flags);
// Up to q.limit rows of this snapshot matching `q`, after q.after, in q.sort
// order.
std::vector<FoundNumber> search_snapshot(const Snapshot& s, const NumberSearch& q);

uint64_t reverse_digits(uint64_t msisdn);  // 11 digits reversed
inline constexpr uint64_t kPow10[] = {1ull,         10ull,         100ull,         1000ull,
                                      10000ull,     100000ull,     1000000ull,     10000000ull,
                                      100000000ull, 1000000000ull, 10000000000ull, 100000000000ull};

}  // namespace cgw::gw::index
