// A bounded journal of the carrier requests a simulator received, for
// GET /admin/requests. It holds method, target and outcome only: bodies
// (names, ID numbers) are never recorded.
#pragma once

#include "cgw/common/http_server.hpp"

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
  // The carrier operation (CarrierSimulator::operation_of) and the injected
  // fault kind, "" when none, as the simulator kit named them on the request
  // (journal_entry()).
  std::string operation{};
  std::string fault{};
};

// The simulator kit names, on each request it hands to a carrier, the
// operation and the injected fault ("" for none) it is served under, so the
// carrier's journal entry is labelled exactly, even for concurrent
// identical requests (see journal_entry()).
inline constexpr const char* kServedAsHeader = "X-Cgw-Sim-Operation";
inline constexpr const char* kServedWithFaultHeader = "X-Cgw-Sim-Fault";

// The journal entry of `req` as the carrier answered it.
JournalEntry journal_entry(const net::Request& req, int64_t at_ms, bool signature_ok,
                           std::string code, int http_status);

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

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<JournalEntry> entries_;
  uint64_t total_ = 0;
};

}  // namespace cgw::sim
