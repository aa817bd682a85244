// A bounded journal of the carrier requests a simulator received, for
// GET /admin/requests (and /count, /verify). Each entry holds method,
// target and outcome, the correlation fields of the call and, when served
// through the simulator kit (SimInstance), the request and reply headers
// and bodies, masked (journal_masking.hpp): never an ID number or name in
// the clear.
#pragma once

#include "cgw/common/http_server.hpp"
#include "cgw/sim/correlation.hpp"
#include "cgw/sim/journal_masking.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
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
  // Set by the kit (SimInstance) when it serves the call; 0 otherwise.
  uint64_t seq = 0;
  Correlation correlation{};
  std::optional<JournalMessage> request{}, response{};  // kit-served calls only
};

// The simulator kit names, on each request it hands to a carrier, the
// operation and the injected fault ("" for none) it is served under, so the
// carrier's journal entry is labelled exactly, even for concurrent
// identical requests (see journal_entry()).
inline constexpr const char* kServedAsHeader = "X-Cgw-Sim-Operation";
inline constexpr const char* kServedWithFaultHeader = "X-Cgw-Sim-Fault";
// The kit's number for the call, so that it can complete the carrier's
// journal entry with the masked exchange once the reply is known.
inline constexpr const char* kJournalSeqHeader = "X-Cgw-Sim-Journal-Seq";

// The kit's number of the call (kJournalSeqHeader), 0 when none.
uint64_t journal_seq(const net::Request& req);
// The journal entry of `req` as the carrier answered it.
JournalEntry journal_entry(const net::Request& req, int64_t at_ms, bool signature_ok,
                           std::string code, int http_status);

// Every set filter must hold ("" / nullopt: any).
struct JournalQuery {
  size_t limit = 100;
  std::string operation;
  std::string msisdn;
  std::string order_id;  // the partner's or the carrier's order id
  std::string lock_id;
  std::optional<int64_t> since_ms, until_ms;  // simulated time, inclusive
};
bool matches(const JournalEntry& e, const JournalQuery& q);

// What the kit adds to an entry once the call is answered.
struct JournalExchange {
  Correlation correlation;
  JournalMessage request;
  std::optional<JournalMessage> response;  // none when the connection was dropped
};

// The journal keeps at most `capacity` entries and, of their recorded
// headers and bodies, at most `byte_budget` bytes (a long run of 64 KiB
// inventory pages must not grow the simulator without bound): the oldest
// entries go first.
inline constexpr size_t kJournalByteBudget = 64u * 1024 * 1024;

class RequestJournal {
 public:
  explicit RequestJournal(size_t capacity = 5000, size_t byte_budget = kJournalByteBudget)
      : capacity_(capacity), byte_budget_(byte_budget) {}
  void add(JournalEntry entry);
  // The last `n` entries, oldest first.
  std::vector<JournalEntry> last(size_t n) const;
  // The last `limit` entries that match, oldest first.
  std::vector<JournalEntry> query(const JournalQuery& q) const;
  // How many entries held match (limit ignored).
  uint64_t count(const JournalQuery& q) const;
  uint64_t total() const;
  // Empties the journal; total() restarts from 0.
  void clear();
  uint64_t next_seq() { return next_seq_.fetch_add(1) + 1; }
  // Completes the entry the carrier added for kit call `seq`; false when
  // there is none (the carrier journals nothing for that path).
  bool complete(uint64_t seq, JournalExchange exchange);

 private:
  void trim();  // under mu_
  const size_t capacity_;
  const size_t byte_budget_;
  size_t bytes_ = 0;
  mutable std::mutex mu_;
  std::deque<JournalEntry> entries_;
  uint64_t total_ = 0;
  std::atomic<uint64_t> next_seq_{0};
};

}  // namespace cgw::sim
