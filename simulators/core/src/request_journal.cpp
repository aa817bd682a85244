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

void RequestJournal::annotate(uint64_t since, std::string_view method, std::string_view target,
                              std::string_view operation, std::string_view fault) {
  std::lock_guard lock(mu_);
  const uint64_t first_seq = total_ - entries_.size();  // sequence number of entries_[0]
  for (uint64_t seq = std::max(since, first_seq); seq < total_; ++seq) {
    JournalEntry& e = entries_[static_cast<size_t>(seq - first_seq)];
    if (!e.operation.empty() || e.method != method || e.target != target) continue;
    e.operation = operation;
    if (!fault.empty()) e.fault = fault;
    return;
  }
}

}  // namespace cgw::sim
