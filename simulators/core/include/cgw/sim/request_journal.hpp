// A bounded journal of the carrier requests a simulator received, for
// GET /admin/requests. It holds method, target and outcome only: bodies
// (names, ID numbers) are never recorded.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::sim {

struct JournalEntry {
  int64_t at_ms = 0;  // simulated time
  std::string method, target;
  bool signature_ok = false;
  std::string code;  // business code returned ("0" on success)
  int http_status = 200;
  // Filled in by the simulator kit's wrapper (SimInstance), not by carriers:
  // the carrier operation (CarrierSimulator::operation_of) and the injected
  // fault kind, "" when none. Default-initialized so that carriers' brace
  // initializers of the fields above stay valid.
  std::string operation{};
  std::string fault{};
};

struct JournalQuery {
  size_t limit = 100;
  std::string operation;  // "" for every operation
};

class RequestJournal {
 public:
  explicit RequestJournal(size_t capacity = 5000) : capacity_(capacity) {}
  void add(JournalEntry entry);
  // The last `n` entries, oldest first.
  std::vector<JournalEntry> last(size_t n) const;
  // The last `limit` entries that match, oldest first.
  std::vector<JournalEntry> query(const JournalQuery& q) const;
  uint64_t total() const;

  // Sets operation (and fault, when not empty) on the oldest entry added
  // since total() was `since` that has this method and target and no
  // operation yet: the carrier wrote the entry, the wrapper knows the
  // operation. Entries of concurrent identical requests are told apart by
  // order only, which is enough because identical targets are one
  // operation for path-routed carriers.
  void annotate(uint64_t since, std::string_view method, std::string_view target,
                std::string_view operation, std::string_view fault);

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<JournalEntry> entries_;
  uint64_t total_ = 0;
};

}  // namespace cgw::sim
