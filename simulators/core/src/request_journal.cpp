#include "cgw/sim/request_journal.hpp"

#include <algorithm>

namespace cgw::sim {

void RequestJournal::add(JournalEntry entry) {
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(entry));
  ++total_;
  while (entries_.size() > capacity_) entries_.pop_front();
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
    if (q.operation.empty() || it->operation == q.operation) out.push_back(*it);
  std::reverse(out.begin(), out.end());
  return out;
}

uint64_t RequestJournal::total() const {
  std::lock_guard lock(mu_);
  return total_;
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
                      std::string(req[kServedWithFaultHeader])};
}

}  // namespace cgw::sim
