#include "cgw/sim/request_journal.hpp"

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

uint64_t RequestJournal::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace cgw::sim
