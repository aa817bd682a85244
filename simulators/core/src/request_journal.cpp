#include "cgw/sim/request_journal.hpp"

#include <algorithm>
#include <charconv>

namespace cgw::sim {

namespace {

size_t recorded_bytes(const JournalEntry& e) {
  size_t n = 0;
  for (const auto* m : {&e.request, &e.response}) {
    if (!*m) continue;
    n += (*m)->body.size();
    for (const auto& [name, value] : (*m)->headers) n += name.size() + value.size();
  }
  return n;
}

}  // namespace

void RequestJournal::add(JournalEntry entry) {
  std::lock_guard lock(mu_);
  bytes_ += recorded_bytes(entry);
  entries_.push_back(std::move(entry));
  ++total_;
  trim();
}

void RequestJournal::trim() {
  while (entries_.size() > capacity_ || (bytes_ > byte_budget_ && entries_.size() > 1)) {
    bytes_ -= recorded_bytes(entries_.front());
    entries_.pop_front();
  }
}

std::vector<JournalEntry> RequestJournal::last(size_t n) const {
  std::lock_guard lock(mu_);
  n = std::min(n, entries_.size());
  return {entries_.end() - static_cast<std::ptrdiff_t>(n), entries_.end()};
}

std::vector<JournalEntry> RequestJournal::query(const JournalQuery& q) const {
  std::lock_guard lock(mu_);
  std::vector<JournalEntry> out;
  for (auto it = entries_.rbegin(); it != entries_.rend() && out.size() < q.limit; ++it)
    if (matches(*it, q)) out.push_back(*it);
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t RequestJournal::count(const JournalQuery& q) const {
  std::lock_guard lock(mu_);
  return static_cast<uint64_t>(std::count_if(entries_.begin(), entries_.end(),
                                             [&](const auto& e) { return matches(e, q); }));
}

void RequestJournal::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
  total_ = 0;
  bytes_ = 0;
}

bool RequestJournal::complete(uint64_t seq, JournalExchange exchange) {
  if (seq == 0) return false;
  std::lock_guard lock(mu_);
  // The entry was added moments ago: search from the newest.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->seq != seq) continue;
    bytes_ -= recorded_bytes(*it);
    it->correlation = std::move(exchange.correlation);
    it->request = std::move(exchange.request);
    it->response = std::move(exchange.response);
    bytes_ += recorded_bytes(*it);
    trim();
    return true;
  }
  return false;
}

bool matches(const JournalEntry& e, const JournalQuery& q) {
  const Correlation& c = e.correlation;
  return (q.operation.empty() || e.operation == q.operation) &&
         (q.msisdn.empty() || c.msisdn == q.msisdn) &&
         (q.order_id.empty() || c.partner_order_id == q.order_id ||
          c.carrier_order_id == q.order_id) &&
         (q.lock_id.empty() || c.lock_id == q.lock_id) && (!q.since_ms || e.at_ms >= *q.since_ms) &&
         (!q.until_ms || e.at_ms <= *q.until_ms);
}

uint64_t RequestJournal::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

uint64_t journal_seq(const net::Request& req) {
  uint64_t seq = 0;
  if (auto it = req.find(kJournalSeqHeader); it != req.end()) {
    const std::string_view v = it->value();
    std::from_chars(v.data(), v.data() + v.size(), seq);
  }
  return seq;
}

JournalEntry journal_entry(const net::Request& req, int64_t at_ms, bool signature_ok,
                           std::string code, int http_status) {
  return JournalEntry{at_ms,
                      std::string(req.method_string()),
                      std::string(req.target()),
                      signature_ok,
                      std::move(code),
                      http_status,
                      std::string(req[kServedAsHeader]),
                      std::string(req[kServedWithFaultHeader]),
                      journal_seq(req)};
}

}  // namespace cgw::sim
