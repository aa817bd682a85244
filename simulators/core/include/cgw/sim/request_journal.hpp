// A bounded journal of the carrier requests a simulator received, for
// GET /admin/requests. It holds method, target and outcome only: bodies
// (names, ID numbers) are never recorded.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace cgw::sim {

struct JournalEntry {
  int64_t at_ms = 0;  // simulated time
  std::string method, target;
  bool signature_ok = false;
  std::string code;  // business code returned ("0" on success)
  int http_status = 200;
};

class RequestJournal {
 public:
  explicit RequestJournal(size_t capacity = 5000) : capacity_(capacity) {}
  void add(JournalEntry entry);
  // The last `n` entries, oldest first.
  std::vector<JournalEntry> last(size_t n) const;
  uint64_t total() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<JournalEntry> entries_;
  uint64_t total_ = 0;
};

}  // namespace cgw::sim
