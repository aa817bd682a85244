// The query over one carrier's snapshot: pick the cheapest access path,
// walk it, filter. See number_index.hpp.
#include "inventory/number_snapshot.hpp"

#include <algorithm>
#include <bit>
#include <compare>

namespace cgw::gw::index {

namespace {

bool descending(NumberSort s) {
  return s == NumberSort::kPriceDesc || s == NumberSort::kValuationDesc;
}

int64_t sort_key(const Row& r, NumberSort s) {
  switch (s) {
    case NumberSort::kPriceAsc:
    case NumberSort::kPriceDesc:
      return r.price;
    case NumberSort::kValuationAsc:
    case NumberSort::kValuationDesc:
      return r.valuation;
    case NumberSort::kMsisdn:
      break;
  }
  return 0;
}

uint64_t digits_value(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

// Whether the K digits of `value` stand together in the 11 digits of
// `msisdn` (leading zeros included): each window of K digits, by division by
// constants only.
template <size_t K>
bool contains_k(uint64_t msisdn, uint64_t value) {
  for (size_t i = 0; i + K <= 11; ++i, msisdn /= 10)
    if (msisdn % kPow10[K] == value) return true;
  return false;
}
constexpr bool (*kContainsIn[12])(uint64_t, uint64_t) = {
    nullptr,       contains_k<1>, contains_k<2>, contains_k<3>, contains_k<4>,  contains_k<5>,
    contains_k<6>, contains_k<7>, contains_k<8>, contains_k<9>, contains_k<10>, contains_k<11>};

// Everything a row must satisfy, prepared once per query.
struct Filter {
  const Snapshot& snap;
  NumberSort sort;
  uint64_t prefix_lo = 0, prefix_hi = kPow10[11];  // number range
  uint64_t suffix_mod = 1, suffix_value = 0;
  std::string contains;
  uint64_t contains_value = 0;                                     // its digits as a number
  bool (*contains_in)(uint64_t msisdn, uint64_t value) = nullptr;  // kContainsIn[k]
  uint16_t excluded = 0;
  // The filters that have a bitmap: every one of `bits_all` must be set,
  // none of `bits_none` (a row passing them may still fail the others).
  std::vector<const Bitmap*> bits_all, bits_none;
  size_t first_tag_bits = 0;  // bits_all: the contains bitmaps, then the tags'
  uint64_t tag_rows;          // rows carrying every tag of the query, exactly
  uint32_t tags = 0;
  uint32_t province = kNoString, city = kNoString;
  bool by_province = false, by_city = false;
  int64_t price_min, price_max;
  const NumberSearch::After* after = nullptr;
  std::strong_ordering carrier_vs_after = std::strong_ordering::equal;
  bool impossible = false;  // e.g. a province the snapshot does not have

  Filter(const Snapshot& s, const NumberSearch& q)
      : snap(s), sort(q.sort), price_min(q.price_min), price_max(q.price_max) {
    if (!q.prefix.empty()) {
      const size_t free = 11 - std::min<size_t>(q.prefix.size(), 11);
      prefix_lo = digits_value(q.prefix) * kPow10[free];
      prefix_hi = prefix_lo + kPow10[free];
    }
    if (!q.suffix.empty()) {
      suffix_mod = kPow10[std::min<size_t>(q.suffix.size(), 11)];
      suffix_value = digits_value(q.suffix);
    }
    contains = q.contains;
    if (contains.size() <= 11) {
      contains_value = digits_value(contains);
      contains_in = kContainsIn[contains.size()];
    }
    if (contains.size() == 1) bits_all.push_back(&s.digit_bits[contains[0] - '0']);
    uint64_t pairs[2] = {0, 0};  // each pair's bitmap once
    for (size_t i = 0; i + 1 < contains.size(); ++i) {
      const int pair = (contains[i] - '0') * 10 + (contains[i + 1] - '0');
      if (!((pairs[pair / 64] >> (pair % 64)) & 1)) bits_all.push_back(&s.pair_bits[pair]);
      pairs[pair / 64] |= 1ull << (pair % 64);
    }
    for (char c : q.exclude_digits) excluded |= static_cast<uint16_t>(1u << (c - '0'));
    for (int d = 0; d < 10; ++d)
      if (excluded & (1u << d)) bits_none.push_back(&s.digit_bits[d]);
    tags = q.tags_all;
    first_tag_bits = bits_all.size();
    for (int t = 0; t < kVanityTagCount; ++t)
      if (tags & (1u << t)) bits_all.push_back(&s.tag_bits[t]);
    tag_rows = tags ? s.rows_with_tags(tags) : s.rows.size();
    impossible |= tag_rows == 0;
    if (!q.province.empty()) {
      by_province = true;
      province = s.string_id(q.province);
      impossible |= province == kNoString;
    }
    if (!q.city.empty()) {
      by_city = true;
      city = s.string_id(q.city);
      impossible |= city == kNoString;
    }
    if (q.after) {
      after = &*q.after;
      carrier_vs_after = s.carrier <=> q.after->carrier;
    }
  }

  // Position of the row against the cursor in ascending (key, number,
  // carrier) order.
  std::strong_ordering vs_after(const Row& r) const {
    if (auto c = sort_key(r, sort) <=> after->key; c != 0) return c;
    if (auto c = r.msisdn <=> after->msisdn; c != 0) return c;
    return carrier_vs_after;
  }
  bool past_cursor(const Row& r) const {
    if (!after) return true;
    auto c = vs_after(r);
    return descending(sort) ? c < 0 : c > 0;
  }

  bool has_contains(uint64_t msisdn) const {
    return contains_in && contains_in(msisdn, contains_value);
  }

  bool matches(uint32_t id) const {
    const Row& r = snap.rows[id];
    if (r.msisdn < prefix_lo || r.msisdn >= prefix_hi) return false;
    if (r.msisdn % suffix_mod != suffix_value) return false;
    if ((r.tags & tags) != tags || (r.digits & excluded) != 0) return false;
    if (r.price < price_min || r.price > price_max) return false;
    if ((by_province && r.province != province) || (by_city && r.city != city)) return false;
    if (!contains.empty() && !has_contains(r.msisdn)) return false;
    if (!past_cursor(r)) return false;
    return snap.hidden[id].load(std::memory_order_relaxed) == 0;
  }

  // Starts loading what matches() reads of a row.
  void prefetch(uint32_t id) const {
    __builtin_prefetch(&snap.rows[id]);
    __builtin_prefetch(&snap.hidden[id]);
  }

  // Rows [64 w, 64 w + 64) that pass every bitmap filter.
  uint64_t word(size_t w) const {
    uint64_t x = ~0ull;
    for (const Bitmap* b : bits_all) x &= b->words[w];
    for (const Bitmap* b : bits_none) x &= ~b->words[w];
    return x;
  }
  // Calls `visit(row)` for the rows of [from, to) that pass the bitmap
  // filters, in number order, until it returns false.
  template <class Visit>
  void walk_bits(size_t from, size_t to, Visit&& visit) const {
    if (from >= to) return;
    for (size_t w = from / 64, last = (to - 1) / 64; w <= last; ++w) {
      uint64_t x = word(w);
      if (w == from / 64) x &= ~0ull << (from % 64);
      if (w == last && to % 64 != 0) x &= (1ull << (to % 64)) - 1;
      // The rows are cache misses: ask for all of them, then look.
      for (uint64_t y = x; y != 0; y &= y - 1)
        prefetch(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(y))));
      for (; x != 0; x &= x - 1)
        if (!visit(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(x)))))
          return;
    }
  }
};

// A list of row ids: either in the query's sort order (walk from the cursor
// and stop at `limit` matches) or in another order (collect every match,
// then sort).
struct Path {
  const uint32_t* ids = nullptr;  // row ids, or null for "rows [lo, hi)"
  const std::pair<uint64_t, uint32_t>* suffix = nullptr;
  size_t lo = 0, hi = 0;
  bool in_sort_order = false;
  bool bits = false;  // rows [lo, hi) through the filters' bitmaps (Filter::walk_bits)
  double cost = 0;
  size_t size() const { return hi - lo; }
  uint32_t at(size_t i) const {
    return ids ? ids[i] : suffix ? suffix[i].second : static_cast<uint32_t>(i);
  }
};

Path id_list(const std::vector<uint32_t>& v, bool in_sort_order) {
  Path p;
  p.ids = v.data();
  p.hi = v.size();
  p.in_sort_order = in_sort_order;
  return p;
}

// Fraction of rows the query can match, assuming independent filters:
// `exact` are the access paths whose size is known (the number range, a
// suffix range, province, city, price range); the tags count exactly.
double selectivity(const Snapshot& s, const NumberSearch& q, const Filter& f,
                   const std::vector<Path>& exact) {
  const double n = std::max<double>(1, static_cast<double>(s.rows.size()));
  double sel = static_cast<double>(f.tag_rows) / n;
  for (const auto& p : exact) sel *= static_cast<double>(p.size()) / n;
  if (!q.contains.empty()) {
    const size_t k = q.contains.size();
    sel *= std::min(1.0, static_cast<double>(12 - std::min<size_t>(k, 11)) /
                             static_cast<double>(kPow10[std::min<size_t>(k, 11)]));
  }
  for (const Bitmap* b : f.bits_none) sel *= 1 - static_cast<double>(b->count) / n;
  return sel;
}

// Fraction of rows that pass the bitmap filters (the rows walk_bits visits).
double bits_density(const Snapshot& s, const Filter& f) {
  const double n = std::max<double>(1, static_cast<double>(s.rows.size()));
  double d = static_cast<double>(f.tag_rows) / n;
  for (size_t i = 0; i < f.first_tag_bits; ++i) d *= static_cast<double>(f.bits_all[i]->count) / n;
  for (const Bitmap* b : f.bits_none) d *= 1 - static_cast<double>(b->count) / n;
  return d;
}

// Every access path whose size is known exactly: the number range (first),
// a suffix range, province, city, the price range.
std::vector<Path> exact_paths(const Snapshot& s, const NumberSearch& q, const Filter& f) {
  const auto& rows = s.rows;
  std::vector<Path> paths;
  const bool by_number = q.sort == NumberSort::kMsisdn;
  {
    Path all;  // rows [lo, hi) by number: the whole table or a prefix range
    auto cmp = [](const Row& r, uint64_t m) { return r.msisdn < m; };
    // Without a prefix, no binary search (each probe is a cache miss).
    all.lo = f.prefix_lo == 0
                 ? 0
                 : std::lower_bound(rows.begin(), rows.end(), f.prefix_lo, cmp) - rows.begin();
    all.hi = f.prefix_hi == kPow10[11]
                 ? rows.size()
                 : std::lower_bound(rows.begin(), rows.end(), f.prefix_hi, cmp) - rows.begin();
    all.in_sort_order = by_number;
    paths.push_back(all);
  }
  if (!q.suffix.empty()) {
    const size_t k = std::min<size_t>(q.suffix.size(), 11);
    const uint64_t lo = reverse_digits(f.suffix_value) / kPow10[11 - k] * kPow10[11 - k];
    Path p;
    p.suffix = s.by_suffix.data();
    auto first = [](const std::pair<uint64_t, uint32_t>& e, uint64_t v) { return e.first < v; };
    p.lo =
        std::lower_bound(s.by_suffix.begin(), s.by_suffix.end(), lo, first) - s.by_suffix.begin();
    p.hi = std::lower_bound(s.by_suffix.begin(), s.by_suffix.end(), lo + kPow10[11 - k], first) -
           s.by_suffix.begin();
    paths.push_back(p);
  }
  static const std::vector<uint32_t> kEmpty;
  auto list_of = [&](const auto& map, uint32_t key) -> const std::vector<uint32_t>& {
    auto it = map.find(key);
    return it == map.end() ? kEmpty : it->second;
  };
  if (f.by_province) paths.push_back(id_list(list_of(s.by_province, f.province), by_number));
  if (f.by_city) paths.push_back(id_list(list_of(s.by_city, f.city), by_number));
  // Rows by price, cut to the price range.
  Path p = id_list(s.by_price, q.sort == NumberSort::kPriceAsc || q.sort == NumberSort::kPriceDesc);
  auto price_below = [&](uint32_t id, int64_t v) { return rows[id].price < v; };
  p.lo = q.price_min <= rows[s.by_price.front()].price
             ? 0
             : std::lower_bound(s.by_price.begin(), s.by_price.end(), q.price_min, price_below) -
                   s.by_price.begin();
  p.hi =
      q.price_max == std::numeric_limits<int64_t>::max()
          ? s.by_price.size()
          : std::lower_bound(s.by_price.begin(), s.by_price.end(), q.price_max + 1, price_below) -
                s.by_price.begin();
  paths.push_back(p);
  return paths;
}

// The cheapest access path for the query.
Path plan(const Snapshot& s, const NumberSearch& q, const Filter& f) {
  std::vector<Path> paths = exact_paths(s, q, f);
  const bool by_number = q.sort == NumberSort::kMsisdn;
  const double expected = selectivity(s, q, f, paths) * static_cast<double>(s.rows.size());
  for (int t = 0; t < kVanityTagCount; ++t)
    if (q.tags_all & (1u << t)) paths.push_back(id_list(s.by_tag[t], by_number));
  const bool by_valuation =
      q.sort == NumberSort::kValuationAsc || q.sort == NumberSort::kValuationDesc;
  if (by_valuation) paths.push_back(id_list(s.by_valuation, true));

  // Cost in rows visited: a path in sort order stops after `limit` matches;
  // any other path visits every row and sorts what matched. The bitmap walk
  // costs a word per bitmap per 64 rows, then a visit per row it lets through.
  auto scanned = [&](const Path& p) {
    const double n = static_cast<double>(p.size());
    return p.in_sort_order ? std::min(n, static_cast<double>(q.limit) * n / std::max(expected, 0.5))
                           : n;
  };
  for (auto& p : paths) p.cost = p.in_sort_order ? scanned(p) : scanned(p) * 1.5 + 8;
  if (!f.bits_all.empty() || !f.bits_none.empty()) {
    Path p = paths.front();  // the number range, through the bitmaps
    p.bits = true;
    const double per_row =
        static_cast<double>(f.bits_all.size() + f.bits_none.size()) / 256 + bits_density(s, f);
    p.cost = scanned(p) * per_row * (p.in_sort_order ? 1 : 1.5) + 8;
    paths.push_back(p);
  }
  const Path* best = nullptr;
  for (auto& p : paths)
    if (!best || p.cost < best->cost) best = &p;
  return *best;
}

constexpr size_t kAhead = 8;  // rows prefetched ahead of the one looked at

// A path ordered like the result: walked from the cursor, stopping after
// `limit` matches.
std::vector<uint32_t> walk_in_order(const Snapshot& s, const NumberSearch& q, const Filter& f,
                                    const Path& path) {
  std::vector<uint32_t> hits;
  const auto& rows = s.rows;
  const bool desc = descending(q.sort);
  size_t from = path.lo, to = path.hi;
  if (f.after) {
    auto not_past = [&](size_t i) { return f.vs_after(rows[path.at(i)]) <= 0; };
    size_t lo = path.lo, hi = path.hi;  // partition point of "not past the cursor"
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (not_past(mid))
        lo = mid + 1;
      else
        hi = mid;
    }
    if (desc) {
      // Descending: rows strictly before the cursor, walked backwards.
      to = lo;
      while (to > path.lo && f.vs_after(rows[path.at(to - 1)]) == 0) --to;
    } else {
      from = lo;
    }
  }
  if (path.bits) {  // in number order, ascending
    f.walk_bits(from, to, [&](uint32_t id) {
      if (f.matches(id)) hits.push_back(id);
      return hits.size() < q.limit;
    });
  } else if (desc) {
    for (size_t i = to; i > from && hits.size() < q.limit; --i) {
      if (i > from + kAhead) f.prefetch(path.at(i - 1 - kAhead));
      if (f.matches(path.at(i - 1))) hits.push_back(path.at(i - 1));
    }
  } else {
    for (size_t i = from; i < to && hits.size() < q.limit; ++i) {
      if (i + kAhead < to) f.prefetch(path.at(i + kAhead));
      if (f.matches(path.at(i))) hits.push_back(path.at(i));
    }
  }
  return hits;
}

// Row ids are in number order: the path's ids ordered, then walked until
// `limit` matches like a path in order.
std::vector<uint32_t> walk_by_number(const NumberSearch& q, const Filter& f, const Path& path) {
  std::vector<uint32_t> hits;
  hits.reserve(path.size());
  for (size_t i = path.lo; i < path.hi; ++i) hits.push_back(path.at(i));
  std::sort(hits.begin(), hits.end());
  size_t kept = 0;
  for (size_t i = 0; i < hits.size() && kept < q.limit; ++i) {
    if (i + kAhead < hits.size()) f.prefetch(hits[i + kAhead]);
    if (f.matches(hits[i])) hits[kept++] = hits[i];
  }
  hits.resize(kept);
  return hits;
}

// Any other path: every match collected, the first `limit` sorted.
std::vector<uint32_t> walk_and_sort(const Snapshot& s, const NumberSearch& q, const Filter& f,
                                    const Path& path) {
  std::vector<uint32_t> hits;
  const auto& rows = s.rows;
  if (path.bits) {
    f.walk_bits(path.lo, path.hi, [&](uint32_t id) {
      if (f.matches(id)) hits.push_back(id);
      return true;
    });
  } else {
    for (size_t i = path.lo; i < path.hi; ++i) {
      if (i + kAhead < path.hi) f.prefetch(path.at(i + kAhead));
      if (f.matches(path.at(i))) hits.push_back(path.at(i));
    }
  }
  const bool desc = descending(q.sort);
  auto before = [&](uint32_t a, uint32_t b) {
    auto ka = std::pair(sort_key(rows[a], q.sort), rows[a].msisdn);
    auto kb = std::pair(sort_key(rows[b], q.sort), rows[b].msisdn);
    return desc ? kb < ka : ka < kb;
  };
  const size_t keep = std::min(hits.size(), q.limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(keep), hits.end(),
                    before);
  hits.resize(keep);
  return hits;
}

FoundNumber found_number(const Snapshot& s, const Row& r, NumberSort sort) {
  FoundNumber n;
  n.carrier = s.carrier;
  n.msisdn.assign(11, '0');  // 11 digits, leading zeros kept
  for (auto [i, m] = std::pair{11, r.msisdn}; i-- > 0 && m > 0; m /= 10)
    n.msisdn[static_cast<size_t>(i)] = static_cast<char>('0' + m % 10);
  n.province = s.strings[r.province];
  n.city = s.strings[r.city];
  n.host_network = s.strings[r.host];
  n.price_fen = r.price;
  n.valuation_fen = r.valuation;
  n.tags = r.tags;
  n.grade = r.grade;
  n.sort_key = sort_key(r, sort);
  return n;
}

}  // namespace

std::vector<FoundNumber> search_snapshot(const Snapshot& s, const NumberSearch& q) {
  Filter f(s, q);
  std::vector<FoundNumber> out;
  if (f.impossible || s.rows.empty() || q.limit == 0) return out;
  const Path path = plan(s, q, f);
  const std::vector<uint32_t> hits = path.in_sort_order              ? walk_in_order(s, q, f, path)
                                     : q.sort == NumberSort::kMsisdn ? walk_by_number(q, f, path)
                                                                     : walk_and_sort(s, q, f, path);
  out.reserve(hits.size());
  for (uint32_t id : hits) out.push_back(found_number(s, s.rows[id], q.sort));
  return out;
}

}  // namespace cgw::gw::index
