#include "inventory/number_index.hpp"

#include "inventory/number_snapshot.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>

namespace cgw::gw {

using index::Snapshot;

std::optional<uint64_t> msisdn_value(std::string_view m) {
  if (m.size() != 11) return std::nullopt;
  uint64_t v = 0;
  for (char c : m) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

namespace index {

uint64_t reverse_digits(uint64_t m) {
  uint64_t r = 0;
  for (int i = 0; i < 11; ++i, m /= 10) r = r * 10 + m % 10;
  return r;
}

int64_t Snapshot::find(uint64_t msisdn) const {
  auto it = std::lower_bound(rows.begin(), rows.end(), msisdn,
                             [](const Row& r, uint64_t m) { return r.msisdn < m; });
  return it != rows.end() && it->msisdn == msisdn ? it - rows.begin() : -1;
}

namespace {
uint32_t intern(Snapshot& s, std::string_view v) {
  auto it = s.string_ids.find(std::string(v));
  if (it != s.string_ids.end()) return it->second;
  const auto id = static_cast<uint32_t>(s.strings.size());
  s.strings.emplace_back(v);
  s.string_ids.emplace(s.strings.back(), id);
  return id;
}

// Rows sorted by (key, number): the row ids are in number order already, so
// a stable sort on the key alone gives that order.
std::vector<uint32_t> sorted_by(const std::vector<Row>& rows, int64_t Row::*key) {
  std::vector<uint32_t> ids(rows.size());
  for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  std::stable_sort(ids.begin(), ids.end(),
                   [&](uint32_t a, uint32_t b) { return rows[a].*key < rows[b].*key; });
  return ids;
}
}  // namespace

void add_row(Snapshot& s, uint64_t msisdn, std::string_view digits, std::string_view province,
             std::string_view city, std::string_view host, int64_t price,
             std::optional<int64_t> carrier_grade) {
  auto a = assess_number(digits, price, carrier_grade);
  Row r;
  r.msisdn = msisdn;
  r.price = price;
  r.valuation = a.valuation_fen;
  r.tags = a.tags;
  r.grade = static_cast<uint8_t>(a.grade);
  r.province = intern(s, province);
  r.city = intern(s, city);
  r.host = intern(s, host);
  for (char c : digits) r.digits |= static_cast<uint16_t>(1u << (c - '0'));
  s.rows.push_back(r);
}

void finish_snapshot(Snapshot& s, std::vector<uint8_t> flags) {
  // Order by number; of repeats the last one added wins.
  std::vector<uint32_t> order(s.rows.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return s.rows[a].msisdn < s.rows[b].msisdn; });
  std::vector<Row> rows;
  std::vector<uint8_t> row_flags;
  rows.reserve(order.size());
  row_flags.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && s.rows[order[i + 1]].msisdn == s.rows[order[i]].msisdn) continue;
    rows.push_back(s.rows[order[i]]);
    row_flags.push_back(flags[order[i]]);
  }
  s.rows = std::move(rows);
  s.hidden.reset(new std::atomic<uint8_t>[s.rows.size()]);
  const size_t words = (s.rows.size() + 63) / 64;
  auto set = [](Bitmap& b, uint32_t id) {
    b.words[id / 64] |= 1ull << (id % 64);
    ++b.count;
  };
  for (auto& b : s.tag_bits) b.words.assign(words, 0);
  for (auto& b : s.digit_bits) b.words.assign(words, 0);
  for (auto& b : s.pair_bits) b.words.assign(words, 0);
  std::unordered_map<uint32_t, uint32_t> tag_sets;
  int64_t visible = 0;
  for (uint32_t id = 0; id < s.rows.size(); ++id) {
    const Row& r = s.rows[id];
    s.hidden[id].store(row_flags[id], std::memory_order_relaxed);
    visible += row_flags[id] == 0 ? 1 : 0;
    for (int t = 0; t < kVanityTagCount; ++t)
      if (r.tags & (1u << t)) {
        s.by_tag[t].push_back(id);
        set(s.tag_bits[t], id);
      }
    ++tag_sets[r.tags];
    for (int d = 0; d < 10; ++d)
      if (r.digits & (1u << d)) set(s.digit_bits[d], id);
    // Digit pairs, each once per row.
    uint64_t pairs[2] = {0, 0};
    uint64_t m = r.msisdn;
    for (int i = 0; i < 10; ++i, m /= 10) {              // 11 digits, leading zeros included
      const auto pair = static_cast<uint32_t>(m % 100);  // "ab": a = (m / 10) % 10, b = m % 10
      pairs[pair / 64] |= 1ull << (pair % 64);
    }
    for (uint32_t p = 0; p < 100; ++p)
      if ((pairs[p / 64] >> (p % 64)) & 1) set(s.pair_bits[p], id);
    s.by_province[r.province].push_back(id);
    s.by_city[r.city].push_back(id);
  }
  s.tag_sets.assign(tag_sets.begin(), tag_sets.end());
  s.visible.store(visible);
  s.by_suffix.reserve(s.rows.size());
  for (uint32_t i = 0; i < s.rows.size(); ++i)
    s.by_suffix.emplace_back(reverse_digits(s.rows[i].msisdn), i);
  std::sort(s.by_suffix.begin(), s.by_suffix.end());
  s.by_price = sorted_by(s.rows, &Row::price);
  s.by_valuation = sorted_by(s.rows, &Row::valuation);
}

}  // namespace index

struct NumberIndex::Impl {
  struct Change {
    uint64_t seq;
    std::string carrier;
    uint64_t msisdn;
    uint8_t flag;
    bool on;
  };
  mutable std::mutex mu;  // guards the maps and the change log, not the snapshots' contents
  std::map<std::string, std::shared_ptr<Snapshot>> snapshots;
  std::deque<Change> changes;  // since the oldest rebuild that may still need them
  uint64_t seq = 0;
  std::mutex rebuild_mu;  // one rebuild at a time

  // False when the number is not in the snapshot.
  static bool apply(Snapshot& s, uint64_t msisdn, uint8_t flag, bool on) {
    auto row = s.find(msisdn);
    if (row < 0) return false;
    auto& cell = s.hidden[row];
    const uint8_t before = on ? cell.fetch_or(flag) : cell.fetch_and(static_cast<uint8_t>(~flag));
    const uint8_t after = on ? (before | flag) : (before & ~flag);
    if ((before == 0) != (after == 0)) s.visible.fetch_add(after == 0 ? 1 : -1);
    return true;
  }
  bool note(const std::string& carrier, std::string_view msisdn, uint8_t flag, bool on) {
    auto value = msisdn_value(msisdn);
    if (!value) return false;
    std::lock_guard lock(mu);
    changes.push_back({++seq, carrier, *value, flag, on});
    if (changes.size() > 100'000) changes.pop_front();
    auto it = snapshots.find(carrier);
    return it != snapshots.end() && apply(*it->second, *value, flag, on);
  }
};

IndexBuild::IndexBuild(std::string carrier, uint64_t seq)
    : carrier_(std::move(carrier)), seq_(seq), snap_(std::make_unique<Snapshot>()) {
  snap_->carrier = carrier_;
}
IndexBuild::IndexBuild(IndexBuild&&) noexcept = default;
IndexBuild::~IndexBuild() = default;

void IndexBuild::add(std::string_view msisdn, std::string_view province, std::string_view city,
                     std::string_view host_network, int64_t price_fen,
                     std::optional<int64_t> carrier_grade, bool held_here, bool carrier_available) {
  auto value = msisdn_value(msisdn);
  if (!value) {
    ++skipped_;
    return;
  }
  index::add_row(*snap_, *value, msisdn, province, city, host_network, price_fen, carrier_grade);
  flags_.push_back(static_cast<uint8_t>((held_here ? index::kHeldHere : 0) |
                                        (carrier_available ? 0 : index::kNotAvailable)));
}

void IndexBuild::hold(std::string_view msisdn) {
  if (auto v = msisdn_value(msisdn)) held_.push_back(*v);
}

NumberIndex::NumberIndex() : impl_(std::make_unique<Impl>()) {}
NumberIndex::~NumberIndex() = default;

IndexBuild NumberIndex::begin_build(const std::string& carrier) const {
  std::lock_guard lock(impl_->mu);
  return IndexBuild(carrier, impl_->seq);
}

size_t NumberIndex::install(IndexBuild build) {
  std::lock_guard rebuild(impl_->rebuild_mu);
  std::shared_ptr<Snapshot> fresh = std::move(build.snap_);
  index::finish_snapshot(*fresh, std::move(build.flags_));
  for (uint64_t m : build.held_) Impl::apply(*fresh, m, index::kHeldHere, true);
  std::lock_guard lock(impl_->mu);
  const auto& carrier = build.carrier_;
  for (const auto& c : impl_->changes)
    if (c.seq > build.seq_ && c.carrier == carrier) Impl::apply(*fresh, c.msisdn, c.flag, c.on);
  // Changes before the build began are in its rows; keep the rest for
  // builds of other carriers that may be running.
  std::erase_if(impl_->changes,
                [&](const Impl::Change& c) { return c.carrier == carrier && c.seq <= build.seq_; });
  impl_->snapshots[carrier] = fresh;
  return fresh->rows.size();
}

size_t NumberIndex::replace(const std::string& carrier, const std::vector<StoredNumber>& rows) {
  IndexBuild build = begin_build(carrier);
  for (const auto& n : rows) build.add(n);
  return install(std::move(build));
}

void NumberIndex::set_hidden(const std::string& carrier, std::string_view msisdn, bool hidden) {
  impl_->note(carrier, msisdn, index::kHeldHere, hidden);
}

bool NumberIndex::set_carrier_available(const std::string& carrier, std::string_view msisdn,
                                        bool available) {
  return impl_->note(carrier, msisdn, index::kNotAvailable, !available);
}

std::optional<int64_t> NumberIndex::available(const std::string& carrier) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->snapshots.find(carrier);
  if (it == impl_->snapshots.end()) return std::nullopt;
  return it->second->visible.load();
}

std::vector<FoundNumber> NumberIndex::search(const NumberSearch& q) const {
  std::vector<std::shared_ptr<Snapshot>> targets;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [id, snap] : impl_->snapshots)
      if (q.carriers.empty() ||
          std::find(q.carriers.begin(), q.carriers.end(), id) != q.carriers.end())
        targets.push_back(snap);
  }
  std::vector<FoundNumber> all;
  for (const auto& snap : targets) {
    auto part = index::search_snapshot(*snap, q);
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  if (targets.size() > 1) {
    const bool desc = q.sort == NumberSort::kPriceDesc || q.sort == NumberSort::kValuationDesc;
    auto before = [desc](const FoundNumber& a, const FoundNumber& b) {
      auto ta = std::tie(a.sort_key, a.msisdn, a.carrier);
      auto tb = std::tie(b.sort_key, b.msisdn, b.carrier);
      return desc ? tb < ta : ta < tb;
    };
    std::sort(all.begin(), all.end(), before);
    if (all.size() > q.limit) all.resize(q.limit);
  }
  return all;
}

}  // namespace cgw::gw
